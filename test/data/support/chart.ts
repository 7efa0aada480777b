import { resolvePatientRecord, type DataAccessConfig, type RequestObserver } from '../../../src/data/patient-record.js';
import { readPrefetch } from '../../../src/data/prefetch.js';
import type { RecordKey } from '../../../src/data/record-keys.js';
import type { PatientRecord } from '../../../src/data/types.js';

/** A FHIR server for nock to stand in for, and a chart whose keys a test leaves out to have them read from it. */
export const HOST = 'http://fhir.test';
export const BASE = `${HOST}/r4`;

export const config = (overrides: Partial<DataAccessConfig> = {}): DataAccessConfig => ({
  NODE_ENV: 'test',
  FHIR_SERVER_ALLOWLIST: [BASE],
  FHIR_MAX_RESOURCES_PER_TYPE: 100,
  FHIR_MAX_RESPONSE_BYTES: 1024 * 1024,
  FHIR_REQUEST_TIMEOUT_MS: 1000,
  ...overrides,
});

export const cond = (id: string): Record<string, unknown> => ({ resourceType: 'Condition', id, subject: { reference: 'Patient/pt-1' } });

export const bundle = (resources: object[], next?: string): Record<string, unknown> => ({
  resourceType: 'Bundle',
  type: 'searchset',
  ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
  entry: resources.map((resource) => ({ resource })),
});

/** Every record key of pt-1, empty: a prefetch that needs no FHIR read. */
export const complete: Record<RecordKey, object> = {
  patient: { resourceType: 'Patient', id: 'pt-1' },
  conditions: bundle([]),
  procedures: bundle([]),
  observations: bundle([]),
  imagingStudies: bundle([]),
  diagnosticReports: bundle([]),
};

/** The record of pt-1 with `missing` left out of prefetch, so they are read from BASE. */
export function readWithout(
  missing: RecordKey[],
  settings: DataAccessConfig = config(),
  deadlineAt = Date.now() + 3000,
  onRequest?: RequestObserver,
): Promise<PatientRecord> {
  const prefetch = Object.fromEntries(Object.entries(complete).filter(([key]) => !missing.includes(key as RecordKey)));
  return resolvePatientRecord({ patientId: 'pt-1', fhirServer: BASE, prefetched: readPrefetch(prefetch) }, settings, deadlineAt, onRequest);
}
