import { createHmac } from 'node:crypto';
import { SignJWT, exportJWK } from 'jose';
import { clientJwt } from '../../src/cli/test-client.js';
import nock from 'nock';
import { AuthenticationError } from '../../src/errors.js';
import type { TrustedClient } from '../../src/auth/trusted-clients.js';
import { createJwtVerifier, type JwtVerifierOptions } from '../../src/auth/verify-jwt.js';
import { DISCOVERY_URL, EHR, NOW, NOW_MS, SERVICE_URL, defaultClaims, freshJti, makeKey, rawToken, signToken, type TestKey } from './helpers.js';

let es384: TestKey;
let rs384: TestKey;
let es256: TestKey;
let stranger: TestKey;

beforeAll(async () => {
  [es384, rs384, es256] = await Promise.all([makeKey('ES384'), makeKey('RS384'), makeKey('ES256')]);
  // Same kid as the trusted ES384 key, different key pair: a forger's key.
  stranger = { ...(await makeKey('ES384')), kid: es384.kid };
  nock.disableNetConnect();
});
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

function client(extra: Partial<TrustedClient> = {}): TrustedClient {
  return { iss: EHR, jwks: { keys: [es384.publicJwk, rs384.publicJwk, es256.publicJwk] }, jkuAllowlist: [], ...extra };
}

function verifier(options: Partial<JwtVerifierOptions> = {}) {
  return createJwtVerifier({ clients: [client()], now: () => NOW_MS, ...options });
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AuthenticationError);
    return (err as AuthenticationError).reason;
  }
  throw new Error('expected the token to be refused');
}

const bearer = (token: string) => `Bearer ${token}`;

describe('valid tokens', () => {
  it('accepts an ES384 token and returns its claims', async () => {
    const token = await signToken({ key: es384, claims: { tenant: 'hospital-1' } });
    const verified = await verifier().verify(bearer(token), SERVICE_URL);
    expect(verified).toMatchObject({ iss: EHR, aud: SERVICE_URL, kid: es384.kid, alg: 'ES384', tenant: 'hospital-1', exp: NOW + 300 });
  });

  it('accepts an RS384 token', async () => {
    const token = await signToken({ key: rs384 });
    await expect(verifier().verify(bearer(token), SERVICE_URL)).resolves.toMatchObject({ alg: 'RS384' });
  });

  it('accepts an aud array that contains the endpoint, and the scheme in any case', async () => {
    const token = await signToken({ key: es384, claims: { aud: ['https://other.example.org', SERVICE_URL] } });
    await expect(verifier().verify(`bearer ${token}`, SERVICE_URL)).resolves.toMatchObject({ iss: EHR });
  });

  it('accepts iat up to 60 s in the future (clock skew)', async () => {
    const token = await signToken({ key: es384, claims: { iat: NOW + 50 } });
    await expect(verifier().verify(bearer(token), SERVICE_URL)).resolves.toMatchObject({ iat: NOW + 50 });
  });

  it('accepts the tokens of npm run client and of the CDS Hooks Sandbox (five minutes), even from a clock a minute ahead', async () => {
    const v = verifier();
    const privateJwk = { ...(await exportJWK(es384.privateKey)), kid: es384.kid, alg: 'ES384' };
    const fromClient = await clientJwt({ iss: EHR, privateJwk }, SERVICE_URL, new Date(NOW_MS));
    await expect(v.verify(bearer(fromClient), SERVICE_URL)).resolves.toMatchObject({ iss: EHR, exp: NOW + 300 });
    const ahead = await clientJwt({ iss: EHR, privateJwk }, SERVICE_URL, new Date(NOW_MS + 60_000));
    await expect(v.verify(bearer(ahead), SERVICE_URL)).resolves.toMatchObject({ exp: NOW + 360 });
    // The Sandbox's shape (sandbox src/retrieve-data-helpers/jwt-generator.js): iat now, exp now + 300.
    const sandboxLike = await signToken({ key: es384, claims: { iat: NOW, exp: NOW + 300 } });
    await expect(v.verify(bearer(sandboxLike), SERVICE_URL)).resolves.toMatchObject({ exp: NOW + 300 });
  });

  it('accepts ES256 only when configured', async () => {
    const token = await signToken({ key: es256 });
    expect(await reasonOf(verifier().verify(bearer(token), SERVICE_URL))).toBe('bad-alg');
    await expect(verifier({ extraAlgorithms: ['ES256'] }).verify(bearer(token), SERVICE_URL)).resolves.toMatchObject({ alg: 'ES256' });
  });
});

describe('refusals', () => {
  it('missing or unreadable Authorization header', async () => {
    const v = verifier();
    expect(await reasonOf(v.verify(undefined, SERVICE_URL))).toBe('missing-token');
    expect(await reasonOf(v.verify('', SERVICE_URL))).toBe('missing-token');
    expect(await reasonOf(v.verify('Basic dXNlcjpwYXNz', SERVICE_URL))).toBe('not-bearer');
    expect(await reasonOf(v.verify('Bearer', SERVICE_URL))).toBe('malformed');
    expect(await reasonOf(v.verify('Bearer not-a-jwt', SERVICE_URL))).toBe('malformed');
    expect(await reasonOf(v.verify('Bearer a.b.c', SERVICE_URL))).toBe('malformed');
  });

  it('alg none', async () => {
    const token = rawToken({ alg: 'none', typ: 'JWT', kid: es384.kid }, defaultClaims());
    expect(await reasonOf(verifier().verify(bearer(token), SERVICE_URL))).toBe('bad-alg');
  });

  it('HS256 signed with the client public key as the secret', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(es384.publicJwk));
    const token = await new SignJWT(defaultClaims()).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: es384.kid }).sign(secret);
    expect(await reasonOf(verifier().verify(bearer(token), SERVICE_URL))).toBe('bad-alg');
    // Even with the header claiming ES384, an HMAC over the public key is no valid signature.
    const header = { alg: 'ES384', typ: 'JWT', kid: es384.kid };
    const unsigned = rawToken(header, defaultClaims()).slice(0, -1);
    const mac = createHmac('sha384', JSON.stringify(es384.publicJwk)).update(unsigned).digest('base64url');
    expect(await reasonOf(verifier().verify(bearer(`${unsigned}.${mac}`), SERVICE_URL))).toBe('bad-signature');
  });

  it('typ or kid missing, or typ not JWT', async () => {
    const v = verifier();
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, header: { typ: undefined } })), SERVICE_URL))).toBe('missing-header');
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, header: { kid: undefined } })), SERVICE_URL))).toBe('missing-header');
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, header: { typ: 'at+jwt' } })), SERVICE_URL))).toBe('bad-typ');
  });

  it('issuer not trusted, or missing', async () => {
    const v = verifier();
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, claims: { iss: 'https://evil.example' } })), SERVICE_URL))).toBe('unknown-issuer');
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, claims: { iss: undefined } })), SERVICE_URL))).toBe('missing-claim');
  });

  it('signature by another key, or a payload changed after signing', async () => {
    const v = verifier();
    expect(await reasonOf(v.verify(bearer(await signToken({ key: stranger })), SERVICE_URL))).toBe('bad-signature');
    const [h, , s] = (await signToken({ key: es384 })).split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...defaultClaims(), tenant: 'x' })).toString('base64url')}.${s}`;
    expect(await reasonOf(v.verify(bearer(tampered), SERVICE_URL))).toBe('bad-signature');
  });

  it('a kid the client does not have, with no key URL to look in', async () => {
    const token = await signToken({ key: { ...es384, kid: 'rotated-away' } });
    expect(await reasonOf(verifier().verify(bearer(token), SERVICE_URL))).toBe('unknown-key');
  });

  it('audience of another host, of another endpoint, with a query string, or missing', async () => {
    const v = verifier();
    const aud = async (value: unknown) => reasonOf(v.verify(bearer(await signToken({ key: es384, claims: { aud: value } })), SERVICE_URL));
    expect(await aud('https://other.example.org/cds-services/lumbar-fusion-criteria')).toBe('bad-audience');
    expect(await aud(DISCOVERY_URL)).toBe('bad-audience');
    expect(await aud(`${SERVICE_URL}/feedback`)).toBe('bad-audience');
    expect(await aud(`${SERVICE_URL}?x=1`)).toBe('bad-audience');
    expect(await aud(`${SERVICE_URL}/`)).toBe('bad-audience');
    expect(await aud([DISCOVERY_URL])).toBe('bad-audience');
    expect(await aud(undefined)).toBe('missing-claim');
  });

  it('expired, at expiry, or without exp', async () => {
    const v = verifier();
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, claims: { iat: NOW - 600, exp: NOW - 30 } })), SERVICE_URL))).toBe('expired');
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, claims: { exp: NOW } })), SERVICE_URL))).toBe('expired');
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, claims: { exp: undefined } })), SERVICE_URL))).toBe('missing-claim');
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, claims: { exp: String(NOW + 60) } })), SERVICE_URL))).toBe('malformed');
  });

  it('exp more than five minutes (plus the 60 s clock allowance) away', async () => {
    const v = verifier();
    const exp = async (claims: Record<string, unknown>) => reasonOf(v.verify(bearer(await signToken({ key: es384, claims })), SERVICE_URL));
    expect(await exp({ iat: NOW, exp: NOW + 10 * 365 * 86400 })).toBe('exp-too-far');
    // Issued long ago, still valid for an hour: the lifetime left is what a thief could use.
    expect(await exp({ iat: NOW - 365 * 86400, exp: NOW + 3600 })).toBe('exp-too-far');
    expect(await exp({ iat: NOW, exp: NOW + 361 })).toBe('exp-too-far');
    await expect(v.verify(bearer(await signToken({ key: es384, claims: { iat: NOW, exp: NOW + 360 } })), SERVICE_URL)).resolves.toMatchObject({ exp: NOW + 360 });
  });

  it('iat two minutes in the future, or missing', async () => {
    const v = verifier();
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, claims: { iat: NOW + 120, exp: NOW + 400 } })), SERVICE_URL))).toBe('iat-in-future');
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, claims: { iat: undefined } })), SERVICE_URL))).toBe('missing-claim');
  });

  it('nbf beyond the clock skew', async () => {
    const token = await signToken({ key: es384, claims: { nbf: NOW + 120 } });
    expect(await reasonOf(verifier().verify(bearer(token), SERVICE_URL))).toBe('not-yet-valid');
  });

  it('jti missing, empty or not a string', async () => {
    const v = verifier();
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, claims: { jti: undefined } })), SERVICE_URL))).toBe('missing-claim');
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, claims: { jti: '' } })), SERVICE_URL))).toBe('malformed');
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384, claims: { jti: 42 } })), SERVICE_URL))).toBe('malformed');
  });

  it('a replayed token, while a forged token does not burn a real nonce', async () => {
    const v = verifier();
    const jti = freshJti();
    expect(await reasonOf(v.verify(bearer(await signToken({ key: stranger, claims: { jti } })), SERVICE_URL))).toBe('bad-signature');
    const token = await signToken({ key: es384, claims: { jti } });
    await expect(v.verify(bearer(token), SERVICE_URL)).resolves.toMatchObject({ jti });
    expect(await reasonOf(v.verify(bearer(token), SERVICE_URL))).toBe('replay');
    // A new token reusing the jti is a replay too.
    expect(await reasonOf(v.verify(bearer(await signToken({ key: rs384, claims: { jti } })), SERVICE_URL))).toBe('replay');
  });

  it('a token past its exp is refused as expired, so its replay entry need not outlive it', async () => {
    let now = NOW_MS;
    const v = verifier({ now: () => now });
    const token = await signToken({ key: es384, claims: { exp: NOW + 10 } });
    await v.verify(bearer(token), SERVICE_URL);
    now += 11_000;
    expect(await reasonOf(v.verify(bearer(token), SERVICE_URL))).toBe('expired');
  });
});

describe('jku and remote key sets', () => {
  const JWKS_HOST = 'https://keys.ehr.example.org';
  const JWKS_PATH = '/.well-known/jwks.json';

  it('refuses a jku that is not on the client allowlist, without fetching it', async () => {
    const v = createJwtVerifier({ clients: [client({ jkuAllowlist: [`${JWKS_HOST}${JWKS_PATH}`] })], now: () => NOW_MS });
    const token = await signToken({ key: es384, header: { jku: 'https://attacker.example/jwks.json' } });
    expect(await reasonOf(v.verify(bearer(token), SERVICE_URL))).toBe('jku-not-allowed');
    const lookalike = await signToken({ key: es384, header: { jku: `${JWKS_HOST}.attacker.example${JWKS_PATH}` } });
    expect(await reasonOf(v.verify(bearer(lookalike), SERVICE_URL))).toBe('jku-not-allowed');
    const noAllowlist = await signToken({ key: es384, header: { jku: `${JWKS_HOST}${JWKS_PATH}` } });
    expect(await reasonOf(verifier().verify(bearer(noAllowlist), SERVICE_URL))).toBe('jku-not-allowed');
  });

  it('prefers inline keys when an allowed jku is named (no network)', async () => {
    const v = createJwtVerifier({ clients: [client({ jkuAllowlist: [`${JWKS_HOST}${JWKS_PATH}`] })], now: () => NOW_MS });
    const token = await signToken({ key: es384, header: { jku: `${JWKS_HOST}${JWKS_PATH}` } });
    await expect(v.verify(bearer(token), SERVICE_URL)).resolves.toMatchObject({ iss: EHR });
  });

  it('fetches an allowed jku for a kid the inline keys lack', async () => {
    const rotated = await makeKey('ES384', 'rotated-in');
    const scope = nock(JWKS_HOST).get(JWKS_PATH).reply(200, { keys: [rotated.publicJwk] });
    const v = createJwtVerifier({ clients: [client({ jkuAllowlist: [`${JWKS_HOST}${JWKS_PATH}`] })], now: () => NOW_MS });
    const token = await signToken({ key: rotated, header: { jku: `${JWKS_HOST}${JWKS_PATH}` } });
    await expect(v.verify(bearer(token), SERVICE_URL)).resolves.toMatchObject({ kid: 'rotated-in' });
    expect(scope.isDone()).toBe(true);
  });

  it('fetches the jwksUrl once and serves later tokens from the cache', async () => {
    const scope = nock(JWKS_HOST).get(JWKS_PATH).once().reply(200, { keys: [es384.publicJwk, rs384.publicJwk] });
    const v = createJwtVerifier({ clients: [{ iss: EHR, jwksUrl: `${JWKS_HOST}${JWKS_PATH}`, jkuAllowlist: [] }], now: () => NOW_MS });
    await expect(v.verify(bearer(await signToken({ key: es384 })), SERVICE_URL)).resolves.toMatchObject({ alg: 'ES384' });
    expect(scope.isDone()).toBe(true);
    // No interceptor is left: a second fetch would fail with jwks-unavailable.
    await expect(v.verify(bearer(await signToken({ key: rs384 })), SERVICE_URL)).resolves.toMatchObject({ alg: 'RS384' });
    // jku equal to the client's jwksUrl is allowed.
    await expect(v.verify(bearer(await signToken({ key: es384, header: { jku: `${JWKS_HOST}${JWKS_PATH}` } })), SERVICE_URL)).resolves.toBeDefined();
    expect(await reasonOf(v.verify(bearer(await signToken({ key: stranger })), SERVICE_URL))).toBe('bad-signature');
  });

  it('fetches again once the cache lifetime is over', async () => {
    const scope = nock(JWKS_HOST).get(JWKS_PATH).twice().reply(200, { keys: [es384.publicJwk] });
    const v = createJwtVerifier({ clients: [{ iss: EHR, jwksUrl: `${JWKS_HOST}${JWKS_PATH}`, jkuAllowlist: [] }], now: () => NOW_MS, remote: { cacheMaxAgeMs: 0 } });
    await v.verify(bearer(await signToken({ key: es384 })), SERVICE_URL);
    await v.verify(bearer(await signToken({ key: es384 })), SERVICE_URL);
    expect(scope.isDone()).toBe(true);
  });

  it('refuses, rather than hangs, when the key set does not answer in time', async () => {
    nock(JWKS_HOST).get(JWKS_PATH).delay(10_000).reply(200, { keys: [es384.publicJwk] });
    const v = createJwtVerifier({ clients: [{ iss: EHR, jwksUrl: `${JWKS_HOST}${JWKS_PATH}`, jkuAllowlist: [] }], now: () => NOW_MS, remote: { timeoutMs: 100 } });
    expect(await reasonOf(v.verify(bearer(await signToken({ key: es384 })), SERVICE_URL))).toBe('jwks-unavailable');
  });

  it('refuses when the key set answers with an error or garbage', async () => {
    const jwksUrl = `${JWKS_HOST}${JWKS_PATH}`;
    const make = () => createJwtVerifier({ clients: [{ iss: EHR, jwksUrl, jkuAllowlist: [] }], now: () => NOW_MS });
    nock(JWKS_HOST).get(JWKS_PATH).reply(500, 'oops');
    expect(await reasonOf(make().verify(bearer(await signToken({ key: es384 })), SERVICE_URL))).toBe('jwks-unavailable');
    nock(JWKS_HOST).get(JWKS_PATH).reply(200, 'not json');
    expect(await reasonOf(make().verify(bearer(await signToken({ key: es384 })), SERVICE_URL))).toBe('jwks-unavailable');
    // A redirect is not followed (jose asks fetch not to): the key set must be at the configured URL.
    nock(JWKS_HOST).get(JWKS_PATH).reply(302, '', { Location: 'https://attacker.example/jwks.json' });
    expect(await reasonOf(make().verify(bearer(await signToken({ key: es384 })), SERVICE_URL))).toBe('jwks-unavailable');
    nock(JWKS_HOST).get(JWKS_PATH).reply(200, { keys: [rs384.publicJwk] });
    expect(await reasonOf(make().verify(bearer(await signToken({ key: es384 })), SERVICE_URL))).toBe('unknown-key');
  });
});
