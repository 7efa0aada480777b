import { isBaseUrl, isSameBase } from './allowlist.js';

type JsonObject = Record<string, unknown>;

function referenceOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const reference = (value as JsonObject).reference;
  return typeof reference === 'string' ? reference : undefined;
}

/** What a Patient reference names: the id, and the base it is on when the reference is absolute. */
export interface PatientReference {
  id: string;
  /** The part before `/Patient/` (e.g. `https://ehr.example.org/fhir`); undefined for a relative reference. */
  base?: string;
}

/**
 * Reads `Patient/<id>`, optionally after a base and before `/_history/<version>` or a trailing slash; undefined
 * for anything else (another type, `urn:uuid:...`, a contained `#id`). The one reading of Patient references,
 * for the record filter and the draft-order subject check alike (cds/request-schema.ts).
 */
export function parsePatientReference(reference: string): PatientReference | undefined {
  const match = /^(?:(.*)\/)?Patient\/([^/?#]+)(?:\/_history\/[^/]+)?\/?$/.exec(reference.trim());
  if (!match) return undefined;
  const id = match[2]!;
  return match[1] === undefined ? { id } : { id, base: match[1] };
}

/**
 * True when `reference` points at Patient/<patientId>: relative (with or without a version), or absolute with
 * an http(s) base. An absolute reference counts only on the FHIR server the request names (compared as
 * normalised URLs), or on any base when the request names none (a prefetch-only call from an EHR that writes
 * its references in full); on another server the same id may be another person.
 */
export function isPatientReference(reference: string, patientId: string, fhirServer?: string): boolean {
  return patientMatch({ subject: { reference } }, patientId, fhirServer) === 'this';
}

/**
 * Whose a clinical resource is, by its `subject` (or `patient`, for the resource types that name it so):
 * - this: this patient (isPatientReference);
 * - another: a patient of another id, on whatever server (as the draft-order subject check reads it,
 *   cds/request-schema.ts): the chart sent or read is someone else's;
 * - unplaced: nothing that can be placed (this id on another server, `urn:uuid:`, a Group, no reference).
 * Only `this` is used: a wrong chart is worse than a missing fact.
 */
export function patientMatch(resource: JsonObject, patientId: string, fhirServer?: string): 'this' | 'another' | 'unplaced' {
  const reference = referenceOf(resource.subject) ?? referenceOf(resource.patient);
  const named = reference === undefined ? undefined : parsePatientReference(reference);
  if (named === undefined) return 'unplaced';
  if (named.id !== patientId) return 'another';
  if (named.base === undefined) return 'this';
  return isBaseUrl(named.base) && (fhirServer === undefined || isSameBase(named.base, fhirServer)) ? 'this' : 'unplaced';
}

/** True when a clinical resource is about this patient (patientMatch). */
export function belongsToPatient(resource: JsonObject, patientId: string, fhirServer?: string): boolean {
  return patientMatch(resource, patientId, fhirServer) === 'this';
}

/** Keeps the last copy of each resource id (pages can overlap when the chart changes between reads). */
export function uniqueById(resources: readonly JsonObject[]): JsonObject[] {
  const byId = new Map<string, JsonObject>();
  const withoutId: JsonObject[] = [];
  for (const r of resources) {
    if (typeof r.id === 'string' && r.id.length > 0) byId.set(r.id, r);
    else withoutId.push(r);
  }
  return [...byId.values(), ...withoutId];
}
