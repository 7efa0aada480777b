import { FHIR_BASE, PATIENT_ID, TOKEN } from './app-fixture.js';

type Json = Record<string, unknown>;

export const SERVICE_URL = '/cds-services/lumbar-fusion-criteria';

export function triggeringOrder(id = 'sr-1', code = '22612'): Json {
  return {
    resourceType: 'ServiceRequest',
    id,
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${PATIENT_ID}` },
    code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code, display: 'Arthrodesis, posterior' }], text: 'Revision fusion L3-L4' },
  };
}

export function medicationOrder(): Json {
  return { resourceType: 'MedicationRequest', id: 'mr-1', status: 'draft', intent: 'order', subject: { reference: `Patient/${PATIENT_ID}` } };
}

export function condition(id: string, patientId = PATIENT_ID): Json {
  return {
    resourceType: 'Condition',
    id,
    subject: { reference: `Patient/${patientId}` },
    code: { text: `Lumbar radiculopathy ${id}` },
  };
}

export function resourceOf(resourceType: string, id: string, patientId = PATIENT_ID): Json {
  return { resourceType, id, subject: { reference: `Patient/${patientId}` }, status: 'final' };
}

export function patient(id = PATIENT_ID): Json {
  return { resourceType: 'Patient', id, name: [{ family: 'Testperson', given: ['Quinn'] }] };
}

export function searchset(resources: Json[], next?: string): Json {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(next ? { link: [{ relation: 'self', url: 'ignored' }, { relation: 'next', url: next }] } : {}),
    entry: resources.map((resource) => ({ fullUrl: `${FHIR_BASE}/${String(resource.resourceType)}/${String(resource.id)}`, resource })),
  };
}

/** Every declared prefetch key filled (no Condition unless given), so no FHIR call is needed. */
export function fullPrefetch(overrides: Json = {}): Json {
  return {
    patient: patient(),
    conditions: searchset([]),
    procedures: searchset([]),
    observations: searchset([]),
    imagingStudies: searchset([]),
    diagnosticReports: searchset([]),
    ...overrides,
  };
}

/** A valid order-sign request with one triggering order, a FHIR server and a token; `overrides` replaces top-level fields. */
export function hookRequest(overrides: Json = {}, orders: Json[] = [triggeringOrder()]): Json {
  return {
    hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
    hook: 'order-sign',
    fhirServer: FHIR_BASE,
    fhirAuthorization: { access_token: TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'user/*.read', subject: 'spine-cds' },
    context: {
      userId: 'Practitioner/example',
      patientId: PATIENT_ID,
      draftOrders: { resourceType: 'Bundle', entry: orders.map((resource) => ({ resource })) },
    },
    ...overrides,
  };
}

/** Drops a dotted path from a deep copy of `value`. */
export function without(value: Json, path: string): Json {
  const copy = structuredClone(value);
  const keys = path.split('.');
  let node: Json = copy;
  for (const k of keys.slice(0, -1)) node = node[k] as Json;
  delete node[keys[keys.length - 1]!];
  return copy;
}

/** Sets a dotted path in a deep copy of `value`. */
export function withValue(value: Json, path: string, v: unknown): Json {
  const copy = structuredClone(value);
  const keys = path.split('.');
  let node: Json = copy;
  for (const k of keys.slice(0, -1)) node = node[k] as Json;
  node[keys[keys.length - 1]!] = v;
  return copy;
}
