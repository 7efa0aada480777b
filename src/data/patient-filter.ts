type JsonObject = Record<string, unknown>;

function referenceOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const reference = (value as JsonObject).reference;
  return typeof reference === 'string' ? reference : undefined;
}

/**
 * True when `reference` points at Patient/<patientId>: relative (`Patient/<id>`, with or without a
 * version), or absolute on the FHIR server the data came from.
 */
export function isPatientReference(reference: string, patientId: string, fhirServer?: string): boolean {
  const unversioned = reference.replace(/\/_history\/[^/]+$/, '');
  const relative = `Patient/${patientId}`;
  if (unversioned === relative) return true;
  if (fhirServer === undefined) return false;
  return unversioned === `${fhirServer.replace(/\/+$/, '')}/${relative}`;
}

/**
 * True when a clinical resource is about this patient (`subject`, or `patient` for the resource types
 * that name it so). Anything else (another patient, no subject at all) is not used: a wrong chart is
 * worse than a missing fact.
 */
export function belongsToPatient(resource: JsonObject, patientId: string, fhirServer?: string): boolean {
  const reference = referenceOf(resource.subject) ?? referenceOf(resource.patient);
  return reference !== undefined && isPatientReference(reference, patientId, fhirServer);
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
