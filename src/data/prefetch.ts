import { BadRequestError, type Problem } from '../errors.js';
import { RECORD_KEYS, SEARCH_KEYS, type RecordKey } from './record-keys.js';
import { cutShort, matchCount, searchFailed, totalOf } from './search-result.js';

type JsonObject = Record<string, unknown>;

/** What the request says about one prefetch key. */
export type PrefetchState =
  /**
   * Not given, or a failed prefetch (an OperationOutcome in the key's place, a Bundle holding one of severity
   * error or fatal, or a Bundle whose `total` says more matched than it holds, with no next link): to be fetched
   * from fhirServer.
   */
  | { kind: 'missing'; why: 'absent' | 'failed' }
  /** `null`: the client has no data for this key; nothing is fetched. */
  | { kind: 'none' }
  /** A read key (patient) given as its resource. */
  | { kind: 'resource'; resource: JsonObject }
  /**
   * A search key given as a Bundle: its entries of the key's type; when the client paged it, the next-page link,
   * the page's count of matches and the search's `total`, for telling whether the pages read after it are all.
   */
  | { kind: 'bundle'; resources: JsonObject[]; next?: string; matched?: number; total?: number };

export type Prefetched = Record<RecordKey, PrefetchState>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `next` link of a searchset Bundle, if any. */
export function nextLink(bundle: JsonObject): string | undefined {
  if (!Array.isArray(bundle.link)) return undefined;
  const next = bundle.link.find((l): l is JsonObject => isObject(l) && l.relation === 'next');
  return next && typeof next.url === 'string' && next.url.length > 0 ? next.url : undefined;
}

/**
 * The entries of a Bundle whose resource has the expected type. Other entries (an OperationOutcome
 * of search mode `outcome`, `_include`d resources, ...) are not part of the key and are skipped.
 * An `entry` that is not shaped as Bundle entries, or whose `resource` is not a FHIR resource, is reported in `problems`.
 */
export function resourcesOfType(bundle: JsonObject, resourceType: string, problems: Problem[], path: string): JsonObject[] {
  if (bundle.entry === undefined) return [];
  if (!Array.isArray(bundle.entry)) {
    problems.push({ path: `${path}.entry`, message: 'must be an array of Bundle entries' });
    return [];
  }
  const out: JsonObject[] = [];
  bundle.entry.forEach((entry, i) => {
    if (!isObject(entry)) {
      problems.push({ path: `${path}.entry.${i}`, message: 'must be a Bundle entry (a JSON object)' });
      return;
    }
    // A resource that is no JSON object, or has no resourceType, is no FHIR resource: skipped, it would be lost.
    if (entry.resource !== undefined && (!isObject(entry.resource) || typeof entry.resource.resourceType !== 'string')) {
      problems.push({ path: `${path}.entry.${i}.resource`, message: 'must be a FHIR resource (a JSON object with a resourceType)' });
      return;
    }
    if (isObject(entry.resource) && entry.resource.resourceType === resourceType) out.push(entry.resource);
  });
  return out;
}

function readKey(key: RecordKey, value: unknown, problems: Problem[]): PrefetchState {
  const path = `prefetch.${key}`;
  if (value === undefined) return { kind: 'missing', why: 'absent' };
  if (value === null) return { kind: 'none' };
  if (!isObject(value)) {
    problems.push({ path, message: 'must be a FHIR resource (a JSON object) or null' });
    return { kind: 'none' };
  }
  if (value.resourceType === 'OperationOutcome') return { kind: 'missing', why: 'failed' };
  if (key === 'patient') {
    if (value.resourceType !== 'Patient') problems.push({ path, message: 'must be a Patient resource, an OperationOutcome or null' });
    return { kind: 'resource', resource: value };
  }
  const resourceType = SEARCH_KEYS[key];
  if (value.resourceType !== 'Bundle') {
    problems.push({ path, message: `must be a Bundle of ${resourceType} resources, an OperationOutcome or null` });
    return { kind: 'none' };
  }
  const resources = resourcesOfType(value, resourceType, problems, path);
  // The client's search failed, at least in part: its entries may be only some of the patient's.
  if (searchFailed(value)) return { kind: 'missing', why: 'failed' };
  const next = nextLink(value);
  const matched = matchCount(value);
  const total = totalOf(value);
  if (next === undefined) {
    // No page holds the rest of what the search says it found: judged, it would be judged on part of the record.
    return cutShort(total, matched) ? { kind: 'missing', why: 'failed' } : { kind: 'bundle', resources };
  }
  return { kind: 'bundle', resources, next, matched, ...(total !== undefined ? { total } : {}) };
}

/**
 * Classifies the prefetch keys the service declared; keys it did not declare are ignored (a client
 * may send more than asked). Throws BadRequestError naming every value that is not what its key holds.
 */
export function readPrefetch(prefetch: Readonly<Record<string, unknown>> | undefined): Prefetched {
  const problems: Problem[] = [];
  const given = prefetch ?? {};
  const states = Object.fromEntries(
    RECORD_KEYS.map((key) => [key, readKey(key, Object.hasOwn(given, key) ? given[key] : undefined, problems)]),
  ) as Prefetched;
  if (problems.length > 0) throw new BadRequestError('invalid prefetch', problems);
  return states;
}
