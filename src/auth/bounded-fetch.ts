/**
 * The fetch jose uses for a trusted client's remote JWK Set, reading at most a bounded number of bytes. jose
 * itself reads the whole answer into memory before parsing it: a key set URL that answers with hundreds of
 * megabytes (a compromised or misconfigured server, or a decompression bomb) would take that much of the
 * service's memory, once per fetch.
 */
import type { FetchImplementation } from 'jose';
import { readBoundedBody } from '../bounded-body.js';

/** A JWK Set holds a few keys of a few hundred bytes each; 256 KB is hundreds of RSA keys. */
export const DEFAULT_MAX_JWKS_BYTES = 256 * 1024;

export class JwksTooLargeError extends Error {
  constructor(maxBytes: number) {
    super(`the JWK Set answer is larger than ${maxBytes} bytes`);
    this.name = 'JwksTooLargeError';
  }
}

/**
 * A fetch for jose's `customFetch` option: the request goes out exactly as jose asks (its timeout signal, no
 * redirects followed), and a 200 answer's body is read up to `maxBytes` (after decompression), refused beyond.
 * The timeout signal bounds the reading too, so a body that trickles in fails like one that never comes.
 */
export function boundedFetch(maxBytes = DEFAULT_MAX_JWKS_BYTES): FetchImplementation {
  return async (url, options) => {
    const response = await fetch(url, options);
    // jose refuses anything but 200 without reading it; nor do we read it.
    if (response.status !== 200 || response.body === null) {
      await response.body?.cancel().catch(() => {});
      return response;
    }
    const body = await readBoundedBody(response, maxBytes);
    if (body === undefined) throw new JwksTooLargeError(maxBytes);
    return new Response(body, { status: 200, headers: { 'content-type': response.headers.get('content-type') ?? 'application/json' } });
  };
}
