import nock from 'nock';
import net, { type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { emptyValuePaths } from '../../src/cds/no-empty.js';
import { EvaluationError } from '../../src/decision/evaluation-error.js';
import { buildTestApp, FHIR_BASE, PATIENT_ID, type TestApp } from './support/app-fixture.js';
import { fhirWithToken, mockChartRequiringParallelReads, mockWholeChart, pageUrl, SEARCH_TYPES } from './support/fhir-mock.js';
import {
  condition,
  fullPrefetch,
  hookRequest,
  medicationOrder,
  patient,
  resourceOf,
  searchset,
  SERVICE_URL,
  triggeringOrder,
  without,
} from './support/requests.js';
import { loopbackOnly } from '../support/loopback-only.js';

/** Real-world request shapes, copied into the repository (test/external-fixtures/README.md). */
const EXTERNAL = path.resolve(import.meta.dirname, '..', 'external-fixtures');

interface CardBody {
  cards: { uuid: string; source: { topic: { code: string } }; detail?: string; links?: unknown[] }[];
}

const topics = (body: CardBody) => body.cards.map((c) => c.source.topic.code);
const outcome = (severity: string) => ({ resourceType: 'OperationOutcome', issue: [{ severity, code: 'exception' }] });

describe('order-sign hook flow', () => {
  loopbackOnly();
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(async () => {
    // A delayed reply the service gave up on still holds a nock timer: without this, jest outlives the file.
    nock.abortPendingRequests();
    nock.cleanAll();
    await t.close();
  });

  const post = (body: object) => request(t.app).post(SERVICE_URL).send(body);

  it('answers {"cards": []} at once when no order triggers, without touching the FHIR server or the reviewer', async () => {
    const fhir = mockWholeChart(fhirWithToken());
    const res = await post(hookRequest({}, [medicationOrder(), triggeringOrder('sr-9', '99213')])).expect(200);
    expect(res.body).toEqual({ cards: [] });
    expect(fhir.pendingMocks()).toHaveLength(6);
    expect(t.reviewer.reviews).toHaveLength(0);
  });

  it('does not even ask the reviewer for plans when draftOrders holds no ServiceRequest', async () => {
    await post(hookRequest({}, [medicationOrder()])).expect(200, { cards: [] });
    await post(hookRequest({}, [])).expect(200, { cards: [] });
    expect(t.reviewer.planCalls).toBe(0);
  });

  it('reviews a complete prefetch without any FHIR call, and hands over the hook context', async () => {
    const res = await post(hookRequest({ prefetch: fullPrefetch({ conditions: searchset([condition('c1')]) }) })).expect(200);
    expect(topics(res.body)).toEqual(['criteria-met']);
    expect(t.reviewer.reviews).toHaveLength(1);
    const call = t.reviewer.reviews[0]!;
    expect(call.record.patientId).toBe(PATIENT_ID);
    expect(call.record.patient?.id).toBe(PATIENT_ID);
    expect(call.record.conditions.map((c) => c.id)).toEqual(['c1']);
    expect(call.plans).toHaveLength(1);
    expect(call.context).toEqual({ userId: 'Practitioner/example', deadlineAt: expect.any(Number) });
  });

  it('strips empty values from cards (CDS Hooks forbids null, "", [] and {})', async () => {
    const res = await post(hookRequest({ prefetch: fullPrefetch() })).expect(200);
    expect(res.body.cards).toHaveLength(1);
    expect(res.body.cards[0].detail).toBeUndefined();
    expect(res.body.cards[0].links).toBeUndefined();
    expect(emptyValuePaths(res.body.cards)).toEqual([]);
  });

  it('records each issued card with its topic and suggestion uuids', async () => {
    const res = await post(hookRequest({ prefetch: fullPrefetch() })).expect(200);
    const card = res.body.cards[0];
    const issued = t.store.issuedCard(card.uuid);
    expect(issued?.topic).toBe('documentation-incomplete');
    expect(issued?.suggestions).toEqual([card.suggestions[0].uuid]);
  });

  it('treats a null prefetch key as "no data" and does not fetch it', async () => {
    const fhir = fhirWithToken();
    fhir.get('/r4/Condition').query(true).reply(200, searchset([condition('never')]));
    const res = await post(hookRequest({ prefetch: fullPrefetch({ conditions: null, patient: null }) })).expect(200);
    expect(topics(res.body)).toEqual(['documentation-incomplete']);
    expect(t.reviewer.reviews[0]!.record.conditions).toEqual([]);
    expect(t.reviewer.reviews[0]!.record.patient).toBeUndefined();
    expect(fhir.isDone()).toBe(false);
  });

  it('fetches a key prefetched as an OperationOutcome again', async () => {
    const fhir = fhirWithToken();
    fhir.get('/r4/Condition').query({ patient: PATIENT_ID }).reply(200, searchset([condition('c-refetched')]));
    const failed = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout' }] };
    await post(hookRequest({ prefetch: fullPrefetch({ conditions: failed }) })).expect(200);
    expect(fhir.isDone()).toBe(true);
    expect(t.reviewer.reviews[0]!.record.conditions.map((c) => c.id)).toEqual(['c-refetched']);
  });

  it('fetches a key prefetched as a Bundle holding an error OperationOutcome again, even beside resources', async () => {
    const fhir = fhirWithToken();
    fhir.get('/r4/Condition').query({ patient: PATIENT_ID }).reply(200, searchset([condition('c-refetched')]));
    const failed = searchset([condition('c-partial'), { resourceType: 'OperationOutcome', issue: [{ severity: 'fatal', code: 'exception' }] }]);
    await post(hookRequest({ prefetch: fullPrefetch({ conditions: failed }) })).expect(200);
    expect(fhir.isDone()).toBe(true);
    expect(t.reviewer.reviews[0]!.record.conditions.map((c) => c.id)).toEqual(['c-refetched']);
  });

  it('fetches every missing key in parallel, with the bearer token', async () => {
    const fhir = fhirWithToken();
    const gate = mockChartRequiringParallelReads(fhir, { Condition: [condition('c1')], Procedure: [resourceOf('Procedure', 'p1')] });
    const res = await post(hookRequest()).expect(200);
    expect(gate.arrived()).toBe(6);
    expect(fhir.isDone()).toBe(true);
    expect(topics(res.body)).toEqual(['criteria-met']);
    const record = t.reviewer.reviews[0]!.record;
    expect(record.patient?.id).toBe(PATIENT_ID);
    expect(record.procedures.map((p) => p.id)).toEqual(['p1']);
  });

  it('keeps only resources of the patient and of the key\'s type', async () => {
    const fhir = fhirWithToken();
    mockWholeChart(fhir, {
      Condition: [condition('mine'), resourceOf('Observation', 'o-in-wrong-key'), { resourceType: 'Condition', id: 'no-subject' }],
      Observation: [{ ...resourceOf('Observation', 'o-abs'), subject: { reference: `${FHIR_BASE}/Patient/${PATIENT_ID}` } }],
    });
    await post(hookRequest()).expect(200);
    const record = t.reviewer.reviews[0]!.record;
    expect(record.conditions.map((c) => c.id)).toEqual(['mine']);
    expect(record.observations.map((o) => o.id)).toEqual(['o-abs']);
  });

  it("answers evaluation-unavailable, with no review, when the FHIR server sends another patient's resources", async () => {
    const fhir = fhirWithToken();
    mockWholeChart(fhir, { Condition: [condition('mine'), condition('theirs', 'someone-else')] });
    const res = await post(hookRequest()).expect(200);
    expect(topics(res.body)).toEqual(['evaluation-unavailable']);
    expect(t.reviewer.reviews).toHaveLength(0);
  });

  it('uses a searchset whose OperationOutcomes are only warnings or information', async () => {
    const fhir = fhirWithToken();
    fhir.get('/r4/Condition').query({ patient: PATIENT_ID }).reply(200, searchset([condition('c1'), outcome('warning'), outcome('information')]));
    const res = await post(hookRequest({ prefetch: without(fullPrefetch(), 'conditions') })).expect(200);
    expect(topics(res.body)).toEqual(['criteria-met']);
    expect(t.reviewer.reviews[0]!.record.conditions.map((c) => c.id)).toEqual(['c1']);
  });

  it('follows next links page by page on the same server', async () => {
    const fhir = fhirWithToken();
    fhir.get('/r4/Condition').query({ patient: PATIENT_ID }).reply(200, searchset([condition('c1'), condition('c2')], pageUrl(2)));
    fhir.get('/r4/page').query({ token: 'p2' }).reply(200, searchset([condition('c3')], pageUrl(3)));
    fhir.get('/r4/page').query({ token: 'p3' }).reply(200, searchset([condition('c4')]));
    await post(hookRequest({ prefetch: without(fullPrefetch(), 'conditions') })).expect(200);
    expect(fhir.isDone()).toBe(true);
    expect(t.reviewer.reviews[0]!.record.conditions.map((c) => c.id)).toEqual(['c1', 'c2', 'c3', 'c4']);
  });

  const withTotal = (bundle: Record<string, unknown>, total: number) => ({ ...bundle, total });

  it('fetches a key prefetched as a searchset cut short (total above its matches, no next link) again', async () => {
    const fhir = fhirWithToken();
    fhir.get('/r4/Condition').query({ patient: PATIENT_ID }).reply(200, withTotal(searchset([condition('c1'), condition('c2')]), 2));
    await post(hookRequest({ prefetch: fullPrefetch({ conditions: withTotal(searchset([condition('c1')]), 2) }) })).expect(200);
    expect(fhir.isDone()).toBe(true);
    expect(t.reviewer.reviews[0]!.record.conditions.map((c) => c.id)).toEqual(['c1', 'c2']);
  });

  it('answers evaluation-unavailable when the server\'s pages end short of the total it gave', async () => {
    const fhir = fhirWithToken();
    fhir.get('/r4/Condition').query({ patient: PATIENT_ID }).reply(200, withTotal(searchset([condition('c1'), condition('c2')], pageUrl(2)), 4));
    fhir.get('/r4/page').query({ token: 'p2' }).reply(200, withTotal(searchset([condition('c3')]), 4));
    const res = await post(hookRequest({ prefetch: without(fullPrefetch(), 'conditions') })).expect(200);
    expect(fhir.isDone()).toBe(true);
    expect(topics(res.body)).toEqual(['evaluation-unavailable']);
    expect(res.body.cards[0].summary).toContain('incomplete');
    expect(t.reviewer.reviews).toHaveLength(0);
  });

  it('counts a prefetched first page with the pages read after it against the total', async () => {
    const fhir = fhirWithToken();
    fhir.get('/r4/page').query({ token: 'p2' }).reply(200, withTotal(searchset([condition('c2')]), 3));
    const paged = withTotal(searchset([condition('c1')], pageUrl(2)), 3);
    const short = await post(hookRequest({ prefetch: fullPrefetch({ conditions: paged }) })).expect(200);
    expect(topics(short.body)).toEqual(['evaluation-unavailable']);

    fhir.get('/r4/page').query({ token: 'p2' }).reply(200, withTotal(searchset([condition('c2'), condition('c3')]), 3));
    const whole = await post(hookRequest({ prefetch: fullPrefetch({ conditions: paged }) })).expect(200);
    expect(topics(whole.body)).toEqual(['criteria-met']);
    expect(t.reviewer.reviews[0]!.record.conditions.map((c) => c.id)).toEqual(['c1', 'c2', 'c3']);
  });

  it('takes a total at or below what came as complete (included resources and outcomes are not matches)', async () => {
    const fhir = fhirWithToken();
    const page = searchset([condition('c1'), condition('c2')]) as { entry: Record<string, unknown>[] };
    page.entry[1]!.search = { mode: 'match' };
    page.entry.push({ resource: resourceOf('Practitioner', 'dr'), search: { mode: 'include' } });
    fhir.get('/r4/Condition').query({ patient: PATIENT_ID }).reply(200, withTotal(page, 1));
    const res = await post(hookRequest({ prefetch: without(fullPrefetch(), 'conditions') })).expect(200);
    expect(topics(res.body)).toEqual(['criteria-met']);
  });

  it('answers evaluation-unavailable, with no determination, when a type holds more than FHIR_MAX_RESOURCES_PER_TYPE', async () => {
    const bounded = await buildTestApp({ FHIR_MAX_RESOURCES_PER_TYPE: '3' });
    try {
      const fhir = fhirWithToken();
      fhir.get('/r4/Condition').query({ patient: PATIENT_ID }).reply(200, searchset([condition('c1'), condition('c2')], pageUrl(2)));
      fhir.get('/r4/page').query({ token: 'p2' }).reply(200, searchset([condition('c3'), condition('c4')]));
      const res = await request(bounded.app).post(SERVICE_URL).send(hookRequest({ prefetch: without(fullPrefetch(), 'conditions') })).expect(200);
      expect(topics(res.body)).toEqual(['evaluation-unavailable']);
      expect(res.body.cards[0].summary).toContain('too-large');
      expect(bounded.reviewer.reviews).toHaveLength(0);
    } finally {
      await bounded.close();
    }
  });

  it('applies the bound to prefetched bundles too', async () => {
    const bounded = await buildTestApp({ FHIR_MAX_RESOURCES_PER_TYPE: '1' });
    try {
      const body = hookRequest({ prefetch: fullPrefetch({ conditions: searchset([condition('c1'), condition('c2')]) }) });
      const res = await request(bounded.app).post(SERVICE_URL).send(body).expect(200);
      expect(topics(res.body)).toEqual(['evaluation-unavailable']);
    } finally {
      await bounded.close();
    }
  });

  it('never follows a next link to another server, so the token stays home', async () => {
    const fhir = fhirWithToken();
    fhir.get('/r4/Condition').query({ patient: PATIENT_ID }).reply(200, searchset([condition('c1')], 'http://fhir.test.evil.example/r4/page?x=1'));
    const evil = nock('http://fhir.test.evil.example').get(/.*/).reply(200, searchset([]));
    const res = await post(hookRequest({ prefetch: without(fullPrefetch(), 'conditions') })).expect(200);
    expect(topics(res.body)).toEqual(['evaluation-unavailable']);
    expect(evil.isDone()).toBe(false);
  });

  it('answers evaluation-unavailable, not 500, when the server sends a next link that is not a URL', async () => {
    fhirWithToken().get('/r4/Condition').query({ patient: PATIENT_ID }).reply(200, searchset([condition('c1')], 'http://[bad-url'));
    const res = await post(hookRequest({ prefetch: without(fullPrefetch(), 'conditions') })).expect(200);
    expect(topics(res.body)).toEqual(['evaluation-unavailable']);
    expect(res.body.cards[0].summary).toContain('unreadable');
    expect(t.reviewer.reviews).toHaveLength(0);
  });

  it.each([
    ['to another server', 'http://fhir.test.evil.example/r4/page?x=1'],
    ['that is not a URL', 'http://[bad-url'],
  ])('treats a prefetched Bundle whose next link is %s alike: evaluation-unavailable, nothing fetched', async (_name, next) => {
    const evil = nock('http://fhir.test.evil.example').get(/.*/).reply(200, searchset([]));
    const res = await post(hookRequest({ prefetch: fullPrefetch({ conditions: searchset([condition('c1')], next) }) })).expect(200);
    expect(topics(res.body)).toEqual(['evaluation-unavailable']);
    expect(res.body.cards[0].summary).toContain('unreadable');
    expect(evil.isDone()).toBe(false);
    expect(t.reviewer.reviews).toHaveLength(0);
  });

  it('does not follow a redirect to another host', async () => {
    const fhir = fhirWithToken();
    fhir.get('/r4/Condition').query({ patient: PATIENT_ID }).reply(302, '', { Location: 'http://other.example/steal' });
    const other = nock('http://other.example').get(/.*/).reply(200, searchset([]));
    const res = await post(hookRequest({ prefetch: without(fullPrefetch(), 'conditions') })).expect(200);
    expect(topics(res.body)).toEqual(['evaluation-unavailable']);
    expect(res.body.cards[0].summary).toContain('error-status');
    expect(other.isDone()).toBe(false);
  });

  describe('FHIR server failures: 200 with one evaluation-unavailable card and no determination', () => {
    beforeEach(async () => {
      await t.close();
      t = await buildTestApp({ FHIR_MAX_RESPONSE_BYTES: '32768' });
    });

    const cases: [string, (scope: nock.Interceptor) => nock.Scope, string][] = [
      ['500', (i) => i.reply(500, { resourceType: 'OperationOutcome' }), 'error-status'],
      ['404', (i) => i.reply(404, { resourceType: 'OperationOutcome' }), 'error-status'],
      ['401', (i) => i.reply(401, ''), 'refused'],
      ['403', (i) => i.reply(403, ''), 'refused'],
      ['a body that is not JSON', (i) => i.reply(200, '<html>gateway</html>', { 'Content-Type': 'text/html' }), 'unreadable'],
      ['JSON that is not a Bundle', (i) => i.reply(200, { resourceType: 'Patient', id: PATIENT_ID }), 'unreadable'],
      ['a Bundle whose entry is not a list', (i) => i.reply(200, { resourceType: 'Bundle', entry: 'x' }), 'unreadable'],
      ['JSON null', (i) => i.reply(200, 'null', { 'Content-Type': 'application/fhir+json' }), 'unreadable'],
      ['a JSON number', (i) => i.reply(200, '42', { 'Content-Type': 'application/fhir+json' }), 'unreadable'],
      ['a JSON string', (i) => i.reply(200, '"Bundle"', { 'Content-Type': 'application/fhir+json' }), 'unreadable'],
      ['a body over FHIR_MAX_RESPONSE_BYTES', (i) => i.reply(200, searchset([{ ...condition('c1'), note: [{ text: 'x'.repeat(40_000) }] }])), 'too-large'],
      ['a searchset holding only an error OperationOutcome', (i) => i.reply(200, searchset([outcome('error')])), 'error-status'],
      ['a searchset holding a fatal OperationOutcome beside resources', (i) => i.reply(200, searchset([condition('c1'), outcome('fatal')])), 'error-status'],
      ['a network error', (i) => i.replyWithError('connection reset'), 'unreachable'],
      ['no answer within FHIR_REQUEST_TIMEOUT_MS', (i) => i.delay(5000).reply(200, searchset([])), 'timeout'],
    ];
    it.each(cases)('%s', async (_name, reply, reason) => {
      const fhir = fhirWithToken();
      reply(fhir.get('/r4/Condition').query({ patient: PATIENT_ID }));
      const res = await post(hookRequest({ prefetch: without(fullPrefetch(), 'conditions') })).expect(200);
      expect(topics(res.body)).toEqual(['evaluation-unavailable']);
      expect(res.body.cards[0].summary).toContain(reason);
      expect(t.reviewer.reviews).toHaveLength(0);
      expect(t.store.issuedCard(res.body.cards[0].uuid)?.topic).toBe('evaluation-unavailable');
    });

    it('a failing Patient read', async () => {
      fhirWithToken().get(`/r4/Patient/${PATIENT_ID}`).reply(500);
      const res = await post(hookRequest({ prefetch: without(fullPrefetch(), 'patient') })).expect(200);
      expect(topics(res.body)).toEqual(['evaluation-unavailable']);
    });

    it('the hook deadline, even when each request stays within its own timeout', async () => {
      const slow = await buildTestApp({ HOOK_DEADLINE_MS: '300', FHIR_REQUEST_TIMEOUT_MS: '250' });
      try {
        const fhir = fhirWithToken();
        fhir.get('/r4/Condition').query({ patient: PATIENT_ID }).delay(200).reply(200, searchset([condition('c1')], pageUrl(2)));
        fhir.get('/r4/page').query({ token: 'p2' }).delay(200).reply(200, searchset([]));
        const res = await request(slow.app).post(SERVICE_URL).send(hookRequest({ prefetch: without(fullPrefetch(), 'conditions') })).expect(200);
        expect(topics(res.body)).toEqual(['evaluation-unavailable']);
        expect(res.body.cards[0].summary).toContain('timeout');
      } finally {
        await slow.close();
      }
    });
  });

  it('reads the chart of an open FHIR server (no fhirAuthorization) without an Authorization header', async () => {
    const open = nock('http://fhir.test', { badheaders: ['authorization'] });
    mockWholeChart(open, { Condition: [condition('c1')] });
    const res = await post(without(hookRequest(), 'fhirAuthorization')).expect(200);
    expect(open.isDone()).toBe(true);
    expect(topics(res.body)).toEqual(['criteria-met']);
  });

  it('skips the review and records no card when the client left while the record was read', async () => {
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = JSON.stringify(hookRequest());
      // A raw socket, not http.request: nock intercepts every http client request, and a destroyed intercepted
      // request need not close the connection it passed through.
      const client = net.connect(port, '127.0.0.1');
      client.on('error', () => undefined);
      // The FHIR server answers only after the client has left, whatever the machine's speed.
      let left: Promise<void> | undefined;
      const leave = () => (left ??= new Promise<void>((resolve) => {
        client.destroy();
        setTimeout(resolve, 100);
      }));
      const held = (answer: object) => (_uri: string, _body: unknown, cb: (err: Error | null, body: object) => void) => void leave().then(() => cb(null, answer));
      const fhir = fhirWithToken();
      fhir.get(`/r4/Patient/${PATIENT_ID}`).reply(200, held(patient()));
      for (const type of SEARCH_TYPES) fhir.get(`/r4/${type}`).query({ patient: PATIENT_ID }).reply(200, held(searchset([])));
      client.write(`POST ${SERVICE_URL} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      const message = 'the client left before its answer; no review, no card recorded';
      for (let i = 0; i < 150 && !t.logLines().some((l) => l.msg === message); i++) await new Promise((r) => setTimeout(r, 20));
      expect(t.logLines().map((l) => l.msg)).toContain(message);
      expect(fhir.isDone()).toBe(true);
      expect(t.reviewer.reviews).toHaveLength(0);
      expect(readFileSync(path.join(t.dataDir, 'issued-cards.jsonl'), 'utf8')).toBe('');
      const abandoned = t.logLines().find((l) => l.msg === 'call abandoned by the client');
      expect(abandoned).toMatchObject({ path: SERVICE_URL, clientClosed: true, service: 'lumbar-fusion-criteria' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answers evaluation-unavailable, not 500, when the criteria library fails on the chart, and logs where in the CQL, not the chart', async () => {
    t.reviewer.failWith = new EvaluationError({
      errorClass: 'Error',
      step: 'cql',
      define: 'define "Interspaces"',
      library: 'LumbarFusionCriteria|1.0.0',
      locator: '64:2-64:9',
      expression: 'SingletonFrom',
    });
    const res = await post(hookRequest({ prefetch: fullPrefetch() })).expect(200);
    expect(topics(res.body)).toEqual(['evaluation-unavailable']);
    const line = t.logLines().find((l) => l.msg === 'the review failed; evaluation-unavailable card sent');
    expect(line).toMatchObject({ level: 50, reason: 'review-failed', errorClass: 'Error', define: 'define "Interspaces"', locator: '64:2-64:9', expression: 'SingletonFrom' });
    expect(t.logLines().find((l) => l.msg === 'call')).toMatchObject({ status: 200, fhirFailure: 'review-failed' });
    expect(t.logText()).not.toContain(PATIENT_ID);
  });

  it('answers 500 with a generic body when the reviewer fails unexpectedly', async () => {
    t.reviewer.failWith = new Error('engine exploded for patient pt-1');
    const res = await post(hookRequest({ prefetch: fullPrefetch() })).expect(500);
    expect(res.body).toEqual({ error: 'internal error' });
  });
});

describe('412 when a needed key cannot be fetched', () => {
  loopbackOnly();
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ FHIR_SERVER_ALLOWLIST: 'http://allowed.example/fhir' });
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(() => nock.cleanAll());

  const partial = () => without(fullPrefetch(), 'procedures');

  async function expect412(body: object): Promise<void> {
    const res = await request(t.app).post(SERVICE_URL).send(body).expect(412);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].severity).toBe('error');
    expect(res.body.issue[0].diagnostics).toContain('procedures');
    expect(t.reviewer.reviews).toHaveLength(0);
  }

  it('no fhirServer and a missing key', async () => {
    await expect412(without(without(hookRequest({ prefetch: partial() }), 'fhirServer'), 'fhirAuthorization'));
  });

  it.each([
    'http://fhir.test/r4',
    'http://allowed.example.evil.test/fhir',
    'http://allowed.example@other.host/fhir',
    'http://allowed.example:81/fhir',
    'https://allowed.example/fhir',
    'http://allowed.example/fhir-other',
    'http://allowed.example/',
    'http://allowed.example/fhir?x=1',
  ])('fhirServer %s is not on the allowlist', async (fhirServer) => {
    const target = nock(new URL(fhirServer).origin).get(/.*/).reply(200, searchset([]));
    await expect412(hookRequest({ fhirServer, prefetch: partial() }));
    expect(target.isDone()).toBe(false);
  });

  it('reads from an allowed server and from paths under it', async () => {
    const scope = fhirWithTokenAt('http://allowed.example', '/fhir/R4');
    const res = await request(t.app).post(SERVICE_URL).send(hookRequest({ fhirServer: 'http://allowed.example/fhir/R4', prefetch: partial() })).expect(200);
    expect(scope.isDone()).toBe(true);
    expect(res.body.cards).toHaveLength(1);
  });

  it('needs no server when every key is prefetched, whatever fhirServer says', async () => {
    await request(t.app).post(SERVICE_URL).send(hookRequest({ fhirServer: 'http://not-allowed.example/fhir', prefetch: fullPrefetch() })).expect(200);
  });
});

function fhirWithTokenAt(origin: string, basePath: string): nock.Scope {
  return nock(origin)
    .matchHeader('authorization', 'Bearer tok')
    .get(`${basePath}/Procedure`)
    .query({ patient: PATIENT_ID })
    .reply(200, searchset([resourceOf('Procedure', 'p1')]));
}

describe('FHIR servers when FHIR_SERVER_ALLOWLIST is unset', () => {
  afterEach(() => nock.cleanAll());

  it('loopback servers are allowed outside production', async () => {
    const t = await buildTestApp({ FHIR_SERVER_ALLOWLIST: undefined });
    try {
      const scope = nock('http://127.0.0.1:8090').get('/fhir/Procedure').query({ patient: PATIENT_ID }).reply(200, searchset([]));
      await request(t.app)
        .post(SERVICE_URL)
        .send(hookRequest({ fhirServer: 'http://127.0.0.1:8090/fhir', prefetch: without(fullPrefetch(), 'procedures') }))
        .expect(200);
      expect(scope.isDone()).toBe(true);
      await request(t.app)
        .post(SERVICE_URL)
        .send(hookRequest({ fhirServer: 'http://fhir.test/r4', prefetch: without(fullPrefetch(), 'procedures') }))
        .expect(412);
    } finally {
      await t.close();
    }
  });

  it('no server is allowed in production', async () => {
    const t = await buildTestApp({ FHIR_SERVER_ALLOWLIST: undefined, NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://cds.example.org', CDS_AUTH: 'required' });
    try {
      await request(t.app)
        .post(SERVICE_URL)
        .send(hookRequest({ fhirServer: 'http://127.0.0.1:8090/fhir', prefetch: without(fullPrefetch(), 'procedures') }))
        .expect(412);
    } finally {
      await t.close();
    }
  });
});

describe('the Sandbox request with a triggering order', () => {
  it('fetches only the declared keys the Sandbox did not send, from its open server, and ignores its extra keys', async () => {
    const t = await buildTestApp({ FHIR_SERVER_ALLOWLIST: 'http://127.0.0.1:8090/fhir' });
    try {
      const { readFileSync } = await import('node:fs');
      const sandbox = (JSON.parse(readFileSync(path.join(EXTERNAL, 'sandbox', 'order-sign-request.json'), 'utf8')) as { body: Record<string, unknown> }).body;
      const body = structuredClone(sandbox) as { context: { draftOrders: { entry: unknown[] } } };
      body.context.draftOrders.entry.push({ resource: { ...triggeringOrder('sr-sandbox'), subject: { reference: 'Patient/lumbar-pt-1' } } });
      const fhir = nock('http://127.0.0.1:8090', { badheaders: ['authorization'] });
      fhir.get('/fhir/ImagingStudy').query({ patient: 'lumbar-pt-1' }).reply(200, searchset([]));
      fhir.get('/fhir/DiagnosticReport').query({ patient: 'lumbar-pt-1' }).reply(200, searchset([]));
      const res = await request(t.app).post(SERVICE_URL).send(body).expect(200);
      expect(fhir.isDone()).toBe(true);
      expect(res.body.cards).toHaveLength(1);
      const record = t.reviewer.reviews[0]!.record;
      expect(record.conditions.map((c) => c.id)).toEqual(['cond-stenosis', 'cond-spondylolisthesis', 'cond-radiculopathy']);
      expect(record.procedures.map((p) => p.id)).toEqual(['proc-pt']);
      expect(record.patient?.id).toBe('lumbar-pt-1');
    } finally {
      nock.cleanAll();
      await t.close();
    }
  });
});
