import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { AuthenticationError } from '../../src/errors.js';
import { createCdsAuth, describeAuthMode } from '../../src/auth/cds-auth.js';
import { INVALID_TOKEN_MESSAGE, MISSING_TOKEN_MESSAGE, cdsAuthMiddleware, cdsClientOf, expectedAudiences } from '../../src/auth/middleware.js';
import { ReplayCache } from '../../src/auth/replay-cache.js';
import { SANDBOX_ISSUER } from '../../src/auth/trusted-clients.js';
import { createJwtVerifier, type JwtVerifier } from '../../src/auth/verify-jwt.js';
import { createMetrics, type Metrics } from '../../src/ops/metrics.js';
import { BASE, EHR, NOW_MS, SERVICE_URL, makeKey, signToken, type TestKey } from './helpers.js';

let key: TestKey;
let stranger: TestKey;
beforeAll(async () => {
  key = await makeKey('ES384');
  stranger = { ...(await makeKey('ES384')), kid: key.kid };
});

function capturingLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

function verifier(): JwtVerifier {
  return createJwtVerifier({ clients: [{ iss: EHR, jwks: { keys: [key.publicJwk] }, jkuAllowlist: [] }], now: () => NOW_MS });
}

/** The CDS routes behind the middleware; health and metrics outside it, as the app is meant to wire them. */
function app(opts: { mode?: 'required' | 'off'; publicBaseUrl?: string; loopbackAliases?: boolean } = {}) {
  const { logger, lines } = capturingLogger();
  const metrics = createMetrics();
  const a = express();
  a.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  const auth = cdsAuthMiddleware({
    mode: opts.mode ?? 'required',
    verifier: verifier(),
    publicBaseUrl: opts.publicBaseUrl ?? BASE,
    logger,
    metrics,
    ...(opts.loopbackAliases !== undefined ? { loopbackAliases: opts.loopbackAliases } : {}),
  });
  a.use('/cds-services', auth);
  a.options('/cds-services/{*rest}', (_req, res) => void res.status(204).end());
  a.get('/cds-services', (_req, res) => void res.json({ services: [], client: cdsClientOf(res)?.iss ?? 'none' }));
  a.post('/cds-services/:id', (_req, res) => void res.json({ cards: [], client: cdsClientOf(res)?.iss ?? 'none' }));
  return { app: a, lines, metrics };
}

const authz = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('cdsAuthMiddleware, required', () => {
  it('lets a valid token through and exposes the verified client', async () => {
    const { app: a } = app();
    const res = await request(a).post('/cds-services/lumbar-fusion-criteria').set(authz(await signToken({ key }))).send({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [], client: EHR });
  });

  it('checks aud against PUBLIC_BASE_URL plus the path, ignoring the query string and the Host header', async () => {
    const { app: a } = app();
    const discovery = await signToken({ key, claims: { aud: `${BASE}/cds-services` } });
    expect((await request(a).get('/cds-services?x=1').set(authz(discovery))).status).toBe(200);
    // A token for the discovery endpoint does not open the hook endpoint.
    const forDiscovery = await signToken({ key, claims: { aud: `${BASE}/cds-services` } });
    expect((await request(a).post('/cds-services/lumbar-fusion-criteria').set(authz(forDiscovery)).send({})).status).toBe(401);
  });

  it('works behind a proxy with a path prefix', async () => {
    const base = 'https://gateway.example.org/spine';
    const { app: a } = app({ publicBaseUrl: base });
    const good = await signToken({ key, claims: { aud: `${base}/cds-services/lumbar-fusion-criteria` } });
    expect((await request(a).post('/cds-services/lumbar-fusion-criteria').set(authz(good)).send({})).status).toBe(200);
    const local = await signToken({ key, claims: { aud: SERVICE_URL } });
    expect((await request(a).post('/cds-services/lumbar-fusion-criteria').set(authz(local)).send({})).status).toBe(401);
  });

  it('answers 401 with a token-required challenge when no token is sent', async () => {
    const { app: a, metrics } = app();
    const res = await request(a).post('/cds-services/lumbar-fusion-criteria').send({});
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthorized', message: MISSING_TOKEN_MESSAGE });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="spine-cds"');
    expect(await metrics.registry.metrics()).toContain('spine_cds_auth_refusals_total{reason="missing-token"} 1');
  });

  it('answers credentials of another scheme (Basic) with the challenge and no error code (RFC 6750 section 3.1)', async () => {
    const { app: a, metrics } = app();
    const res = await request(a).post('/cds-services/lumbar-fusion-criteria').set('Authorization', 'Basic dXNlcjpwYXNz').send({});
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="spine-cds"');
    expect(await metrics.registry.metrics()).toContain('spine_cds_auth_refusals_total{reason="not-bearer"} 1');
  });

  it('says the same thing whichever check a bad token failed, logs the reason without the token, and counts it', async () => {
    const { app: a, lines, metrics } = app();
    const tokens: Record<string, string> = {
      'bad-signature': await signToken({ key: stranger }),
      'bad-audience': await signToken({ key, claims: { aud: `${BASE}/cds-services/other` } }),
      'unknown-issuer': await signToken({ key, claims: { iss: 'https://evil.example' } }),
      expired: await signToken({ key, claims: { exp: Math.floor(NOW_MS / 1000) - 1 } }),
      'bad-alg': await signToken({ key: { ...(await makeKey('ES256')), kid: key.kid } }),
    };
    const answers = new Set<string>();
    for (const [reason, token] of Object.entries(tokens)) {
      const res = await request(a).post('/cds-services/lumbar-fusion-criteria').set(authz(token)).send({});
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'unauthorized', message: INVALID_TOKEN_MESSAGE });
      answers.add(JSON.stringify([res.headers['www-authenticate'], res.body]));
      const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.reason === reason);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: 40, method: 'POST', path: '/cds-services/lumbar-fusion-criteria', msg: 'CDS client refused' });
    }
    expect(answers.size).toBe(1);
    expect([...answers][0]).toContain('Bearer realm=\\"spine-cds\\", error=\\"invalid_token\\", error_description=\\"The bearer token was not accepted.\\"');
    const logText = lines.join('\n');
    for (const token of Object.values(tokens)) {
      for (const part of token.split('.')) expect(logText).not.toContain(part);
    }
    const text = await metrics.registry.metrics();
    for (const reason of Object.keys(tokens)) expect(text).toContain(`spine_cds_auth_refusals_total{reason="${reason}"} 1`);
  });

  it('refuses a replayed token', async () => {
    const { app: a } = app();
    const token = await signToken({ key });
    expect((await request(a).post('/cds-services/lumbar-fusion-criteria').set(authz(token)).send({})).status).toBe(200);
    expect((await request(a).post('/cds-services/lumbar-fusion-criteria').set(authz(token)).send({})).status).toBe(401);
  });

  it('answers 503 with Retry-After, counted and logged, when the replay cache has no room for a good token', async () => {
    const { logger, lines } = capturingLogger();
    const metrics = createMetrics();
    const full = createJwtVerifier({ clients: [{ iss: EHR, jwks: { keys: [key.publicJwk] }, jkuAllowlist: [] }], now: () => NOW_MS, replay: new ReplayCache(1) });
    const a = express();
    a.use('/cds-services', cdsAuthMiddleware({ mode: 'required', verifier: full, publicBaseUrl: BASE, logger, metrics }));
    a.post('/cds-services/:id', (_req, res) => void res.json({ cards: [] }));
    const post = async (token: string) => request(a).post('/cds-services/lumbar-fusion-criteria').set(authz(token)).send({});
    const first = await signToken({ key });
    expect((await post(first)).status).toBe(200);
    const second = await signToken({ key, claims: { exp: Math.floor(NOW_MS / 1000) + 300 } });
    const res = await post(second);
    expect(res.status).toBe(503);
    // The first token (exp NOW + 300, helpers.ts) frees the room in 300 s.
    expect(res.headers['retry-after']).toBe('300');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ error: 'busy', message: expect.stringContaining('retry later') });
    expect(await metrics.registry.metrics()).toContain('spine_cds_auth_refusals_total{reason="replay-cache-full"} 1');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ level: 50, reason: 'replay-cache-full', retryAfterSeconds: 300 });
    for (const part of second.split('.')) expect(lines.join('\n')).not.toContain(part);
    // The refused token was not remembered, and the first one is still a replay.
    expect((await post(first)).status).toBe(401);
  });

  it('lets CORS preflights and routes outside it through without a token', async () => {
    const { app: a } = app();
    expect((await request(a).options('/cds-services/lumbar-fusion-criteria')).status).toBe(204);
    expect((await request(a).get('/healthz')).status).toBe(200);
  });

  it('accepts loopback spellings of the base URL only when asked to', async () => {
    const token = async () => signToken({ key, claims: { aud: 'http://127.0.0.1:3000/cds-services/lumbar-fusion-criteria' } });
    const strict = app({ publicBaseUrl: 'http://localhost:3000' }).app;
    expect((await request(strict).post('/cds-services/lumbar-fusion-criteria').set(authz(await token())).send({})).status).toBe(401);
    const lenient = app({ publicBaseUrl: 'http://localhost:3000', loopbackAliases: true }).app;
    expect((await request(lenient).post('/cds-services/lumbar-fusion-criteria').set(authz(await token())).send({})).status).toBe(200);
  });
});

describe('cdsAuthMiddleware when the token cannot be checked', () => {
  it('fails closed with the same 401, logged as an error', async () => {
    const { logger, lines } = capturingLogger();
    const failures = [new AuthenticationError('CDS client token refused', 'jwks-unavailable'), new Error('bug')];
    const a = express();
    a.use(
      '/cds-services',
      cdsAuthMiddleware({ mode: 'required', publicBaseUrl: BASE, logger, verifier: { verify: () => Promise.reject(failures.shift()) } }),
    );
    a.get('/cds-services', (_req, res) => void res.json({ services: [] }));
    for (const reason of ['jwks-unavailable', 'internal-error']) {
      const res = await request(a).get('/cds-services').set(authz('a.b.c'));
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'unauthorized', message: INVALID_TOKEN_MESSAGE });
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ level: 50, reason });
    }
  });
});

describe('expectedAudiences', () => {
  it('joins the base and the path, without the query', () => {
    expect(expectedAudiences('https://cds.example.org/', '/cds-services/x?y=1')).toEqual(['https://cds.example.org/cds-services/x']);
    expect(expectedAudiences('https://cds.example.org', '/cds-services', true)).toEqual(['https://cds.example.org/cds-services']);
    expect(expectedAudiences('http://127.0.0.1:3000', '/cds-services', true)).toEqual([
      'http://127.0.0.1:3000/cds-services',
      'http://localhost:3000/cds-services',
      'http://[::1]:3000/cds-services',
    ]);
  });

  it('takes the base as written and in its usual spelling, whichever the EHR signs', () => {
    expect(expectedAudiences('HTTPS://CDS.Example.org:443/spine', '/cds-services')).toEqual([
      'HTTPS://CDS.Example.org:443/spine/cds-services',
      'https://cds.example.org/spine/cds-services',
    ]);
  });
});

describe('cdsAuthMiddleware, off', () => {
  it('passes every call', async () => {
    const { app: a } = app({ mode: 'off' });
    const res = await request(a).post('/cds-services/lumbar-fusion-criteria').set(authz('garbage')).send({});
    expect(res.status).toBe(200);
    expect(res.body.client).toBe('none');
  });
});

describe('createCdsAuth', () => {
  it('off outside production by default, with a warning logged once', () => {
    const { logger, lines } = capturingLogger();
    const auth = createCdsAuth(loadConfig({ NODE_ENV: 'development' }), { logger });
    expect(auth.mode).toBe('off');
    expect(auth.verifier).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: expect.stringContaining('CDS_AUTH=off') });
  });

  it('required outside production without a clients file trusts the Sandbox, and warns that its key is public', () => {
    const { logger, lines } = capturingLogger();
    const config = loadConfig({ NODE_ENV: 'development', CDS_AUTH: 'required', PUBLIC_BASE_URL: 'http://localhost:3000' });
    const auth = createCdsAuth(config, { logger });
    expect(auth.mode).toBe('required');
    expect(auth.clients.map((c) => c.iss)).toEqual([SANDBOX_ISSUER]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: expect.stringContaining(SANDBOX_ISSUER) });
    expect(JSON.parse(lines[0]!).msg).toMatch(/private key is public/);
    expect(describeAuthMode(config, auth.clients).level).toBe('warn');
  });

  it('with a clients file and NODE_ENV left at its default, refuses Sandbox tokens as from an unknown issuer', async () => {
    const { logger, lines } = capturingLogger();
    const metrics: Metrics = createMetrics();
    const config = loadConfig({ CDS_AUTH: 'required', CDS_TRUSTED_CLIENTS: 'clients.json', PUBLIC_BASE_URL: BASE });
    expect(config.NODE_ENV).toBe('development');
    const auth = createCdsAuth(config, { logger, metrics, readFile: () => JSON.stringify([{ iss: EHR, jwks: { keys: [key.publicJwk] } }]) });
    expect(auth.clients.map((c) => c.iss)).toEqual([EHR]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30 });
    const a = express();
    a.use('/cds-services', auth.middleware);
    a.post('/cds-services/:id', (_req, res) => void res.json({ cards: [] }));
    const now = Math.floor(Date.now() / 1000);
    const sandbox = await signToken({
      key: { ...key, kid: '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f' },
      header: { jku: 'https://sandbox.cds-hooks.org/.well-known/jwks.json' },
      claims: { iss: SANDBOX_ISSUER, iat: now, exp: now + 300 },
    });
    expect((await request(a).post('/cds-services/lumbar-fusion-criteria').set(authz(sandbox)).send({})).status).toBe(401);
    expect(await metrics.registry.metrics()).toContain('spine_cds_auth_refusals_total{reason="unknown-issuer"} 1');
  });

  it('refuses to start in production with no trusted client', () => {
    const { logger } = capturingLogger();
    const config = loadConfig({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://cds.example.org' });
    expect(() => createCdsAuth(config, { logger })).toThrow(ConfigError);
    expect(() => createCdsAuth(config, { logger })).toThrow(/CDS_TRUSTED_CLIENTS/);
  });

  it('stops start-up on a bad trusted-clients file, even with authentication off', () => {
    const { logger } = capturingLogger();
    const config = loadConfig({ NODE_ENV: 'development', CDS_TRUSTED_CLIENTS: 'clients.json' });
    expect(() => createCdsAuth(config, { logger, readFile: () => '[{"iss": "x", "jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}}]' })).toThrow(
      /CDS_TRUSTED_CLIENTS \(clients\.json\): clients\[0\]\.jwks\.keys\[0\]: symmetric keys/,
    );
  });

  it('stops start-up on a listed key that no allowed algorithm can verify (a P-256 key without ES256), naming it and the fix', async () => {
    const es256 = await makeKey('ES256');
    const { alg: _alg, ...withoutAlg } = es256.publicJwk;
    const { logger } = capturingLogger();
    const config = loadConfig({ NODE_ENV: 'production', CDS_TRUSTED_CLIENTS: 'clients.json', PUBLIC_BASE_URL: BASE });
    for (const jwk of [es256.publicJwk, withoutAlg]) {
      const readFile = () => JSON.stringify([{ iss: EHR, jwks: { keys: [jwk] } }]);
      expect(() => createCdsAuth(config, { logger, readFile })).toThrow(
        /client "https:\/\/ehr\.example\.org" key "es256-key" \(EC P-256\) verifies only ES256, which is not allowed \(ES384, RS384\): set CDS_AUTH_EXTRA_ALGS=ES256/,
      );
    }
    // With authentication off the keys are never used: nothing to refuse.
    const off = loadConfig({ NODE_ENV: 'development', CDS_AUTH: 'off', CDS_TRUSTED_CLIENTS: 'clients.json' });
    expect(() => createCdsAuth(off, { logger, readFile: () => JSON.stringify([{ iss: EHR, jwks: { keys: [withoutAlg] } }]) })).not.toThrow();
  });

  it('says that an empty clients file lists no client, not that the variable is missing', () => {
    const { logger } = capturingLogger();
    const config = loadConfig({ NODE_ENV: 'development', CDS_AUTH: 'required', CDS_TRUSTED_CLIENTS: 'clients.json', PUBLIC_BASE_URL: BASE });
    expect(() => createCdsAuth(config, { logger, readFile: () => '[]' })).toThrow(/CDS_TRUSTED_CLIENTS \(clients\.json\): the file lists no client/);
  });

  it('in production with a trusted client, refuses Sandbox tokens and accepts the client (ES256 when allowed)', async () => {
    const es256 = await makeKey('ES256');
    const { logger } = capturingLogger();
    const metrics: Metrics = createMetrics();
    const config = loadConfig({ NODE_ENV: 'production', CDS_TRUSTED_CLIENTS: 'clients.json', CDS_AUTH_EXTRA_ALGS: 'ES256', PUBLIC_BASE_URL: BASE });
    const auth = createCdsAuth(config, { logger, metrics, readFile: () => JSON.stringify([{ iss: EHR, jwks: { keys: [es256.publicJwk] } }]) });
    expect(auth.clients.map((c) => c.iss)).toEqual([EHR]);
    const a = express();
    a.use('/cds-services', auth.middleware);
    a.post('/cds-services/:id', (_req, res) => void res.json({ cards: [] }));
    const now = Math.floor(Date.now() / 1000);
    const claims = { iat: now, exp: now + 300 };
    expect((await request(a).post('/cds-services/lumbar-fusion-criteria').set(authz(await signToken({ key: es256, claims }))).send({})).status).toBe(200);
    const sandbox = await signToken({ key: { ...key, kid: '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f' }, claims: { ...claims, iss: SANDBOX_ISSUER } });
    expect((await request(a).post('/cds-services/lumbar-fusion-criteria').set(authz(sandbox)).send({})).status).toBe(401);
    expect(await metrics.registry.metrics()).toContain('spine_cds_auth_refusals_total{reason="unknown-issuer"} 1');
  });

  it('outside production checks a Sandbox token against the shipped key, never fetching its jku', async () => {
    const { logger, lines } = capturingLogger();
    const auth = createCdsAuth(loadConfig({ NODE_ENV: 'development', CDS_AUTH: 'required', PUBLIC_BASE_URL: BASE }), { logger });
    const a = express();
    a.use('/cds-services', auth.middleware);
    a.post('/cds-services/:id', (_req, res) => void res.json({ cards: [] }));
    const now = Math.floor(Date.now() / 1000);
    // Signed with our own key under the Sandbox's kid: it reaches the signature check (the issuer is trusted) and fails there.
    const forged = await signToken({
      key: { ...key, kid: '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f' },
      header: { jku: 'https://sandbox.cds-hooks.org/.well-known/jwks.json' },
      claims: { iss: SANDBOX_ISSUER, iat: now, exp: now + 300 },
    });
    expect((await request(a).post('/cds-services/lumbar-fusion-criteria').set(authz(forged)).send({})).status).toBe(401);
    expect(lines.map((l) => JSON.parse(l)).find((l) => l.reason)).toMatchObject({ reason: 'bad-signature' });
  });
});
