import nock from 'nock';
import request from 'supertest';
import type { Card } from '../../src/cards/types.js';
import { REVIEW_SHARE_OF_DEADLINE } from '../../src/cds/hook-route.js';
import { loadConfig } from '../../src/config.js';
import { assertValidCard } from '../support/card-validity.js';
import { DETERMINATIONS, SERVICE_PATH, SEED_PATIENT, fhirAuthorization, mockSeedServer, searchset, seedChart, seedPrefetch, seedRequest, topicsOf } from './support/seed.js';
import { startService, type ServiceUnderTest } from './support/service.js';
import { loopbackOnly } from '../support/loopback-only.js';

/**
 * Whatever the FHIR server does (hang, fail, refuse, send garbage), a hook call ends with 200 and exactly one
 * evaluation-unavailable card, never a determination made on part of the chart, and within HOOK_DEADLINE_MS.
 * The elapsed-time bounds are correctness bounds (the server would hang for 10 s), not speed measurements.
 */
const FHIR = 'http://fhir.example.test/r4';
const TOKEN = 'deadline-token';
const DEADLINE_MS = 300;
/** Generous room for the test's own HTTP round trip and a busy machine; the hanging server answers only after 10 s. */
const MARGIN_MS = 1500;
const HANG_MS = 10_000;

let s: ServiceUnderTest;
loopbackOnly();
beforeAll(async () => {
  // Each FHIR request may take longer than the whole call: the hook deadline has to cut it.
  s = await startService({ FHIR_SERVER_ALLOWLIST: FHIR, HOOK_DEADLINE_MS: String(DEADLINE_MS), FHIR_REQUEST_TIMEOUT_MS: '5000' });
});
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});
afterAll(async () => {
  await s.close();
});

function withoutPrefetchOf(keys: string[]): object {
  const prefetch = seedPrefetch();
  for (const k of keys) delete prefetch[k];
  return seedRequest({ fhirServer: FHIR, fhirAuthorization: fhirAuthorization(TOKEN), prefetch });
}

async function timedCall(service: ServiceUnderTest, body: object): Promise<{ cards: Card[]; elapsed: number }> {
  const started = performance.now();
  const res = await request(service.url).post(SERVICE_PATH).send(body).timeout(HANG_MS).expect(200);
  return { cards: res.body.cards as Card[], elapsed: performance.now() - started };
}

function expectOnlyUnavailable(cards: Card[]): void {
  expect(cards.map((c) => c.source.topic.code)).toEqual(['evaluation-unavailable']);
  cards.forEach(assertValidCard);
  expect(cards.some((c) => DETERMINATIONS.includes(c.source.topic.code))).toBe(false);
}

const server = () => nock('http://fhir.example.test').matchHeader('authorization', `Bearer ${TOKEN}`);
const conditions = seedChart().filter((r) => r.resourceType === 'Condition');

describe('the deadline settings', () => {
  it('HOOK_DEADLINE_MS defaults to 3000, with each FHIR request timed out well inside it', () => {
    const config = loadConfig({});
    expect(config.HOOK_DEADLINE_MS).toBe(3000);
    expect(config.FHIR_REQUEST_TIMEOUT_MS).toBeLessThan(config.HOOK_DEADLINE_MS * (1 - REVIEW_SHARE_OF_DEADLINE));
  });
});

describe('a FHIR server that fails: one evaluation-unavailable card within the deadline', () => {
  const searchOnce = (reply: (i: nock.Interceptor) => nock.Scope) => reply(server().get('/r4/Condition').query({ patient: SEED_PATIENT }));
  const cases: [string, string[], () => void][] = [
    ['hangs on one search', ['conditions'], () => searchOnce((i) => i.delay(HANG_MS).reply(200, searchset(conditions)))],
    [
      'hangs on every read',
      ['patient', 'conditions', 'procedures', 'observations', 'imagingStudies', 'diagnosticReports'],
      () => server().persist().get(/.*/).delay(HANG_MS).reply(200, searchset([])),
    ],
    ['hangs after the headers', ['conditions'], () => searchOnce((i) => i.delayBody(HANG_MS).reply(200, searchset(conditions)))],
    [
      'pages slowly past the deadline',
      ['conditions'],
      () => {
        let page = 0;
        server()
          .persist()
          .get('/r4/Condition')
          .query(true)
          .delay(DEADLINE_MS / 3)
          .reply(() => [200, searchset(conditions.slice(0, 1), `${FHIR}/Condition?patient=${SEED_PATIENT}&page=${++page}`)]);
      },
    ],
    ['answers 500', ['conditions'], () => searchOnce((i) => i.reply(500, { resourceType: 'OperationOutcome' }))],
    ['answers 503 on the Patient read', ['patient'], () => server().get(`/r4/Patient/${SEED_PATIENT}`).reply(503)],
    ['refuses the token (401)', ['conditions'], () => searchOnce((i) => i.reply(401, { resourceType: 'OperationOutcome' }))],
    ['forbids the read (403)', ['conditions'], () => searchOnce((i) => i.reply(403, ''))],
    ['sends HTML', ['conditions'], () => searchOnce((i) => i.reply(200, '<html><body>proxy error</body></html>', { 'Content-Type': 'text/html' }))],
    ['sends truncated JSON', ['conditions'], () => searchOnce((i) => i.reply(200, '{"resourceType":"Bundle","entry":[{"resource":', { 'Content-Type': 'application/fhir+json' }))],
    ['sends an empty body', ['conditions'], () => searchOnce((i) => i.reply(200, '', { 'Content-Type': 'application/fhir+json' }))],
    ['sends JSON that is not a Bundle', ['conditions'], () => searchOnce((i) => i.reply(200, { resourceType: 'Patient', id: SEED_PATIENT }))],
    ['sends a JSON array', ['conditions'], () => searchOnce((i) => i.reply(200, [searchset(conditions)]))],
    ['sends a JSON string', ['conditions'], () => searchOnce((i) => i.reply(200, '"Bundle"', { 'Content-Type': 'application/json' }))],
    ['sends a Bundle whose entry is not a list', ['conditions'], () => searchOnce((i) => i.reply(200, { resourceType: 'Bundle', entry: { resource: conditions[0] } }))],
    ['answers the Patient read with another resource type', ['patient'], () => server().get(`/r4/Patient/${SEED_PATIENT}`).reply(200, searchset([]))],
    ['resets the connection', ['conditions'], () => searchOnce((i) => i.replyWithError({ code: 'ECONNRESET', message: 'socket hang up' }))],
  ];

  it.each(cases)('%s', async (_name, missing, arrange) => {
    arrange();
    const { cards, elapsed } = await timedCall(s, withoutPrefetchOf(missing));
    expectOnlyUnavailable(cards);
    expect(elapsed).toBeLessThan(DEADLINE_MS + MARGIN_MS);
  });
});

describe('per-request timeouts inside the deadline', () => {
  it('a hanging request is cut at FHIR_REQUEST_TIMEOUT_MS, long before a 3 s hook deadline', async () => {
    const quick = await startService({ FHIR_SERVER_ALLOWLIST: FHIR, HOOK_DEADLINE_MS: '3000', FHIR_REQUEST_TIMEOUT_MS: '100' });
    try {
      server().get('/r4/Condition').query({ patient: SEED_PATIENT }).delay(HANG_MS).reply(200, searchset(conditions));
      const { cards, elapsed } = await timedCall(quick, withoutPrefetchOf(['conditions']));
      expectOnlyUnavailable(cards);
      expect(cards[0]!.summary).toContain('did not arrive in time');
      expect(elapsed).toBeLessThan(3000);
    } finally {
      await quick.close();
    }
  });
});

describe('time for the review is kept inside the deadline', () => {
  let roomy: ServiceUnderTest;
  beforeAll(async () => {
    roomy = await startService({ FHIR_SERVER_ALLOWLIST: FHIR, HOOK_DEADLINE_MS: '2000', FHIR_REQUEST_TIMEOUT_MS: '5000' });
  });
  afterAll(() => roomy.close());

  it('a record arriving after the reads\' share of the deadline is not reviewed', async () => {
    // 1700 ms is inside the 2000 ms deadline but past the 1600 ms the reads may take.
    server().get('/r4/Condition').query({ patient: SEED_PATIENT }).delay(1700).reply(200, searchset(conditions));
    const { cards, elapsed } = await timedCall(roomy, withoutPrefetchOf(['conditions']));
    expectOnlyUnavailable(cards);
    expect(elapsed).toBeLessThan(2000 + MARGIN_MS);
  });

  it('a record arriving in time is reviewed', async () => {
    mockSeedServer(FHIR, TOKEN);
    const { cards } = await timedCall(roomy, withoutPrefetchOf(['conditions', 'observations']));
    expect(topicsOf({ cards })).toEqual(['criteria-met', 'inpatient-recommended']);
  });
});
