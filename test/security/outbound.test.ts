import nock from 'nock';
import request from 'supertest';
import { SERVICE_PATH, SEED_PATIENT, fhirAuthorization, mockSeedServer, searchset, seedChart, seedPrefetch, seedRequest, topicsOf } from './support/seed.js';
import { startService, type ServiceUnderTest } from './support/service.js';
import { loopbackOnly } from '../support/loopback-only.js';

/**
 * Outbound safety: the service calls only FHIR servers on FHIR_SERVER_ALLOWLIST, compared as parsed URLs,
 * and the access token goes to no other host, neither by a redirect nor by a next-page link.
 */
const ALLOWED = 'http://allowed.example/fhir';
const TOKEN = 'secret-access-token';

let s: ServiceUnderTest;
/**
 * Every outgoing request nock had no interceptor for, except the test's own calls to the service on
 * 127.0.0.1 (with net connect disabled, no other reaches the network).
 */
let unmatched: string[];
const onNoMatch = (req: { method?: string; href?: string; path?: string; host?: string }) => {
  const target = `${req.method ?? ''} ${req.href ?? `${req.host ?? ''}${req.path ?? ''}`}`;
  if (!target.includes('//127.0.0.1:')) unmatched.push(target);
};

loopbackOnly();
beforeAll(async () => {
  s = await startService({ FHIR_SERVER_ALLOWLIST: ALLOWED, FHIR_REQUEST_TIMEOUT_MS: '1000', HOOK_DEADLINE_MS: '2000' });
  nock.emitter.on('no match', onNoMatch);
});
beforeEach(() => {
  unmatched = [];
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  nock.emitter.removeListener('no match', onNoMatch);
  await s.close();
});

/** The seed request with only `conditions` left to read from `fhirServer`. */
function needingConditions(fhirServer: string): object {
  const { conditions: _read, ...prefetch } = seedPrefetch();
  return seedRequest({ fhirServer, fhirAuthorization: fhirAuthorization(TOKEN), prefetch });
}

/** An interceptor on `origin` for anything, recording whether it was called and with which Authorization. */
function trap(origin: string): { called: () => boolean; authorizations: (string | undefined)[] } {
  const authorizations: (string | undefined)[] = [];
  const scope = nock(origin)
    .persist()
    .get(/.*/)
    .reply(function reply() {
      authorizations.push(this.req.headers.authorization);
      return [200, searchset([])];
    });
  return { called: () => authorizations.length > 0 || scope.activeMocks().length === 0, authorizations };
}

describe('FHIR servers that only look allowed: 412, and no request at all', () => {
  it.each([
    ['a host that extends the allowed one', 'http://allowed.example.evil.test/fhir', 'http://allowed.example.evil.test'],
    ['the allowed host as user info in front of another host', 'http://allowed.example@other.host/fhir', 'http://other.host'],
    ['user info on the allowed host', 'http://user:pw@allowed.example/fhir', 'http://allowed.example'],
    ['another port', 'http://allowed.example:8080/fhir', 'http://allowed.example:8080'],
    ['another scheme', 'https://allowed.example/fhir', 'https://allowed.example'],
    ['a path that only starts like the allowed one', 'http://allowed.example/fhir-other', 'http://allowed.example'],
    ['a path above the allowed one', 'http://allowed.example/', 'http://allowed.example'],
    ['a query on the base', 'http://allowed.example/fhir?redirect=http://other.host', 'http://allowed.example'],
    ['another host entirely', 'http://169.254.169.254/latest/meta-data', 'http://169.254.169.254'],
  ])('%s: %s', async (_name, fhirServer, origin) => {
    const target = trap(origin);
    const res = await request(s.url).post(SERVICE_PATH).send(needingConditions(fhirServer)).expect(412);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'incomplete' }] });
    expect(target.called()).toBe(false);
    expect(unmatched).toEqual([]);
  });

  it('while the allowed server itself is read, with the token', async () => {
    const { calls } = mockSeedServer(ALLOWED, TOKEN);
    const res = await request(s.url).post(SERVICE_PATH).send(needingConditions(ALLOWED)).expect(200);
    expect(topicsOf(res.body)).toEqual(['criteria-met', 'inpatient-recommended']);
    expect(calls).toEqual([`/fhir/Condition?patient=${SEED_PATIENT}`]);
    expect(unmatched).toEqual([]);
  });
});

describe('a redirect from the allowed server is not followed', () => {
  it.each([301, 302, 303, 307, 308])('%i to another host: evaluation-unavailable, and the other host never hears of it', async (status) => {
    nock('http://allowed.example')
      .matchHeader('authorization', `Bearer ${TOKEN}`)
      .get('/fhir/Condition')
      .query(true)
      .reply(status, '', { Location: 'http://collector.example/fhir/Condition?patient=x' });
    const collector = trap('http://collector.example');
    const res = await request(s.url).post(SERVICE_PATH).send(needingConditions(ALLOWED)).expect(200);
    expect(topicsOf(res.body)).toEqual(['evaluation-unavailable']);
    expect(collector.called()).toBe(false);
    expect(collector.authorizations).toEqual([]);
    expect(unmatched).toEqual([]);
  });
});

describe('a next-page link off the allowed base is refused', () => {
  const conditions = seedChart().filter((r) => r.resourceType === 'Condition');
  it.each([
    ['another host', 'http://collector.example/fhir/Condition?page=2', 'http://collector.example'],
    ['a look-alike host', 'http://allowed.example.collector.example/fhir/Condition?page=2', 'http://allowed.example.collector.example'],
    ['user info in front of another host', 'http://allowed.example@collector.example/fhir/Condition?page=2', 'http://collector.example'],
    ['another port', 'http://allowed.example:8443/fhir/Condition?page=2', 'http://allowed.example:8443'],
    ['another scheme', 'https://allowed.example/fhir/Condition?page=2', 'https://allowed.example'],
    ['a sibling path', 'http://allowed.example/fhir-other/Condition?page=2', 'http://allowed.example'],
    ['a scheme-relative link', '//collector.example/fhir/Condition?page=2', 'http://collector.example'],
  ])('%s: %s', async (_name, next, origin) => {
    nock('http://allowed.example')
      .matchHeader('authorization', `Bearer ${TOKEN}`)
      .get('/fhir/Condition')
      .query({ patient: SEED_PATIENT })
      .reply(200, searchset(conditions.slice(0, 2), next));
    const target = trap(origin);
    const res = await request(s.url).post(SERVICE_PATH).send(needingConditions(ALLOWED)).expect(200);
    expect(topicsOf(res.body)).toEqual(['evaluation-unavailable']);
    expect(target.authorizations).toEqual([]);
    expect(unmatched).toEqual([]);
  });

  it('a next link under the allowed base is followed, with the token', async () => {
    const scope = nock('http://allowed.example').matchHeader('authorization', `Bearer ${TOKEN}`);
    scope.get('/fhir/Condition').query({ patient: SEED_PATIENT }).reply(200, searchset(conditions.slice(0, 2), `${ALLOWED}/Condition?patient=${SEED_PATIENT}&page=2`));
    scope.get('/fhir/Condition').query({ patient: SEED_PATIENT, page: '2' }).reply(200, searchset(conditions.slice(2)));
    const res = await request(s.url).post(SERVICE_PATH).send(needingConditions(ALLOWED)).expect(200);
    expect(topicsOf(res.body)).toEqual(['criteria-met', 'inpatient-recommended']);
    expect(scope.isDone()).toBe(true);
  });
});
