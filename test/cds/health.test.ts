import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { dataDirWritable, evaluationThreadsLoaded } from '../../src/ops/health.js';
import { buildTestApp } from './support/app-fixture.js';

describe('health and readiness', () => {
  it('GET /healthz answers {"status": "ok"}', async () => {
    const t = await buildTestApp();
    try {
      await request(t.app).get('/healthz').expect(200, { status: 'ok' });
      await request(t.app).get('/readyz').expect(200, { status: 'ready' });
    } finally {
      await t.close();
    }
  });

  it('GET /readyz answers 503 naming the failing checks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spine-cds-ready-'));
    const t = await buildTestApp({}, { readiness: [dataDirWritable(dir), dataDirWritable(join(dir, 'missing'))] });
    try {
      const res = await request(t.app).get('/readyz').expect(503);
      expect(res.body).toEqual({ status: 'not-ready', failing: ['data-dir-writable'] });
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GET /readyz is not ready until the evaluation threads have loaded the library', async () => {
    const engine = { loaded: false };
    const t = await buildTestApp({}, { readiness: [evaluationThreadsLoaded(engine)] });
    try {
      expect((await request(t.app).get('/readyz').expect(503)).body).toEqual({ status: 'not-ready', failing: ['evaluation-threads-loaded'] });
      engine.loaded = true;
      await request(t.app).get('/readyz').expect(200, { status: 'ready' });
    } finally {
      await t.close();
    }
  });
});
