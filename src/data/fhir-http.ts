import { UpstreamError } from '../errors.js';

/**
 * One GET of FHIR JSON with Node's fetch, its body read up to a bound. fhir-kit-client reads every body whole
 * (`response.text()`) with no way to bound it, so a FHIR server (or anything answering for it) could make the
 * service buffer hundreds of megabytes per request; here reading stops at the bound.
 */
export interface FhirGetOptions {
  /** Sent as `Authorization: Bearer`; the open servers the CDS Hooks Sandbox uses get no Authorization header. */
  accessToken?: string;
  signal: AbortSignal;
  /** FHIR_MAX_RESPONSE_BYTES: a larger answer is an upstream failure ('too-large'). */
  maxBytes: number;
}

function tooLarge(maxBytes: number): UpstreamError {
  return new UpstreamError(`FHIR server answered with more than ${maxBytes} bytes`, 'too-large');
}

/** The body as text, refusing it once it passes `maxBytes` (announced or streamed), without reading the rest. */
async function boundedText(response: Response, maxBytes: number): Promise<string> {
  const announced = Number(response.headers.get('content-length'));
  if (announced > maxBytes) {
    void response.body?.cancel().catch(() => undefined);
    throw tooLarge(maxBytes);
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      void reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  // TextDecoder drops a byte-order mark, as response.text() does.
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * GETs `url` and parses its JSON. A status outside 2xx is 'refused' (401, 403) or 'error-status' (a redirect
 * too: it is never followed, since it could carry the bearer token to a server nobody allowed); a 2xx body that
 * is not JSON is 'unreadable'. Network failures and aborts are thrown as they come, for the caller to name.
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
  const text = await boundedText(response, options.maxBytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UpstreamError(`FHIR server answered ${status} with a body that is not JSON`, 'unreadable');
  }
}
