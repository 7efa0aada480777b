import { Writable } from 'node:stream';
import { generateKeyPair } from 'jose';
import { pino } from 'pino';
import request from 'supertest';
import { createCdsAuth } from '../../src/auth/cds-auth.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { clientToken, makeClient, trustedClientsFile, type TestClient } from './support/client-tokens.js';
import { FEEDBACK_PATH, SEED_TOPICS, SERVICE_PATH, seedPrefetch, seedRequest, topicsOf } from './support/seed.js';
import { startService, type ServiceUnderTest } from './support/service.js';

/**
 * CDS client authentication through the whole service (CDS_AUTH=required, a trusted-clients file, the app
 * behind a proxy at https://cds.example.org/spine): discovery, hook and feedback calls need a token whose
 * aud is PUBLIC_BASE_URL plus the path; everything else of the service needs none.
 */
const PUBLIC = 'https://cds.example.org/spine';
const aud = (path: string) => `${PUBLIC}${path}`;
const MISSING = 'Bearer realm="spine-cds"';
const INVALID = 'Bearer realm="spine-cds", error="invalid_token", error_description="The bearer token was not accepted."';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

let ehr: TestClient;
let stranger: TestClient;
let s: ServiceUnderTest;

beforeAll(async () => {
  ehr = await makeClient('https://ehr.example.org');
  stranger = await makeClient('https://stranger.example.org');
  s = await startService({ CDS_AUTH: 'required', CDS_TRUSTED_CLIENTS: trustedClientsFile([ehr]), PUBLIC_BASE_URL: PUBLIC });
});
afterAll(() => s.close());

const hookBody = () => seedRequest({ prefetch: seedPrefetch() });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('without a token', () => {
  it.each([
    ['discovery', () => request(s.url).get('/cds-services')],
    ['a hook call', () => request(s.url).post(SERVICE_PATH).send(hookBody())],
    ['feedback', () => request(s.url).post(FEEDBACK_PATH).send({ feedback: [] })],
  ])('%s is refused with 401, a JSON body and a bearer challenge', async (_name, call) => {
    const res = await call().expect(401);
    expect(res.headers['www-authenticate']).toBe(MISSING);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ error: 'unauthorized', message: 'A bearer token is required.' });
  });

  it.each(['/healthz', '/readyz', '/metrics', '/criteria/lumbar-fusion-criteria'])('%s needs none', async (path) => {
    await request(s.url).get(path).expect(200);
  });
});

describe('with a token that must not pass', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const bad: [string, () => Promise<string>][] = [
    ['not a JWT', async () => 'not-a-jwt'],
    ['signed by another key under the client kid', async () => clientToken(ehr, aud(SERVICE_PATH), { signWith: stranger.privateKey })],
    ['from an issuer nobody trusts', async () => clientToken(stranger, aud(SERVICE_PATH))],
    ['aud without the proxy prefix', async () => clientToken(ehr, `https://cds.example.org${SERVICE_PATH}`)],
    ['aud of another endpoint', async () => clientToken(ehr, aud('/cds-services'))],
    ['aud on another host', async () => clientToken(ehr, `https://cds.example.org.evil.test/spine${SERVICE_PATH}`)],
    ['expired', async () => clientToken(ehr, aud(SERVICE_PATH), { claims: { iat: now() - 900, exp: now() - 600 } })],
    ['issued in the future', async () => clientToken(ehr, aud(SERVICE_PATH), { claims: { iat: now() + 600, exp: now() + 900 } })],
    ['without jti', async () => clientToken(ehr, aud(SERVICE_PATH), { claims: { jti: undefined } })],
    ['without kid', async () => clientToken(ehr, aud(SERVICE_PATH), { header: { kid: undefined } })],
    ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT', kid: ehr.kid })}.${b64({ iss: ehr.iss, aud: aud(SERVICE_PATH), iat: now(), exp: now() + 60, jti: 'x-none' })}.`],
    [
      'HMAC signed',
      async () => {
        const { SignJWT } = await import('jose');
        return new SignJWT({ iss: ehr.iss, aud: aud(SERVICE_PATH), jti: 'x-hmac' })
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: ehr.kid })
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('a-shared-secret-anyone-could-guess'));
      },
    ],
    [
      'ES256 (not allowed unless configured)',
      async () => {
        const { privateKey } = await generateKeyPair('ES256');
        return clientToken(ehr, aud(SERVICE_PATH), { header: { alg: 'ES256' }, signWith: privateKey });
      },
    ],
  ];

  it('is refused with the same 401 whatever check it failed, and never reaches the reviewer', async () => {
    const answers = new Set<string>();
    for (const [name, make] of bad) {
      const token = await make();
      const res = await request(s.url).post(SERVICE_PATH).set(bearer(token)).send(hookBody());
      expect({ name, status: res.status }).toEqual({ name, status: 401 });
      answers.add(JSON.stringify([res.headers['www-authenticate'], res.body]));
    }
    expect([...answers]).toEqual([JSON.stringify([INVALID, { error: 'unauthorized', message: 'The bearer token was not accepted.' }])]);
    expect(await s.metricsText()).not.toMatch(/spine_cds_cards_total\{/);
  });

  it('is refused on discovery and feedback too', async () => {
    const forged = async (path: string) => bearer(await clientToken(ehr, aud(path), { signWith: stranger.privateKey }));
    const discovery = await request(s.url).get('/cds-services').set(await forged('/cds-services')).expect(401);
    const feedback = await request(s.url).post(FEEDBACK_PATH).set(await forged(FEEDBACK_PATH)).send({ feedback: [] }).expect(401);
    for (const res of [discovery, feedback]) expect(res.headers['www-authenticate']).toBe(INVALID);
  });

  it('is logged with its reason but without the token, and counted by reason in /metrics', async () => {
    const expired = await clientToken(ehr, aud(SERVICE_PATH), { claims: { iat: Math.floor(Date.now() / 1000) - 900, exp: Math.floor(Date.now() / 1000) - 600 } });
    await request(s.url).post(SERVICE_PATH).set(bearer(expired)).send(hookBody()).expect(401);
    const refusal = [...s.logLines()].reverse().find((l) => l.msg === 'CDS client refused');
    expect(refusal).toMatchObject({ reason: 'expired', method: 'POST', path: SERVICE_PATH });
    for (const part of expired.split('.')) expect(s.logText()).not.toContain(part);

    const metrics = await s.metricsText();
    for (const reason of ['missing-token', 'malformed', 'bad-signature', 'unknown-issuer', 'bad-audience', 'expired', 'iat-in-future', 'bad-alg']) {
      expect(metrics).toMatch(new RegExp(`spine_cds_auth_refusals_total\\{reason="${reason}"\\} [1-9]`));
    }
    expect(metrics).toMatch(/spine_cds_hook_calls_total\{service="lumbar-fusion-criteria",status="401"\} [1-9]/);
  });
});

describe('with a good token', () => {
  it('serves discovery, the hook call and feedback, each with a token for its own URL', async () => {
    const discovery = await request(s.url)
      .get('/cds-services')
      .set(bearer(await clientToken(ehr, aud('/cds-services'))))
      .expect(200);
    expect(discovery.body.services.map((x: { id: string }) => x.id)).toEqual(['lumbar-fusion-criteria']);

    const hook = await request(s.url)
      .post(SERVICE_PATH)
      .set(bearer(await clientToken(ehr, aud(SERVICE_PATH))))
      .send(hookBody())
      .expect(200);
    expect(topicsOf(hook.body)).toEqual(SEED_TOPICS);

    const card = hook.body.cards.find((c: { source: { topic: { code: string } } }) => c.source.topic.code === 'inpatient-recommended');
    const feedback = {
      feedback: [{ card: card.uuid, outcome: 'overridden', overrideReason: { userComment: 'reviewed' }, outcomeTimestamp: new Date().toISOString() }],
    };
    // A token for the hook URL is not one for the feedback URL.
    await request(s.url).post(FEEDBACK_PATH).set(bearer(await clientToken(ehr, aud(SERVICE_PATH)))).send(feedback).expect(401);
    await request(s.url).post(FEEDBACK_PATH).set(bearer(await clientToken(ehr, aud(FEEDBACK_PATH)))).send(feedback).expect(200, { received: 1 });
  });

  it('ignores the query string and the Host header when it checks aud', async () => {
    await request(s.url)
      .get('/cds-services?x=1')
      .set('Host', 'attacker.example')
      .set(bearer(await clientToken(ehr, aud('/cds-services'))))
      .expect(200);
  });

  it('is refused when it comes a second time (replay)', async () => {
    const token = await clientToken(ehr, aud(SERVICE_PATH));
    await request(s.url).post(SERVICE_PATH).set(bearer(token)).send(hookBody()).expect(200);
    const replay = await request(s.url).post(SERVICE_PATH).set(bearer(token)).send(hookBody()).expect(401);
    expect(replay.headers['www-authenticate']).toBe(INVALID);
    expect([...s.logLines()].reverse().find((l) => l.msg === 'CDS client refused')).toMatchObject({ reason: 'replay' });
    expect(await s.metricsText()).toContain('spine_cds_auth_refusals_total{reason="replay"} 1');
  });
});

describe('the CDS_AUTH setting', () => {
  it('defaults to required in production, where off is a configuration error naming CDS_AUTH', () => {
    expect(loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://cds.example.org' }).CDS_AUTH).toBe('required');
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://cds.example.org', CDS_AUTH: 'off' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://cds.example.org', CDS_AUTH: 'off' })).toThrow(/CDS_AUTH: CDS_AUTH=off is not allowed/);
  });

  it('off (outside production) serves callers without a token and warns at start-up', async () => {
    let log = '';
    const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, done) => ((log += String(c)), done()) }));
    createCdsAuth(loadConfig({ NODE_ENV: 'development', CDS_AUTH: 'off' }), { logger });
    expect(JSON.parse(log)).toMatchObject({ level: 40, msg: expect.stringContaining('CDS_AUTH=off') });

    const open = await startService({ CDS_AUTH: 'off' });
    try {
      await request(open.url).get('/cds-services').expect(200);
      expect(open.logLines()[0]).toMatchObject({ level: 40, msg: expect.stringContaining('authentication is OFF') });
    } finally {
      await open.close();
    }
  });
});
