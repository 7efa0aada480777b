import { UpstreamError } from '../errors.js';
import { isWithinBase } from './allowlist.js';
import { ByteBudget } from './byte-budget.js';
import { getFhirJson } from './fhir-http.js';
import { nextLink, resourcesOfType } from './prefetch.js';
import { cutShort, matchCount, searchFailed, totalOf } from './search-result.js';
import { trimEnd } from '../trim-end.js';

type JsonObject = Record<string, unknown>;

/** A Bundle the client prefetched with a next link: where reading goes on from. */
export interface SearchStart {
  resources: JsonObject[];
  next: string;
  /** Its matches (entries of search mode match), and the search's `total` when it gave one. */
  matched: number;
  total?: number;
}

/** How much of a search has come, against what the server says it found. */
interface Tally {
  matched: number;
  total?: number;
}

/** One hook call's reads from one FHIR server. */
export interface FhirReader {
  readonly base: string;
  /** Reads one resource (e.g. Patient/<id>). */
  read(resourceType: string, id: string): Promise<JsonObject>;
  /**
   * All resources of `resourceType` for the patient, following `next` links, at most `maxPerType` resources and
   * one next link per RESOURCES_PER_NEXT_LINK of them (more: UpstreamError 'too-large'); a link back to a page
   * already read: 'unreadable'; fewer than the search's `total` once the pages end: 'incomplete'.
   * `start` continues a Bundle the client prefetched.
   */
  searchAll(resourceType: string, patientId: string, start?: SearchStart): Promise<JsonObject[]>;
}

export interface FhirReaderOptions {
  base: string;
  /** From fhirAuthorization; the open servers the CDS Hooks Sandbox uses get no Authorization header. */
  accessToken?: string;
  maxPerType: number;
  /** Bound on the bytes of all the answers this reader reads, together (FHIR_MAX_RESPONSE_BYTES); more: UpstreamError 'too-large'. */
  maxResponseBytes: number;
  requestTimeoutMs: number;
  /** Epoch ms after which no request is started and running ones are aborted. */
  deadlineAt: number;
  /** Aborts every request of this call (another read already failed). */
  signal: AbortSignal;
  /** Told about every request once it is over, for the call's log line and metrics. */
  onRequest?: (resourceType: string, seconds: number, failure?: UpstreamError['reason']) => void;
}

/**
 * Next links one search may follow: one per ten resources FHIR_MAX_RESOURCES_PER_TYPE allows (1,000 by default).
 * Empty pages count nothing toward that bound, so without this one only the hook deadline ended a server linking
 * empty page to empty page (2,460 requests from one call in an audit). Ten is the default page size of some
 * servers when the client sends no _count (LinuxForHealth FHIR, for one): a chart within the resource bound fits.
 */
export const RESOURCES_PER_NEXT_LINK = 10;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Turns whatever the HTTP layer threw into the reason a clinician may read. */
function upstreamFailure(error: unknown, aborted: boolean): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (aborted) return new UpstreamError('FHIR request timed out', 'timeout');
  return new UpstreamError('FHIR server could not be reached', 'unreachable');
}

export function createFhirReader(options: FhirReaderOptions): FhirReader {
  const base = trimEnd(options.base, '/');
  const budget = new ByteBudget(options.maxResponseBytes);
  const get = (url: string, signal: AbortSignal) =>
    getFhirJson(url, {
      ...(options.accessToken !== undefined ? { accessToken: options.accessToken } : {}),
      signal,
      budget,
    });

  async function guarded(resourceType: string, call: (signal: AbortSignal) => Promise<unknown>): Promise<JsonObject> {
    const remaining = options.deadlineAt - Date.now();
    if (remaining <= 0) throw new UpstreamError('hook deadline passed before the FHIR reads finished', 'timeout');
    const signal = AbortSignal.any([AbortSignal.timeout(Math.min(options.requestTimeoutMs, remaining)), options.signal]);
    const started = performance.now();
    let result: unknown;
    try {
      result = await call(signal);
      // Parsing cannot be aborted: a large answer may end it past the deadline, too late to judge the record on.
      if (Date.now() >= options.deadlineAt) throw new UpstreamError('a FHIR answer was read past the hook deadline', 'timeout');
    } catch (error) {
      const failure = upstreamFailure(error, signal.aborted);
      // A request cut short because a sibling failed tells nothing about the server.
      if (!options.signal.aborted) options.onRequest?.(resourceType, (performance.now() - started) / 1000, failure.reason);
      throw failure;
    }
    options.onRequest?.(resourceType, (performance.now() - started) / 1000);
    if (!isObject(result)) throw new UpstreamError('FHIR server answered with something other than a resource', 'unreadable');
    return result;
  }

  return {
    base,
    async read(resourceType, id) {
      const resource = await guarded(resourceType, (signal) => get(`${base}/${resourceType}/${encodeURIComponent(id)}`, signal));
      if (resource.resourceType !== resourceType) throw new UpstreamError(`FHIR read returned no ${resourceType}`, 'unreadable');
      return resource;
    },

    async searchAll(resourceType, patientId, start) {
      const found: JsonObject[] = [];
      const keep = (resources: JsonObject[]) => {
        if (found.length + resources.length > options.maxPerType) {
          throw new UpstreamError(`more than ${options.maxPerType} ${resourceType} resources`, 'too-large');
        }
        found.push(...resources);
      };
      let next: string | undefined;
      const tally: Tally = { matched: 0 };
      const visited = new Set<string>();
      if (start) {
        keep(start.resources);
        next = start.next;
        tally.matched = start.matched;
        if (start.total !== undefined) tally.total = start.total;
      } else {
        // Visited too, spelled as a parsed next link is: a link back to the search loops like one to a later page.
        const search = new URL(`${base}/${resourceType}?${new URLSearchParams({ patient: patientId }).toString()}`).href;
        visited.add(search);
        const first = await guarded(resourceType, (signal) => get(search, signal));
        next = pageResources(first, resourceType, keep, tally);
      }
      const maxNextLinks = Math.ceil(options.maxPerType / RESOURCES_PER_NEXT_LINK);
      let followed = 0;
      while (next !== undefined) {
        const url = pageUrl(next, base);
        // Page links must stay on the server the client named, so the token never travels elsewhere.
        if (!isWithinBase(url, base)) throw new UpstreamError('FHIR server sent a next-page link to another server', 'unreadable');
        if (visited.has(url)) throw new UpstreamError('FHIR server sent a next-page link that loops', 'unreadable');
        if (++followed > maxNextLinks) {
          throw new UpstreamError(`FHIR search for ${resourceType} went on past ${maxNextLinks} next-page links`, 'too-large');
        }
        visited.add(url);
        const page = await guarded(resourceType, (signal) => get(url, signal));
        next = pageResources(page, resourceType, keep, tally);
      }
      // The pages ended short of what the server says it found (a limit on its side): never judge on part.
      if (cutShort(tally.total, tally.matched)) {
        throw new UpstreamError(`FHIR search said ${tally.total} ${resourceType} matched and sent ${tally.matched}`, 'incomplete');
      }
      return found;
    },
  };
}

/** The absolute URL a next link names; a link that is no URL at all makes the answer unreadable (never a 500). */
function pageUrl(next: string, base: string): string {
  try {
    return new URL(next, `${base}/`).href;
  } catch {
    throw new UpstreamError('a next-page link is not a URL', 'unreadable');
  }
}

/** Hands a page's resources to `keep`, counts its matches in `tally`, and returns its next link. */
function pageResources(page: JsonObject, resourceType: string, keep: (r: JsonObject[]) => void, tally: Tally): string | undefined {
  if (page.resourceType !== 'Bundle') throw new UpstreamError('FHIR search returned no Bundle', 'unreadable');
  // A 200 can still carry a failed search (e.g. a shard timed out): what came may be only part of the record.
  if (searchFailed(page)) throw new UpstreamError('FHIR search reported an error in an OperationOutcome', 'error-status');
  const problems: { path: string; message: string }[] = [];
  const resources = resourcesOfType(page, resourceType, problems, 'page');
  if (problems.length > 0) throw new UpstreamError('FHIR search returned a malformed Bundle', 'unreadable');
  keep(resources);
  tally.matched += matchCount(page);
  // The latest page's total: every page of a search may carry it, and the last one is the freshest.
  const total = totalOf(page);
  if (total !== undefined) tally.total = total;
  return nextLink(page);
}
