import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { FEEDBACK_PATH, SEED_TOPICS, SERVICE_PATH, seedPrefetch, seedRequest, topicsOf } from './support/seed.js';
import { startService, type ServiceUnderTest } from './support/service.js';

/**
 * Bodies no client should send: too large (413), not JSON (415), malformed or absurdly deep JSON (400). The
 * service answers each with a JSON error, never echoes the body, and keeps serving.
 */
let s: ServiceUnderTest;
let small: ServiceUnderTest;
beforeAll(async () => {
  s = await startService();
  small = await startService({ MAX_BODY_BYTES: '4096' });
});
afterAll(async () => {
  await s.close();
  await small.close();
});

const valid = () => seedRequest({ prefetch: seedPrefetch() });

/** A raw POST, for bodies supertest would rewrite (chunked, no Content-Type). */
function rawPost(base: string, path: string, headers: Record<string, string>, body: Buffer | string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('413: bodies over MAX_BODY_BYTES', () => {
  it('the default limit is 5 MB', async () => {
    const filler = 'x'.repeat(5 * 1024 * 1024);
    const res = await request(s.url)
      .post(SERVICE_PATH)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...valid(), extension: { filler } }))
      .expect(413);
    expect(res.body).toEqual({ error: 'request body too large' });
  });

  it.each([SERVICE_PATH, FEEDBACK_PATH])('a configured limit, on %s', async (path) => {
    await request(small.url).post(path).send({ filler: 'x'.repeat(5000) }).expect(413);
  });

  it('a chunked body without Content-Length is cut at the limit too', async () => {
    const res = await rawPost(small.url, SERVICE_PATH, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }, JSON.stringify({ filler: 'x'.repeat(5000) }));
    expect(res.status).toBe(413);
  });

  it('a gzip body is measured after inflating (no zip bomb)', async () => {
    const bomb = gzipSync(JSON.stringify({ filler: ' '.repeat(1024 * 1024) }));
    expect(bomb.length).toBeLessThan(4096);
    const res = await rawPost(small.url, SERVICE_PATH, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, bomb);
    expect(res.status).toBe(413);
  });
});

describe('415: bodies that are not JSON', () => {
  it.each([
    ['text/plain', JSON.stringify({ hook: 'order-sign' })],
    ['application/x-www-form-urlencoded', 'hook=order-sign&hookInstance=x'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="hook"\r\n\r\norder-sign\r\n--x--'],
    ['application/xml', '<hook>order-sign</hook>'],
    ['application/json; charset=latin1', JSON.stringify({ hook: 'order-sign' })],
  ])('%s', async (type, body) => {
    for (const path of [SERVICE_PATH, FEEDBACK_PATH]) {
      const res = await rawPost(s.url, path, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)) }, body);
      expect({ path, status: res.status }).toEqual({ path, status: 415 });
      expect(JSON.parse(res.body)).toHaveProperty('error');
    }
  });

  it('a body without any Content-Type', async () => {
    const body = JSON.stringify(valid());
    const res = await rawPost(s.url, SERVICE_PATH, { 'Content-Length': String(Buffer.byteLength(body)) }, body);
    expect(res.status).toBe(415);
  });

  it('an unsupported Content-Encoding', async () => {
    const res = await rawPost(s.url, SERVICE_PATH, { 'Content-Type': 'application/json', 'Content-Encoding': 'compress' }, '{}');
    expect(res.status).toBe(415);
  });

  it('but FHIR JSON (application/fhir+json) is JSON', async () => {
    const res = await request(s.url).post(SERVICE_PATH).set('Content-Type', 'application/fhir+json').send(JSON.stringify(valid())).expect(200);
    expect(topicsOf(res.body)).toEqual(SEED_TOPICS);
  });
});

describe('400: malformed or absurd JSON', () => {
  const secret = 'Brenner-Walter-1958';
  it.each([
    ['truncated', `{"hook": "order-sign", "note": "${secret}"`],
    ['a trailing comma', `{"hook": "order-sign", "note": "${secret}",}`],
    ['single quotes', `{'hook': '${secret}'}`],
    ['a bare string', `"${secret}"`],
    ['a bare number', '42'],
    ['null', 'null'],
    ['NaN', '{"expires_in": NaN}'],
    ['two documents', `{"hook": "order-sign"}{"note": "${secret}"}`],
    ['an array', `[{"hook": "order-sign", "note": "${secret}"}]`],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
  ])('%s', async (_name, body) => {
    const res = await rawPost(s.url, SERVICE_PATH, { 'Content-Type': 'application/json' }, body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toHaveProperty('error');
    expect(res.body).not.toContain(secret);
  });

  it.each([
    ['arrays', (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`],
    ['objects', (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`],
  ])('nested %s 100,000 deep are refused without overflowing the stack', async (_name, nest) => {
    const res = await rawPost(s.url, SERVICE_PATH, { 'Content-Type': 'application/json' }, `{"hook": "order-sign", "extension": {"x": ${nest(100_000)}}}`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).problems[0].message).toMatch(/deeper than/);
  });

  it('deep nesting inside a prefetched resource is refused too', async () => {
    const body = valid() as { prefetch: { conditions: { entry: { resource: Record<string, unknown> }[] } } };
    let deep: unknown = 'bottom';
    for (let i = 0; i < 150; i++) deep = { extension: [deep] };
    body.prefetch.conditions.entry[0]!.resource.extension = [deep];
    await request(s.url).post(SERVICE_PATH).send(body).expect(400);
  });

  it('after all of that, a valid request is still served', async () => {
    const res = await request(s.url).post(SERVICE_PATH).send(valid()).expect(200);
    expect(topicsOf(res.body)).toEqual(SEED_TOPICS);
    expect(s.logLines().filter((l) => typeof l.status === 'number' && (l.status as number) >= 500)).toEqual([]);
  });
});
