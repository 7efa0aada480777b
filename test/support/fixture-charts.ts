import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, FhirResource } from 'fhir/r4.js';

/** Fixture patients as prefetch and search results, shared by the HTTP, security and operations tests. */
type Json = Record<string, unknown>;

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The declared search keys of the service and the resource type each holds. */
export const SEARCH_KEYS: Readonly<Record<string, string>> = {
  conditions: 'Condition',
  procedures: 'Procedure',
  observations: 'Observation',
  imagingStudies: 'ImagingStudy',
  diagnosticReports: 'DiagnosticReport',
};

/** Every resource of a fixture patient's file (a fresh copy each time). */
export function chartOf(patientId: string): FhirResource[] {
  const bundle = JSON.parse(readFileSync(path.join(ROOT, 'fixtures', 'patients', `${patientId}.json`), 'utf8')) as Bundle;
  return (bundle.entry ?? []).map((e) => e.resource as FhirResource).filter(Boolean);
}

export function searchset(resources: readonly unknown[], next?: string): Json {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
    entry: resources.map((resource) => ({ resource })),
  };
}

/** Every declared prefetch key filled from a chart. */
export function prefetchOf(chart: readonly FhirResource[]): Json {
  const prefetch: Json = { patient: chart.find((r) => r.resourceType === 'Patient') };
  for (const [key, type] of Object.entries(SEARCH_KEYS)) prefetch[key] = searchset(chart.filter((r) => r.resourceType === type));
  return prefetch;
}
