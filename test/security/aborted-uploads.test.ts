import { connect } from 'node:net';
import { SERVICE_PATH, seedPrefetch, seedRequest } from './support/seed.js';
import { startService, type ServiceUnderTest } from './support/service.js';

/**
 * Clients that close the connection halfway through a large body, over real sockets: the places of the large-body
 * gate (two) must come back, and each such call must still be logged and counted as abandoned. Node marks the
 * answer to such a call as written without a 'finish' event; a gate that waited for it kept the place forever,
 * and every later large or chunked call got 503.
 */
let s: ServiceUnderTest;
beforeAll(async () => {
  s = await startService({ BODY_TIMEOUT_MS: '3000' });
});
afterAll(() => s.close());

const largeBody = () => JSON.stringify(seedRequest({ prefetch: seedPrefetch(), extension: { padding: 'x'.repeat(600_000) } }));

/** Sends the headers and half of `body`, then closes the socket. Resolves once the socket is closed. */
function abandonHalfway(body: string): Promise<void> {
  const { port } = new URL(s.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`POST ${SERVICE_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
      socket.write(body.slice(0, body.length / 2), () => setTimeout(() => socket.destroy(), 50));
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

const abandoned = () => s.logLines().filter((l) => l.msg === 'call abandoned by the client' && l.path === SERVICE_PATH);

it('gives the gate its places back, and logs each abandoned call, when clients leave mid-body', async () => {
  const body = largeBody();
  for (let round = 0; round < 2; round++) {
    await Promise.all([abandonHalfway(body), abandonHalfway(body), abandonHalfway(body)]);
  }
  await new Promise((r) => setTimeout(r, 200));
  expect(abandoned()).toHaveLength(6);

  const started = Date.now();
  const res = await fetch(`${s.url}${SERVICE_PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  expect(res.status).toBe(200);
  // Well inside BODY_TIMEOUT_MS: it found a free place, it did not wait for one.
  expect(Date.now() - started).toBeLessThan(2500);
  expect(await s.metricsText()).toMatch(/spine_cds_hook_calls_total\{[^}]*status="499"[^}]*\} 6/);
}, 30_000);
