import type { PatientRecord } from './types.js';

/**
 * The prefetch keys the service declares (hooks/lumbar-fusion-criteria.json) and what each holds.
 * `read` keys hold one resource (`Patient/{{context.patientId}}`); `search` keys hold a searchset
 * Bundle (`<Type>?patient={{context.patientId}}`).
 */
export type SearchKey = Exclude<keyof PatientRecord, 'patientId' | 'patient'>;
export type RecordKey = SearchKey | 'patient';

export const SEARCH_KEYS: Readonly<Record<SearchKey, string>> = {
  conditions: 'Condition',
  procedures: 'Procedure',
  observations: 'Observation',
  imagingStudies: 'ImagingStudy',
  diagnosticReports: 'DiagnosticReport',
};

export const RECORD_KEYS: readonly RecordKey[] = ['patient', ...(Object.keys(SEARCH_KEYS) as SearchKey[])];

/** The prefetch template of a key, as the discovery document must declare it. */
export function templateFor(key: RecordKey): string {
  return key === 'patient' ? 'Patient/{{context.patientId}}' : `${SEARCH_KEYS[key]}?patient={{context.patientId}}`;
}
