import { readBoundedBody } from '../bounded-body.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../json-depth.js';
import { UpstreamError } from '../errors.js';
import type { ByteBudget } from './byte-budget.js';

/**
 * One GET of FHIR JSON with Node's fetch, its body read up to a bound. fhir-kit-client reads every body whole
 * (`response.text()`) with no way to bound it, so a FHIR server (or anything answering for it) could make the
 * service buffer hundreds of megabytes per request; here reading stops at the bound.
 */
export interface FhirGetOptions {
  /** Sent as `Authorization: Bearer`; the open servers the CDS Hooks Sandbox uses get no Authorization header. */
  accessToken?: string;
  signal: AbortSignal;
  /** The call's FHIR_MAX_RESPONSE_BYTES, shared with its other reads: past it, an upstream failure ('too-large'). */
  budget: ByteBudget;
}

function tooLarge(budget: ByteBudget): UpstreamError {
  return new UpstreamError(`FHIR answers to one hook call came to more than ${budget.max} bytes`, 'too-large');
}

/**
 * `response` with each chunk of its body spent from `budget` as it arrives: the call's reads run at once, and
 * counted only once each was whole, together they could hold several times the budget before one failed.
 */
function spending(response: Response, budget: ByteBudget): Response {
  if (response.body === null) return response;
  const spend = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      // Erroring the stream cancels the body it reads, so the connection is let go.
      if (budget.spend(chunk.byteLength)) controller.enqueue(chunk);
      else controller.error(tooLarge(budget));
    },
  });
  return new Response(response.body.pipeThrough(spend), { headers: response.headers });
}

/**
 * GETs `url` and parses its JSON. A status outside 2xx is 'refused' (401, 403) or 'error-status' (a redirect
 * too: it is never followed, since it could carry the bearer token to a server nobody allowed); a 2xx body that
 * is not JSON, or nests deeper than MAX_JSON_DEPTH, is 'unreadable'. Network failures and aborts are thrown as
 * they come, for the caller to name.
 */
export async function getFhirJson(url: string, options: FhirGetOptions): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/fhir+json' };
  if (options.accessToken !== undefined) headers.authorization = `Bearer ${options.accessToken}`;
  const response = await fetch(url, { method: 'GET', headers, redirect: 'manual', signal: options.signal });
  const { status } = response;
  if (status < 200 || status > 299) {
    // Its body says nothing the service uses; the connection is freed rather than the body read.
    void response.body?.cancel().catch(() => undefined);
    if (status === 401 || status === 403) throw new UpstreamError(`FHIR server refused access (${status})`, 'refused');
    throw new UpstreamError(`FHIR server answered ${status}`, 'error-status');
  }
  // readBoundedBody refuses an announced Content-Length over what is left before any of the body is read.
  const body = await readBoundedBody(spending(response, options.budget), options.budget.left);
  if (body === undefined) throw tooLarge(options.budget);
  // TextDecoder drops a byte-order mark, as response.text() does.
  const text = new TextDecoder().decode(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    throw new UpstreamError(`FHIR server answered ${status} with a body that is not JSON`, 'unreadable');
  }
  // The bound request bodies have: a Bundle read here nests two levels less than the same Bundle prefetched in a
  // request, and deeper JSON is no FHIR at all; unchecked, it crashed the copy to the evaluation thread (a 500).
  if (nestsDeeperThan(parsed, MAX_JSON_DEPTH)) {
    throw new UpstreamError(`FHIR server answered with JSON nested deeper than ${MAX_JSON_DEPTH} levels`, 'unreadable');
  }
  return parsed;
}
