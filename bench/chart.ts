import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Condition, FhirResource, Observation } from 'fhir/r4.js';

/** Prefetch keys of the discovery document and the resource type each search returns. */
const SEARCH_KEYS: Record<string, FhirResource['resourceType']> = {
  conditions: 'Condition',
  procedures: 'Procedure',
  observations: 'Observation',
  imagingStudies: 'ImagingStudy',
  diagnosticReports: 'DiagnosticReport',
};

export function readChart(patientsDir: string, patientId: string): FhirResource[] {
  const bundle = JSON.parse(readFileSync(join(patientsDir, `${patientId}.json`), 'utf8')) as Bundle;
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource as FhirResource] : []));
}

/** The prefetch an EHR fills from the discovery templates: the Patient and one searchset per search key. */
export function prefetchOf(chart: readonly FhirResource[]): Record<string, unknown> {
  const prefetch: Record<string, unknown> = { patient: chart.find((r) => r.resourceType === 'Patient') };
  for (const [key, type] of Object.entries(SEARCH_KEYS)) {
    const entries = chart.filter((r) => r.resourceType === type);
    prefetch[key] = { resourceType: 'Bundle', type: 'searchset', total: entries.length, entry: entries.map((resource) => ({ resource })) };
  }
  return prefetch;
}

interface VitalSign {
  code: string;
  display: string;
  unit: string;
  ucum: string;
  base: number;
  spread: number;
}

const VITALS: VitalSign[] = [
  { code: '8867-4', display: 'Heart rate', unit: 'beats/minute', ucum: '/min', base: 72, spread: 14 },
  { code: '9279-1', display: 'Respiratory rate', unit: 'breaths/minute', ucum: '/min', base: 15, spread: 4 },
  { code: '8310-5', display: 'Body temperature', unit: 'Cel', ucum: 'Cel', base: 36.8, spread: 0.6 },
  { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', unit: '%', ucum: '%', base: 97, spread: 2 },
  { code: '29463-7', display: 'Body weight', unit: 'kg', ucum: 'kg', base: 84, spread: 5 },
  { code: '39156-5', display: 'Body mass index (BMI) [Ratio]', unit: 'kg/m2', ucum: 'kg/m2', base: 28.4, spread: 1.6 },
];

/** Long-standing problems with nothing to do with the spine, as a primary-care problem list carries them. */
const CHRONIC: { code: string; display: string }[] = [
  { code: 'I10', display: 'Essential (primary) hypertension' },
  { code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' },
  { code: 'E78.5', display: 'Hyperlipidemia, unspecified' },
  { code: 'E03.9', display: 'Hypothyroidism, unspecified' },
  { code: 'K21.9', display: 'Gastro-esophageal reflux disease without esophagitis' },
  { code: 'J45.909', display: 'Unspecified asthma, uncomplicated' },
  { code: 'N18.30', display: 'Chronic kidney disease, stage 3 unspecified' },
  { code: 'E66.9', display: 'Obesity, unspecified' },
  { code: 'I48.91', display: 'Unspecified atrial fibrillation' },
  { code: 'H40.9', display: 'Unspecified glaucoma' },
];

const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(2016, 0, 4);

/** A deterministic spread of values, so every run measures the same chart. */
function wobble(i: number): number {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

function day(i: number): string {
  return new Date(FIRST_DAY + i * DAY_MS).toISOString().slice(0, 10);
}

function vital(patientId: string, i: number): Observation {
  const v = VITALS[i % VITALS.length]!;
  const visit = Math.floor(i / VITALS.length);
  const value = Math.round((v.base + v.spread * wobble(i)) * 10) / 10;
  return {
    resourceType: 'Observation',
    id: `bench-vital-${i}`,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: v.code, display: v.display }], text: v.display },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: `${day(visit * 3)}T09:${String(10 + (i % 40)).padStart(2, '0')}:00Z`,
    valueQuantity: { value, unit: v.unit, system: 'http://unitsofmeasure.org', code: v.ucum },
  };
}

function chronicCondition(patientId: string, i: number): Condition {
  const c = CHRONIC[i % CHRONIC.length]!;
  return {
    resourceType: 'Condition',
    id: `bench-chronic-${i}`,
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }] }],
    code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: c.code, display: c.display }], text: c.display },
    subject: { reference: `Patient/${patientId}` },
    onsetDateTime: day(i * 5),
    recordedDate: day(i * 5 + 1),
  };
}

/**
 * The chart grown to `size` resources with records no criterion is about: nine vital-sign observations for
 * every chronic-condition diagnosis, dated over ten years. The answer must not change.
 */
export function growChart(chart: readonly FhirResource[], size: number): FhirResource[] {
  const patientId = chart.find((r) => r.resourceType === 'Patient')?.id ?? 'unknown';
  const extra = Math.max(0, size - chart.length);
  const conditions = Math.floor(extra / 10);
  const grown: FhirResource[] = [...chart];
  for (let i = 0; i < conditions; i++) grown.push(chronicCondition(patientId, i));
  for (let i = 0; i < extra - conditions; i++) grown.push(vital(patientId, i));
  return grown;
}
