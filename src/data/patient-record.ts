import type { Condition, DiagnosticReport, ImagingStudy, Observation, Patient, Procedure } from 'fhir/r4.js';
import type { Config } from '../config.js';
import { BadRequestError, PreconditionFailedError, UpstreamError } from '../errors.js';
import { shapeProblems } from '../fhir-model/shape.js';
import { isServerAllowed } from './allowlist.js';
import { createFhirReader, type FhirReader, type FhirReaderOptions, type SearchStart } from './fhir-fetch.js';
import { patientMatch, uniqueById } from './patient-filter.js';
import type { Prefetched } from './prefetch.js';
import { RECORD_KEYS, SEARCH_KEYS, type RecordKey, type SearchKey } from './record-keys.js';
import type { PatientRecord } from './types.js';

type JsonObject = Record<string, unknown>;

export type DataAccessConfig = Pick<
  Config,
  'NODE_ENV' | 'FHIR_SERVER_ALLOWLIST' | 'FHIR_MAX_RESOURCES_PER_TYPE' | 'FHIR_MAX_RESPONSE_BYTES' | 'FHIR_REQUEST_TIMEOUT_MS'
>;

export type RequestObserver = NonNullable<FhirReaderOptions['onRequest']>;

export interface RecordRequest {
  patientId: string;
  fhirServer?: string;
  /** fhirAuthorization.access_token, when the client gave one. */
  accessToken?: string;
  prefetched: Prefetched;
}

/** What has to come from the FHIR server for one key. */
type Need =
  | { key: 'patient' }
  | { key: SearchKey; continueFrom?: SearchStart };

function needs(prefetched: Prefetched): Need[] {
  const out: Need[] = [];
  for (const key of RECORD_KEYS) {
    const state = prefetched[key];
    if (state.kind === 'missing') out.push({ key } as Need);
    else if (state.kind === 'bundle' && state.next !== undefined && key !== 'patient') {
      // CDS Hooks 2.0 lets a CDS Client page prefetch results (a searchset with a next link): the rest is read
      // from fhirServer rather than the record judged on its first page.
      const { resources, next, matched = 0, total } = state;
      out.push({ key, continueFrom: { resources, next, matched, ...(total !== undefined ? { total } : {}) } });
    }
  }
  return out;
}

/** Checks, before any request, that every needed key can be fetched: else 412. */
function checkFetchable(request: RecordRequest, wanted: readonly Need[], config: DataAccessConfig): string {
  const keys = wanted.map((n) => n.key).join(', ');
  if (request.fhirServer === undefined) {
    throw new PreconditionFailedError(`prefetch lacks ${keys} and the request names no fhirServer to read them from`);
  }
  const policy = { allowlist: config.FHIR_SERVER_ALLOWLIST, production: config.NODE_ENV === 'production' };
  if (!isServerAllowed(request.fhirServer, policy)) {
    throw new PreconditionFailedError(`prefetch lacks ${keys} and the fhirServer of the request is not on FHIR_SERVER_ALLOWLIST`);
  }
  return request.fhirServer;
}

async function fetchNeed(reader: FhirReader, need: Need, patientId: string): Promise<[RecordKey, JsonObject[]]> {
  if (need.key === 'patient') return ['patient', [await reader.read('Patient', patientId)]];
  return [need.key, await reader.searchAll(SEARCH_KEYS[need.key], patientId, need.continueFrom)];
}

/**
 * The patient record for one hook call: prefetched keys as given, missing ones (or failed
 * prefetches) read from fhirServer, all at once. Only resources of this patient are kept.
 * Throws PreconditionFailedError (412) when a needed key cannot be read at all, UpstreamError when
 * the FHIR server fails (the caller answers with an evaluation-unavailable card).
 */
export async function resolvePatientRecord(
  request: RecordRequest,
  config: DataAccessConfig,
  deadlineAt: number,
  onRequest?: RequestObserver,
): Promise<PatientRecord> {
  const { patientId, prefetched } = request;
  const resources = new Map<RecordKey, JsonObject[]>();
  for (const key of RECORD_KEYS) {
    const state = prefetched[key];
    if (state.kind === 'resource') resources.set(key, [state.resource]);
    else if (state.kind === 'bundle') {
      if (state.resources.length > config.FHIR_MAX_RESOURCES_PER_TYPE) {
        throw new UpstreamError(`prefetch holds more than ${config.FHIR_MAX_RESOURCES_PER_TYPE} ${key}`, 'too-large');
      }
      resources.set(key, state.resources);
    }
  }

  const wanted = needs(prefetched);
  if (wanted.length > 0) {
    const base = checkFetchable(request, wanted, config);
    const abort = new AbortController();
    const reader = createFhirReader({
      base,
      ...(request.accessToken !== undefined ? { accessToken: request.accessToken } : {}),
      maxPerType: config.FHIR_MAX_RESOURCES_PER_TYPE,
      maxResponseBytes: config.FHIR_MAX_RESPONSE_BYTES,
      requestTimeoutMs: config.FHIR_REQUEST_TIMEOUT_MS,
      deadlineAt,
      signal: abort.signal,
      ...(onRequest ? { onRequest } : {}),
    });
    try {
      const fetched = await Promise.all(wanted.map((need) => fetchNeed(reader, need, patientId)));
      for (const [key, list] of fetched) resources.set(key, list);
    } finally {
      // One failed read decides the answer; the others would only load the server.
      abort.abort();
    }
  }

  // A paged prefetch is read on from the server: its first page is still the caller's, the pages after it the server's.
  const prefetchedResources = new Set<JsonObject>();
  for (const key of RECORD_KEYS) {
    const state = prefetched[key];
    if (state.kind === 'resource') prefetchedResources.add(state.resource);
    else if (state.kind === 'bundle') for (const r of state.resources) prefetchedResources.add(r);
  }
  const fromServer = (resource: JsonObject) => !prefetchedResources.has(resource);
  checkShapes(resources, fromServer);
  const kept = ofThisPatient(resources, patientId, request.fhirServer, fromServer);

  const ofPatient = (key: SearchKey) => uniqueById(kept.get(key) ?? []);
  const patient = (resources.get('patient') ?? []).find((p) => p.resourceType === 'Patient' && p.id === patientId);
  return {
    patientId,
    ...(patient !== undefined ? { patient: patient as unknown as Patient } : {}),
    conditions: ofPatient('conditions') as unknown as Condition[],
    procedures: ofPatient('procedures') as unknown as Procedure[],
    observations: ofPatient('observations') as unknown as Observation[],
    imagingStudies: ofPatient('imagingStudies') as unknown as ImagingStudy[],
    diagnosticReports: ofPatient('diagnosticReports') as unknown as DiagnosticReport[],
  };
}

/** Enough problems to name the fault; a chart of thousands of bad resources is not listed whole. */
const MAX_PROBLEMS = 20;

/**
 * The resources of each key that are this patient's (patientMatch), read in the one pass that looks for another
 * patient's. A resource about another patient (or a Patient of another id) means the prefetch, or the FHIR
 * server, answered about someone else. Left out, the chart would look empty and the cards would ask the surgeon
 * to document what the EHR holds; so from prefetch it is the caller's to fix (400 naming it), and from the
 * server no judgment is made (UpstreamError 'other-patient': the evaluation-unavailable card says so).
 */
function ofThisPatient(
  resources: Map<RecordKey, JsonObject[]>,
  patientId: string,
  fhirServer: string | undefined,
  fromServer: (r: JsonObject) => boolean,
): Map<RecordKey, JsonObject[]> {
  const kept = new Map<RecordKey, JsonObject[]>();
  const problems: { path: string; message: string }[] = [];
  scan: for (const [key, list] of resources) {
    const mine: JsonObject[] = [];
    kept.set(key, mine);
    for (const resource of list) {
      const match = key === 'patient' ? (resource.resourceType === 'Patient' && typeof resource.id === 'string' && resource.id !== patientId ? 'another' : 'unplaced') : patientMatch(resource, patientId, fhirServer);
      if (match === 'this') mine.push(resource);
      if (match !== 'another') continue;
      if (fromServer(resource)) throw new UpstreamError(`FHIR server sent a ${String(resource.resourceType)} of another patient`, 'other-patient');
      const label = `${String(resource.resourceType)}/${typeof resource.id === 'string' ? resource.id : '?'}`;
      problems.push({ path: `prefetch.${key}`, message: `${label} is about another patient than context.patientId` });
      if (problems.length >= MAX_PROBLEMS) break scan;
    }
  }
  if (problems.length > 0) throw new BadRequestError('prefetch holds resources of another patient', problems);
  return kept;
}

/**
 * Resources whose JSON does not have FHIR's shapes would break the evaluation: from prefetch they are the
 * caller's to fix (400 naming them); from the FHIR server they make the record unreadable (no judgment).
 */
function checkShapes(resources: Map<RecordKey, JsonObject[]>, fromServer: (r: JsonObject) => boolean): void {
  const problems: { path: string; message: string }[] = [];
  scan: for (const [key, list] of resources) {
    for (const resource of list) {
      const found = shapeProblems(resource);
      if (found.length === 0) continue;
      if (fromServer(resource)) throw new UpstreamError(`FHIR server sent a ${String(resource.resourceType)} that is not valid FHIR`, 'unreadable');
      const label = `${String(resource.resourceType)}/${typeof resource.id === 'string' ? resource.id : '?'}`;
      for (const p of found) problems.push({ path: `prefetch.${key}`, message: `${label}${p.path ? ` ${p.path}` : ''}: ${p.message}` });
      if (problems.length >= MAX_PROBLEMS) break scan;
    }
  }
  if (problems.length > 0) throw new BadRequestError('prefetch holds resources that are not valid FHIR R4', problems.slice(0, MAX_PROBLEMS));
}
