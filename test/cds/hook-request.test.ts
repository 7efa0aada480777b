import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import nock from 'nock';
import request from 'supertest';
import { parseHookRequest } from '../../src/cds/request-schema.js';
import { BadRequestError } from '../../src/errors.js';
import { buildTestApp, type TestApp } from './support/app-fixture.js';
import { fullPrefetch, hookRequest, medicationOrder, SERVICE_URL, triggeringOrder, without, withValue } from './support/requests.js';
import { loopbackOnly } from '../support/loopback-only.js';
import { rawExchange } from '../support/raw-http.js';

/** Real-world request shapes, copied into the repository (test/external-fixtures/README.md). */
const EXTERNAL = path.resolve(import.meta.dirname, '..', 'external-fixtures');

interface ProblemBody {
  error: string;
  problems?: { path: string; message: string }[];
}

function pathsOf(body: ProblemBody): string[] {
  return (body.problems ?? []).map((p) => p.path);
}

describe('POST /cds-services/lumbar-fusion-criteria: invalid requests', () => {
  loopbackOnly();
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(() => nock.cleanAll());

  async function post400(body: unknown): Promise<ProblemBody> {
    const res = await request(t.app).post(SERVICE_URL).send(body as object).expect(400).expect('Content-Type', /json/);
    expect(typeof res.body.error).toBe('string');
    return res.body as ProblemBody;
  }

  it('answers malformed JSON with 400 naming the body, not 500, and never echoes the body', async () => {
    const res = await request(t.app)
      .post(SERVICE_URL)
      .set('Content-Type', 'application/json')
      .send('{"hook": "order-sign", "context": {"patientId": "secret-id-123" ')
      .expect(400);
    expect(res.body.error).toBe('malformed JSON');
    expect(pathsOf(res.body)).toEqual(['(body)']);
    expect(JSON.stringify(res.body)).not.toContain('secret-id-123');
  });

  it.each([
    ['an array', []],
    ['a string', 'order-sign'],
    ['a number', 42],
    ['null', null],
  ])('refuses a JSON body that is %s', async (_name, body) => {
    const res = await request(t.app).post(SERVICE_URL).set('Content-Type', 'application/json').send(JSON.stringify(body)).expect(400);
    expect(pathsOf(res.body)).toEqual(['(body)']);
  });

  it.each(['hook', 'hookInstance', 'context', 'context.userId', 'context.patientId', 'context.draftOrders'])(
    'names the missing field %s',
    async (path) => {
      const body = await post400(without(hookRequest(), path));
      expect(pathsOf(body)).toContain(path);
      expect(body.problems!.find((p) => p.path === path)!.message).toBe('is required');
    },
  );

  it.each([
    ['hook', 'patient-view'],
    ['hookInstance', ''],
    ['hookInstance', 'has spaces in it'],
    ['fhirServer', 'ftp://fhir.test/r4'],
    ['fhirServer', '/relative/fhir'],
    ['fhirServer', null],
    ['fhirAuthorization.token_type', 'MAC'],
    ['fhirAuthorization.token_type', 'Bearer '],
    ['fhirAuthorization.token_type', 7],
    ['fhirAuthorization.expires_in', '300'],
    ['fhirAuthorization.access_token', ''],
    ['fhirAuthorization.access_token', 'abc\r\nX-Injected: 1'],
    ['fhirAuthorization.access_token', 'a\u0000b'],
    ['fhirAuthorization.access_token', 'two words'],
    ['fhirAuthorization.scope', 7],
    ['fhirAuthorization.subject', undefined],
    ['context', 'pt-1'],
    ['context.patientId', '../Patient/other'],
    ['context.patientId', '.'],
    ['context.patientId', '..'],
    ['context.patientId', 12],
    ['context.userId', ''],
    ['context.encounterId', ''],
    ['context.draftOrders', []],
    ['context.draftOrders.resourceType', 'Parameters'],
    ['context.draftOrders.entry', { resource: {} }],
    ['context.draftOrders.entry.0', 'ServiceRequest/1'],
    ['context.draftOrders.entry.0.resource', undefined],
    ['context.draftOrders.entry.0.resource.resourceType', 3],
    ['prefetch', ['a']],
    ['prefetch.conditions', 'Condition?patient=pt-1'],
    ['prefetch.conditions', [1, 2]],
  ])('names %s when it is %j', async (path, value) => {
    const valid = hookRequest({ prefetch: fullPrefetch() });
    const body = await post400(value === undefined ? without(valid, path) : withValue(valid, path, value));
    expect(pathsOf(body)).toContain(path);
  });

  it.each(['Patient/someone-else', 'http://fhir.test/r4/Patient/someone-else', 'Patient/someone-else/_history/2', `Patient/${'x'.repeat(80)}`])(
    'refuses a draft order whose subject is another patient (%s): it would be judged on the wrong chart',
    async (reference) => {
      const body = await post400(withValue(hookRequest(), 'context.draftOrders.entry.0.resource.subject', { reference }));
      expect(body.problems).toEqual([{ path: 'context.draftOrders.entry.0.resource.subject.reference', message: 'names another patient than context.patientId' }]);
    },
  );

  it('refuses a FHIR token granted for another patient, and takes one for this patient', async () => {
    const body = await post400(withValue(hookRequest(), 'fhirAuthorization.patient', 'someone-else'));
    expect(body.problems).toEqual([{ path: 'fhirAuthorization.patient', message: 'names another patient than context.patientId' }]);
    expect(() => parseHookRequest(withValue(hookRequest(), 'fhirAuthorization.patient', 'pt-1'))).not.toThrow();
  });

  const SUBJECT = 'context.draftOrders.entry.0.resource.subject';
  const wanted = 'Patient/pt-1 (context.patientId), relative or after an absolute http(s) base';
  it.each([
    ['a string', 'Patient/other', SUBJECT, `must be a Reference (a JSON object with a reference to ${wanted}), not a string`],
    ['a string naming this patient', 'Patient/pt-1', SUBJECT, `must be a Reference (a JSON object with a reference to ${wanted}), not a string`],
    ['an array', [{ reference: 'Patient/other' }], SUBJECT, `must be a Reference (a JSON object with a reference to ${wanted}), not an array`],
    ['a number reference', { reference: 5 }, `${SUBJECT}.reference`, `must be a string referencing ${wanted}`],
    ['identifier only', { identifier: { system: 'mrn', value: '1' }, display: 'Another Person' }, SUBJECT, `has no reference: it must reference ${wanted}`],
    ['lower-case type', { reference: 'patient/other' }, `${SUBJECT}.reference`, `must be ${wanted}`],
    ['an empty id', { reference: 'Patient//other' }, `${SUBJECT}.reference`, `must be ${wanted}`],
    ['a query', { reference: 'Patient/other?x=1' }, `${SUBJECT}.reference`, `must be ${wanted}`],
    ['a fragment', { reference: 'Patient/other#x' }, `${SUBJECT}.reference`, `must be ${wanted}`],
    ['a conditional reference', { reference: 'Patient?identifier=mrn|123' }, `${SUBJECT}.reference`, `must be ${wanted}`],
    ['a Group', { reference: 'Group/g1' }, `${SUBJECT}.reference`, `must be ${wanted}`],
    ['a contained resource', { reference: '#contained' }, `${SUBJECT}.reference`, `must be ${wanted}`],
    ['a urn', { reference: 'urn:uuid:5c1c1c1c-0000-4000-8000-000000000001' }, `${SUBJECT}.reference`, `must be ${wanted}`],
    ['a relative base', { reference: 'fhir/Patient/pt-1' }, `${SUBJECT}.reference`, `must be ${wanted}`],
    ['this id after a base with a query', { reference: 'http://fhir.test/r4?x/Patient/pt-1' }, `${SUBJECT}.reference`, `must be ${wanted}`],
    ['an encoded other id', { reference: 'Patient/%6Fther' }, `${SUBJECT}.reference`, 'names another patient than context.patientId'],
  ])('refuses a draft order whose subject is %s (%j): it cannot be placed on this chart', async (_name, subject, path, message) => {
    const body = await post400(withValue(hookRequest(), SUBJECT, subject));
    expect(body.problems).toEqual([{ path, message }]);
  });

  it('names every draft order whose subject is wrong, whatever its resource type', async () => {
    const orders = [medicationOrder(), { ...medicationOrder(), id: 'mr-2', subject: { reference: 'Group/g1' } }, { resourceType: 'DeviceRequest', subject: 'Patient/pt-1' }];
    const body = await post400(hookRequest({}, orders));
    expect(pathsOf(body)).toEqual(['context.draftOrders.entry.1.resource.subject.reference', 'context.draftOrders.entry.2.resource.subject']);
  });

  it.each([
    ['Patient/pt-1', { reference: 'Patient/pt-1' }],
    ['absolute', { reference: 'http://fhir.test/r4/Patient/pt-1' }],
    ['on another base', { reference: 'https://other.example.org/fhir/Patient/pt-1' }],
    ['with a version', { reference: 'Patient/pt-1/_history/3' }],
    ['with a display and identifier', { reference: 'Patient/pt-1', display: 'Pat One', identifier: { value: 'mrn-1' } }],
    ['absent', undefined],
    ['null (loosely formed)', null],
    ['{} (loosely formed)', {}],
    ['an empty reference (loosely formed)', { reference: '' }],
  ])('accepts a draft order whose subject is %s', async (_name, subject) => {
    const valid = hookRequest({ prefetch: fullPrefetch() });
    await request(t.app)
      .post(SERVICE_URL)
      .send((subject === undefined ? without(valid, SUBJECT) : withValue(valid, SUBJECT, subject)) as object)
      .expect(200);
  });

  it.each(['bearer', 'BEARER', 'Bearer'])('accepts token_type %s: OAuth token types are case-insensitive (RFC 6749 5.1)', async (tokenType) => {
    await request(t.app)
      .post(SERVICE_URL)
      .send(withValue(hookRequest({ prefetch: fullPrefetch() }), 'fhirAuthorization.token_type', tokenType) as object)
      .expect(200);
  });

  it('requires fhirServer when fhirAuthorization is given', async () => {
    const body = await post400(without(hookRequest(), 'fhirServer'));
    expect(body.problems).toContainEqual({ path: 'fhirServer', message: 'is required when fhirAuthorization is given' });
  });

  it('refuses fields that are not part of the request envelope, naming each', async () => {
    const body = await post400({ ...hookRequest(), prefech: {}, fhirAuth: {} });
    expect(pathsOf(body).sort()).toEqual(['fhirAuth', 'prefech']);
  });

  it('names every problem of a request at once', async () => {
    const broken = withValue(without(without(hookRequest({ hook: 'order-select' }), 'fhirServer'), 'context.userId'), 'context.patientId', '');
    const body = await post400(broken);
    expect(pathsOf(body).sort()).toEqual(['context.patientId', 'context.userId', 'fhirServer', 'hook']);
  });

  it.each([
    ['patient', { resourceType: 'Bundle', entry: [] }],
    ['conditions', { resourceType: 'Condition', id: 'c1' }],
    ['procedures', { resourceType: 'Bundle', entry: {} }],
    ['observations', { resourceType: 'Bundle', entry: ['x'] }],
  ])('refuses a prefetch %s that is not what its key holds', async (key, value) => {
    const body = await post400(hookRequest({ prefetch: fullPrefetch({ [key]: value }) }));
    expect(pathsOf(body).some((p) => p.startsWith(`prefetch.${key}`))).toBe(true);
  });

  it('refuses prefetch values that are not objects even when no order triggers', async () => {
    const body = await post400(hookRequest({ prefetch: { conditions: 'x' } }, [medicationOrder()]));
    expect(pathsOf(body)).toEqual(['prefetch.conditions']);
  });

  it('ignores prefetch keys the service did not declare, whatever they hold', async () => {
    const res = await request(t.app)
      .post(SERVICE_URL)
      .send(hookRequest({ prefetch: { ...fullPrefetch(), user: '123', medications: [1, 2], extra: null } }))
      .expect(200);
    expect(Array.isArray(res.body.cards)).toBe(true);
  });

  it('refuses JSON nested deeper than any FHIR resource', async () => {
    let deep: unknown = {};
    for (let i = 0; i < 200; i++) deep = { a: deep };
    const body = await post400(hookRequest({ extension: deep }));
    expect(pathsOf(body)).toEqual(['(body)']);
  });

  it('answers 415 to a body that is not JSON', async () => {
    const res = await request(t.app).post(SERVICE_URL).set('Content-Type', 'text/plain').send('hook=order-sign').expect(415);
    expect(typeof res.body.error).toBe('string');
  });

  it('answers 413 to a body over MAX_BODY_BYTES', async () => {
    const small = await buildTestApp({ MAX_BODY_BYTES: '2048' });
    try {
      const res = await request(small.app)
        .post(SERVICE_URL)
        .send(hookRequest({ extension: { padding: 'x'.repeat(4096) } }))
        .expect(413);
      expect(res.body).toEqual({ error: 'request body too large' });
    } finally {
      await small.close();
    }
  });

  it('answers 404 with JSON to an unknown service id, whatever the body', async () => {
    const res = await request(t.app).post('/cds-services/no-such-service').send(hookRequest()).expect(404);
    expect(res.body).toEqual({ error: 'no CDS service with this id' });
    await request(t.app).post('/cds-services/no-such-service/feedback').send({}).expect(404);
  });

  it('answers 404 with JSON to unknown routes', async () => {
    const res = await request(t.app).get('/nothing/here').expect(404).expect('Content-Type', /json/);
    expect(res.body).toEqual({ error: 'not found' });
    await request(t.app).get('/cds-services/no-such-service').expect(404);
    await request(t.app).get('/cds-services/no-such-service/feedback').expect(404);
  });

  it('answers 405 with Allow, not 404, to a method the CDS paths do not take (the service exists)', async () => {
    const hook = await request(t.app).get(SERVICE_URL).expect(405).expect('Allow', 'POST, OPTIONS');
    expect(hook.body).toEqual({ error: 'method not allowed here: use POST for a hook call' });
    await request(t.app).put(`${SERVICE_URL}/feedback`).send({}).expect(405).expect('Allow', 'POST, OPTIONS');
    await request(t.app).post('/cds-services').send({}).expect(405).expect('Allow', 'GET, HEAD, OPTIONS');
    await request(t.app).delete(SERVICE_URL).expect(405);
    // Told before its body is read: a wrong method with a body that is not JSON is still a wrong method.
    await request(t.app).put(SERVICE_URL).set('Content-Type', 'text/plain').send('x').expect(405);
    await request(t.app).post('/cds-services').set('Content-Type', 'application/json').send('{not json').expect(405);
  });
});

describe('requests as real clients send them', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ FHIR_SERVER_ALLOWLIST: 'http://127.0.0.1:8090/fhir' });
  });
  afterAll(() => t.close());
  afterEach(() => nock.cleanAll());

  const sandbox = (JSON.parse(readFileSync(path.join(EXTERNAL, 'sandbox', 'order-sign-request.json'), 'utf8')) as { body: Record<string, unknown> }).body;

  it("accepts the CDS Hooks Sandbox's order-sign request (no Bundle type, loosely formed resources, extra prefetch keys)", async () => {
    const fhir = nock('http://127.0.0.1:8090');
    const res = await request(t.app).post(SERVICE_URL).send(sandbox).expect(200);
    // The Sandbox's draft order is a MedicationRequest: nothing triggers, and the FHIR server is not asked.
    expect(res.body).toEqual({ cards: [] });
    expect(fhir.isDone()).toBe(true);
    expect(t.reviewer.reviews).toHaveLength(0);
  });

  it('parses the Sandbox request and the Da Vinci CRD order-sign examples', () => {
    expect(parseHookRequest(sandbox).context.patientId).toBe('lumbar-pt-1');
    for (const file of ['hl7-davinci-crd-2.2.1/CRDServiceRequest.json', 'hl7-davinci-crd-2.2.1/CRDServiceRequest3.json']) {
      const body = JSON.parse(readFileSync(path.join(EXTERNAL, file), 'utf8')) as unknown;
      expect(() => parseHookRequest(body)).not.toThrow();
    }
  });

  it("refuses the Da Vinci CRD test kit's order-sign example: its order is for Patient/1288992, its context for Patient/example", () => {
    const body = JSON.parse(readFileSync(path.join(EXTERNAL, 'davinci-crd-test-kit', 'order_sign_hook_request.json'), 'utf8')) as unknown;
    expect(() => parseHookRequest(body)).toThrow(BadRequestError);
    const fixed = withValue(body as Record<string, unknown>, 'context.patientId', '1288992');
    expect(() => parseHookRequest(fixed)).not.toThrow();
  });

  it('refuses the Da Vinci order-dispatch example: wrong hook for this service', () => {
    const body = JSON.parse(readFileSync(path.join(EXTERNAL, 'hl7-davinci-crd-2.2.1', 'CRDServiceRequest2.json'), 'utf8')) as unknown;
    try {
      parseHookRequest(body);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(BadRequestError);
      expect((e as BadRequestError).problems.map((p) => p.path)).toEqual(expect.arrayContaining(['hook', 'context.userId', 'context.draftOrders']));
    }
  });
});

describe('requests that arrive slowly or garbled', () => {
  loopbackOnly();
  let t: TestApp;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    t = await buildTestApp({ BODY_TIMEOUT_MS: '300' });
    server = t.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  /** Sends raw bytes and collects whatever comes back until the server closes the connection. */
  const raw = (bytes: string) => rawExchange(port, bytes);

  it('answers a body that stops arriving with 408 and a JSON reason, then closes the connection', async () => {
    const { text, ms } = await raw(`POST ${SERVICE_URL} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{}`);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toContain('"error":"request body not received in time"');
    expect(ms).toBeLessThan(5000);
  });

  it('says so when a gzip body is not gzip', async () => {
    const res = await request(t.app).post(SERVICE_URL).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('{"not":"gzip"}').expect(400);
    expect(res.body).toEqual({ error: 'the request body could not be decompressed as its Content-Encoding says' });
  });

  /** A hook request whose order's note holds `bytes` between "MARK-" and "-MARK". */
  function withNoteBytes(bytes: number[]): Buffer {
    const body = hookRequest({ prefetch: fullPrefetch() }, [{ ...triggeringOrder(), note: [{ text: 'MARK-X-MARK' }] }]);
    const [before, after] = JSON.stringify(body).split('X') as [string, string];
    return Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
  }
  /** POSTs `body` byte for byte (supertest would send a Buffer as JSON of its bytes). */
  async function postBytes(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`http://127.0.0.1:${port}${url}`, { method: 'POST', headers, body: new Uint8Array(body) });
    return { status: res.status, body: await res.json() };
  }
  const notUtf8 = { error: 'the body is not valid UTF-8', problems: [{ path: '(body)', message: 'holds bytes that are not UTF-8' }] };

  it.each([
    ['FF C3', [0xff, 0xc3]],
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ])('refuses a body with bytes that are not UTF-8 (%s) with 400, rather than turn them into U+FFFD', async (_name, bytes) => {
    for (const url of [SERVICE_URL, `${SERVICE_URL}/feedback`]) {
      expect(await postBytes(url, { 'content-type': 'application/json' }, withNoteBytes(bytes))).toEqual({ status: 400, body: notUtf8 });
    }
  });

  it('refuses bytes that are not UTF-8 in a gzip body too (checked once inflated)', async () => {
    const res = await postBytes(SERVICE_URL, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync(withNoteBytes([0xff, 0xc3])));
    expect(res).toEqual({ status: 400, body: notUtf8 });
  });

  it.each([
    ['charset=UTF-8', 'application/json; charset=UTF-8', []],
    ['a byte order mark', 'application/json', [0xef, 0xbb, 0xbf]],
  ])('reads UTF-8 text as sent (%s): accented letters, CJK and an emoji reach the review unchanged', async (_name, type, prefix) => {
    const note = 'é 脊椎 😀';
    const body = Buffer.concat([Buffer.from(prefix), withNoteBytes([...Buffer.from(note)])]);
    t.reviewer.reviews.length = 0;
    expect((await postBytes(SERVICE_URL, { 'content-type': type }, body)).status).toBe(200);
    expect(t.reviewer.reviews[0]!.plans[0]!.orders[0]!.asSent.note).toEqual([{ text: `MARK-${note}-MARK` }]);
  });

  it.each(['utf-16le', 'utf-16', 'utf-32le', 'utf-7'])('answers 415 to a body in charset %s: JSON between systems is UTF-8 (RFC 8259)', async (charset) => {
    const body = Buffer.from(JSON.stringify(hookRequest()), charset === 'utf-7' ? 'latin1' : 'utf16le');
    const res = await postBytes(SERVICE_URL, { 'content-type': `application/json; charset=${charset}` }, body);
    expect(res).toEqual({ status: 415, body: { error: 'unsupported body charset or encoding' } });
  });

  it('says so when the URL path is not valid percent-encoding', async () => {
    const res = await request(t.app).post('/cds-services/%E0%A4%A').send({}).expect(400);
    expect(res.body).toEqual({ error: 'the URL path is not valid percent-encoding' });
  });
});
