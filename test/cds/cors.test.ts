import request from 'supertest';
import { buildTestApp, type TestApp } from './support/app-fixture.js';
import { SERVICE_URL } from './support/requests.js';

describe('CORS for browser-based CDS clients', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  it.each([SERVICE_URL, '/cds-services', `${SERVICE_URL}/feedback`])('answers a preflight to %s with Authorization and Content-Type with 204', async (path) => {
    const res = await request(t.app)
      .options(path)
      .set('Origin', 'https://sandbox.cds-hooks.org')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toBe('GET,POST,OPTIONS');
    expect(res.headers['access-control-allow-headers']).toBe('authorization,content-type');
    expect(res.headers.vary).toMatch(/Access-Control-Request-Headers/i);
  });

  it('allows the request headers a browser EHR adds of its own (tracing), as the preflight asks for them', async () => {
    const res = await request(t.app)
      .options(SERVICE_URL)
      .set('Origin', 'https://ehr.example.org')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,traceparent,tracestate')
      .expect(204);
    expect(res.headers['access-control-allow-headers']).toBe('authorization,content-type,traceparent,tracestate');
  });

  it('answers the Private Network Access preflight of a public page calling localhost, and only that', async () => {
    const pna = await request(t.app)
      .options(SERVICE_URL)
      .set('Origin', 'https://sandbox.cds-hooks.org')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Private-Network', 'true')
      .expect(204);
    expect(pna.headers['access-control-allow-private-network']).toBe('true');
    const plain = await request(t.app).options(SERVICE_URL).set('Origin', 'https://x.example').set('Access-Control-Request-Method', 'POST').expect(204);
    expect(plain.headers['access-control-allow-private-network']).toBeUndefined();
  });

  it('lets a browser read discovery, the request id, and why and for how long it is refused', async () => {
    const res = await request(t.app).get('/cds-services').set('Origin', 'https://sandbox.cds-hooks.org').expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-expose-headers']).toBe('X-Request-Id,WWW-Authenticate,Retry-After,Allow');
  });

  it('runs preflights before authentication: a preflight never carries credentials', async () => {
    const guarded = await buildTestApp({}, { authenticate: (_req, res) => void res.status(401).json({ error: 'unauthorized' }) });
    try {
      await request(guarded.app).options(SERVICE_URL).set('Origin', 'https://x.example').set('Access-Control-Request-Method', 'POST').expect(204);
      await request(guarded.app).get('/cds-services').expect(401);
      await request(guarded.app).get('/healthz').expect(200);
    } finally {
      await guarded.close();
    }
  });
});
