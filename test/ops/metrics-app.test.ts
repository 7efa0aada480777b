import nock from 'nock';
import request from 'supertest';
import { clientToken, makeClient, trustedClientsFile, type TestClient } from '../security/support/client-tokens.js';
import { FEEDBACK_PATH, SEED_PATIENT, SERVICE_PATH, fhirAuthorization, mockSeedServer, seedPrefetch, seedRequest } from '../security/support/seed.js';
import { startService, type ServiceUnderTest } from '../security/support/service.js';
import { loopbackOnly } from '../support/loopback-only.js';

/**
 * GET /metrics after driving the wired service: calls by service and status, latency histograms, FHIR fetch
 * latency and failures, cards by topic, feedback by topic and outcome, authentication refusals by reason.
 */
const PUBLIC = 'https://cds.example.org';
const FHIR = 'https://fhir.hospital.test/r4';
const TOKEN = 'metrics-access-token';

interface CardJson {
  uuid: string;
  source: { topic: { code: string } };
  suggestions?: { uuid: string }[];
}

let ehr: TestClient;
let s: ServiceUnderTest;
let text: string;

const bearer = async (path: string) => ({ Authorization: `Bearer ${await clientToken(ehr, `${PUBLIC}${path}`)}` });
const count = (series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
};

loopbackOnly();
beforeAll(async () => {
  ehr = await makeClient();
  s = await startService({ CDS_AUTH: 'required', CDS_TRUSTED_CLIENTS: trustedClientsFile([ehr]), PUBLIC_BASE_URL: PUBLIC, FHIR_SERVER_ALLOWLIST: FHIR });

  // Two reviews: one from prefetch, one read from the FHIR server.
  const fromPrefetch = await request(s.url).post(SERVICE_PATH).set(await bearer(SERVICE_PATH)).send(seedRequest({ prefetch: seedPrefetch() })).expect(200);
  const reviewFromServer = async () => {
    await request(s.url)
      .post(SERVICE_PATH)
      .set(await bearer(SERVICE_PATH))
      .send(seedRequest({ fhirServer: FHIR, fhirAuthorization: fhirAuthorization(TOKEN) }))
      .expect(200);
    nock.cleanAll();
  };
  mockSeedServer(FHIR, TOKEN);
  await reviewFromServer();
  // A FHIR server failing: an evaluation-unavailable card.
  nock('https://fhir.hospital.test').get(/.*/).times(6).reply(503);
  await reviewFromServer();
  // A bad request, and refused clients.
  await request(s.url).post(SERVICE_PATH).set(await bearer(SERVICE_PATH)).send({ hook: 'order-sign' }).expect(400);
  await request(s.url).post(SERVICE_PATH).send(seedRequest()).expect(401);
  await request(s.url).post(SERVICE_PATH).set(await bearer('/cds-services')).send(seedRequest()).expect(401);
  // Feedback: the inpatient suggestion accepted, the determination overridden.
  const cards = fromPrefetch.body.cards as CardJson[];
  const inpatient = cards.find((c) => c.source.topic.code === 'inpatient-recommended')!;
  const met = cards.find((c) => c.source.topic.code === 'criteria-met')!;
  const at = new Date().toISOString();
  await request(s.url)
    .post(FEEDBACK_PATH)
    .set(await bearer(FEEDBACK_PATH))
    .send({
      feedback: [
        { card: inpatient.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: inpatient.suggestions![0]!.uuid }], outcomeTimestamp: at },
        { card: met.uuid, outcome: 'overridden', overrideReason: { userComment: 'disagree' }, outcomeTimestamp: at },
      ],
    })
    .expect(200, { received: 2 });

  const res = await request(s.url).get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  text = res.text;
});
afterAll(async () => {
  await s.close();
});

describe('GET /metrics after driving the service', () => {
  it('counts calls by service and status, with a latency histogram for each', () => {
    expect(count('spine_cds_hook_calls_total{service="lumbar-fusion-criteria",status="200"}')).toBe(4); // 3 hook calls and 1 feedback call
    expect(count('spine_cds_hook_calls_total{service="lumbar-fusion-criteria",status="400"}')).toBe(1);
    expect(count('spine_cds_hook_calls_total{service="lumbar-fusion-criteria",status="401"}')).toBe(2);
    expect(count('spine_cds_hook_duration_seconds_count{service="lumbar-fusion-criteria",status="200"}')).toBe(4);
    expect(count('spine_cds_hook_duration_seconds_bucket{le="+Inf",service="lumbar-fusion-criteria",status="200"}')).toBe(4);
    expect(text).toMatch(/spine_cds_hook_duration_seconds_sum\{service="lumbar-fusion-criteria",status="200"\} \d/);
  });

  it('measures FHIR fetches by resource type and counts failures by reason', () => {
    for (const type of ['Patient', 'Condition', 'Procedure', 'Observation', 'ImagingStudy', 'DiagnosticReport']) {
      expect({ type, fetches: count(`spine_cds_fhir_fetch_duration_seconds_count{resource_type="${type}"}`) }).toEqual({ type, fetches: 1 });
    }
    expect(count('spine_cds_fhir_fetch_failures_total{reason="error-status"}')).toBe(1);
  });

  it('counts cards by topic', () => {
    expect(count('spine_cds_cards_total{topic="criteria-met"}')).toBe(2);
    expect(count('spine_cds_cards_total{topic="inpatient-recommended"}')).toBe(2);
    expect(count('spine_cds_cards_total{topic="evaluation-unavailable"}')).toBe(1);
  });

  it('counts feedback by topic and outcome', () => {
    expect(count('spine_cds_feedback_total{topic="inpatient-recommended",outcome="accepted"}')).toBe(1);
    expect(count('spine_cds_feedback_total{topic="criteria-met",outcome="overridden"}')).toBe(1);
  });

  it('counts authentication refusals by reason', () => {
    expect(count('spine_cds_auth_refusals_total{reason="missing-token"}')).toBe(1);
    expect(count('spine_cds_auth_refusals_total{reason="bad-audience"}')).toBe(1);
  });

  it('holds no patient id or token', () => {
    expect(text).not.toContain(SEED_PATIENT);
    expect(text).not.toContain(TOKEN);
  });
});
