/**
 * A response body read up to a bound, for answers from servers the service does not control (FHIR servers, JWK
 * Set URLs): fetch's own readers take the whole body into memory whatever its size.
 */

/**
 * The body's bytes (after decompression), or undefined once it passes `maxBytes`, announced by Content-Length or
 * streamed, in which case the rest is never read and the connection is let go. An abort signal on the request
 * bounds the reading too, so a body that trickles in fails like one that never comes.
 */
export async function readBoundedBody(response: Response, maxBytes: number): Promise<Buffer<ArrayBuffer> | undefined> {
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (response.body === null) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
