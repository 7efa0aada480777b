import nock from 'nock';
import { FHIR_BASE, PATIENT_ID, TOKEN } from './app-fixture.js';
import { patient, searchset } from './requests.js';

type Json = Record<string, unknown>;

export const SEARCH_TYPES = ['Condition', 'Procedure', 'Observation', 'ImagingStudy', 'DiagnosticReport'] as const;

/** A nock scope on the test FHIR server that only answers requests carrying the bearer token. */
export function fhirWithToken(): nock.Scope {
  return nock('http://fhir.test').matchHeader('authorization', `Bearer ${TOKEN}`);
}

/** Answers every record key (Patient read and the five searches) once, with `resources` per type. */
export function mockWholeChart(scope: nock.Scope, resources: Partial<Record<string, Json[]>> = {}): nock.Scope {
  scope.get(`/r4/Patient/${PATIENT_ID}`).reply(200, patient());
  for (const type of SEARCH_TYPES) {
    scope.get(`/r4/${type}`).query({ patient: PATIENT_ID }).reply(200, searchset(resources[type] ?? []));
  }
  return scope;
}

/**
 * Answers the Patient read and the five searches only once all six have arrived: a client that sends them
 * one after another never gets its first answer (and runs into its deadline).
 */
export function mockChartRequiringParallelReads(scope: nock.Scope, resources: Partial<Record<string, Json[]>> = {}): { arrived: () => number } {
  const total = 1 + SEARCH_TYPES.length;
  let arrived = 0;
  const release: (() => void)[] = [];
  const gate = (body: Json) => (_uri: string, _body: unknown, cb: (err: Error | null, body: Json) => void) => {
    arrived++;
    release.push(() => cb(null, body));
    if (arrived === total) for (const r of release) r();
  };
  scope.get(`/r4/Patient/${PATIENT_ID}`).reply(200, gate(patient()));
  for (const type of SEARCH_TYPES) {
    scope.get(`/r4/${type}`).query({ patient: PATIENT_ID }).reply(200, gate(searchset(resources[type] ?? [])));
  }
  return { arrived: () => arrived };
}

export function pageUrl(n: number): string {
  return `${FHIR_BASE}/page?token=p${n}`;
}
