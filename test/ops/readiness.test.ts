import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import request from 'supertest';
import { startService, type ServiceUnderTest } from '../security/support/service.js';

/**
 * GET /healthz says the process answers; GET /readyz says it can serve: the review (its ELM) is loaded
 * before the service listens at all, so readiness hangs on the data directory taking writes.
 */
let s: ServiceUnderTest;
beforeAll(async () => {
  s = await startService();
});
afterAll(() => s.close());

describe('health and readiness of the wired service', () => {
  it('is alive and ready, and leaves no probe file behind', async () => {
    await request(s.url).get('/healthz').expect(200, { status: 'ok' });
    const ready = await request(s.url).get('/readyz').expect(200, { status: 'ready' });
    expect(ready.headers['cache-control']).toBe('no-store');
    expect(readdirSync(s.dataDir).filter((f) => f.startsWith('.readyz'))).toEqual([]);
  });

  it('is not ready while the data directory is gone, and ready again once it is back', async () => {
    rmSync(s.dataDir, { recursive: true, force: true });
    await request(s.url).get('/readyz').expect(503, { status: 'not-ready', failing: ['data-dir-writable', 'feedback-store-writes'] });
    await request(s.url).get('/healthz').expect(200);
    mkdirSync(s.dataDir);
    await request(s.url).get('/readyz').expect(200);
  });

  it('is not ready when DATA_DIR is a file rather than a directory', async () => {
    rmSync(s.dataDir, { recursive: true, force: true });
    writeFileSync(s.dataDir, 'not a directory');
    try {
      await request(s.url).get('/readyz').expect(503, { status: 'not-ready', failing: ['data-dir-writable', 'feedback-store-writes'] });
    } finally {
      rmSync(s.dataDir, { force: true });
      mkdirSync(s.dataDir);
    }
  });
});
