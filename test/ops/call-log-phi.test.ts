import nock from 'nock';
import request from 'supertest';
import { clientToken, makeClient, trustedClientsFile, type TestClient } from '../security/support/client-tokens.js';
import { SEED_PATIENT, SEED_TOPICS, SERVICE_PATH, fhirAuthorization, mockSeedServer, seedChart, seedPrefetch, seedRequest } from '../security/support/seed.js';
import { startService, type ServiceUnderTest } from '../security/support/service.js';
import { loopbackOnly } from '../support/loopback-only.js';

/**
 * The per-call log line of a full hook call (CDS client JWT, FHIR server with the seed chart, real reviewer),
 * and what the whole log must never hold: the patient id, the access token, the client's JWT, or anything
 * from the chart's resources.
 */
const PUBLIC = 'https://cds.example.org';
const FHIR = 'https://fhir.hospital.test/r4';
const ACCESS_TOKEN = 'fhir-access-token-9f3b2c';

let ehr: TestClient;
let s: ServiceUnderTest;
loopbackOnly();
beforeAll(async () => {
  ehr = await makeClient();
  s = await startService({ CDS_AUTH: 'required', CDS_TRUSTED_CLIENTS: trustedClientsFile([ehr]), PUBLIC_BASE_URL: PUBLIC, FHIR_SERVER_ALLOWLIST: FHIR });
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await s.close();
});

/** Every string of the chart that says something about the patient (ids, names, dates, texts, displays), not code systems. */
function chartStrings(): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.length >= 5 && !/^(https?:|urn:)/.test(v)) out.add(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(seedChart());
  return [...out];
}

describe('the log of a full hook call', () => {
  let jwt: string;
  let res: request.Response;
  beforeAll(async () => {
    mockSeedServer(FHIR, ACCESS_TOKEN);
    jwt = await clientToken(ehr, `${PUBLIC}${SERVICE_PATH}`);
    res = await request(s.url)
      .post(SERVICE_PATH)
      .set('Authorization', `Bearer ${jwt}`)
      .send(seedRequest({ fhirServer: FHIR, fhirAuthorization: fhirAuthorization(ACCESS_TOKEN) }))
      .expect(200);
  });

  it('is one line with request id, hookInstance, service, status, latency, FHIR calls and their latency, card topics', () => {
    const calls = s.logLines().filter((l) => l.msg === 'call');
    expect(calls).toHaveLength(1);
    const line = calls[0]!;
    expect(line).toMatchObject({
      reqId: res.headers['x-request-id'],
      hookInstance: seedRequest().hookInstance,
      service: 'lumbar-fusion-criteria',
      status: 200,
      fhirCalls: 6,
    });
    expect([...(line.cardTopics as string[])].sort()).toEqual(SEED_TOPICS);
    expect(line.latencyMs).toEqual(expect.any(Number));
    expect(line.fhirMs).toEqual(expect.any(Number));
    expect(line.fhirMs as number).toBeLessThanOrEqual((line.fhirCalls as number) * (line.latencyMs as number));
  });

  it('holds no patient id, no token, no JWT and nothing from the chart', () => {
    const text = s.logText();
    const secrets = [SEED_PATIENT, ACCESS_TOKEN, jwt, ...jwt.split('.'), 'Bearer ', ...chartStrings()];
    expect(chartStrings()).toEqual(expect.arrayContaining(['Brenner', 'Walter', '1958-07-22', 'MRN-100234']));
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
    // And the cards, which quote the chart, are not logged either.
    for (const card of res.body.cards as { summary: string; detail?: string }[]) {
      expect(text).not.toContain(card.summary);
    }
  });
});

describe('the log of calls that fail', () => {
  it('a FHIR server refusing the token: the reason, nothing of the request', async () => {
    nock(FHIR.replace('/r4', '')).get(/.*/).times(6).reply(401, { resourceType: 'OperationOutcome', issue: [{ diagnostics: `token ${ACCESS_TOKEN} not valid for ${SEED_PATIENT}` }] });
    const token = await clientToken(ehr, `${PUBLIC}${SERVICE_PATH}`);
    await request(s.url)
      .post(SERVICE_PATH)
      .set('Authorization', `Bearer ${token}`)
      .send(seedRequest({ fhirServer: FHIR, fhirAuthorization: fhirAuthorization(ACCESS_TOKEN) }))
      .expect(200);
    const line = s.logLines().filter((l) => l.msg === 'call').pop();
    expect(line).toMatchObject({ status: 200, fhirFailure: 'refused', cardTopics: ['evaluation-unavailable'] });
    expect(s.logText()).not.toContain(SEED_PATIENT);
    expect(s.logText()).not.toContain(ACCESS_TOKEN);
  });

  it('a request the service refuses (400): its status, nothing of its body', async () => {
    const token = await clientToken(ehr, `${PUBLIC}${SERVICE_PATH}`);
    const body = seedRequest({ prefetch: { ...seedPrefetch(), conditions: 'Brenner has a foot drop' } });
    await request(s.url).post(SERVICE_PATH).set('Authorization', `Bearer ${token}`).send(body).expect(400);
    expect(s.logLines().filter((l) => l.msg === 'call').pop()).toMatchObject({ status: 400, service: 'lumbar-fusion-criteria' });
    expect(s.logText()).not.toContain('foot drop');
    expect(s.logText()).not.toContain(SEED_PATIENT);
  });
});
