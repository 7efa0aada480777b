import { connect } from 'node:net';
import type { OrderReviewer } from '../../src/cds/order-reviewer.js';
import { SERVICE_PATH, realReviewer, seedPrefetch, seedRequest } from './support/seed.js';
import { startService, type ServiceUnderTest } from './support/service.js';

/**
 * A large call pipelined behind another on one connection, and the client gone before either is answered: the
 * queued response gets neither 'finish' nor 'close' from Node. Its large-body place must still come back, and
 * the call must still be logged and counted as abandoned (a review slowed to 800 ms keeps the first call busy).
 */
let s: ServiceUnderTest;
beforeAll(async () => {
  const real = realReviewer();
  const slow: OrderReviewer = {
    plansFor: (d) => real.plansFor(d),
    unavailable: (r) => real.unavailable(r),
    review: async (...a) => {
      await new Promise((r) => setTimeout(r, 800));
      return real.review(...a);
    },
  };
  s = await startService({ BODY_TIMEOUT_MS: '3000' }, { reviewer: slow });
});
afterAll(() => s.close());

function pipelinedThenGone(large: string): Promise<void> {
  const { port } = new URL(s.url);
  const small = JSON.stringify(seedRequest({ prefetch: seedPrefetch() }));
  const call = (b: string) => `POST ${SERVICE_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(call(small) + call(large), () => setTimeout(() => socket.destroy(), 300));
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

it('gives back the places of pipelined large calls whose client left, and logs every abandoned call', async () => {
  const large = JSON.stringify(seedRequest({ prefetch: seedPrefetch(), extension: { padding: 'x'.repeat(600_000) } }));
  await Promise.all([pipelinedThenGone(large), pipelinedThenGone(large)]);
  // Both reviews in flight end (800 ms) before their places come back.
  await new Promise((r) => setTimeout(r, 1200));
  const abandoned = s.logLines().filter((l) => l.path === SERVICE_PATH && l.msg === 'call abandoned by the client');
  expect(abandoned).toHaveLength(4);

  const started = Date.now();
  const res = await fetch(`${s.url}${SERVICE_PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: large });
  expect(res.status).toBe(200);
  expect(Date.now() - started).toBeLessThan(2500);
}, 30_000);
