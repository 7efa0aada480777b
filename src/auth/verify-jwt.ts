/**
 * Verifies the JWT a CDS client sends with every call (CDS Hooks 2.0, "Trusting CDS Clients"):
 * header alg (ES384/RS384, plus ES256/RS256 when configured; never none or HMAC), typ JWT and kid;
 * payload iss (a trusted client), aud (the URL of the endpoint invoked), exp (in the future, and at most five
 * minutes away), iat, jti; signature by that client's key; and a jti never seen before within the token's lifetime.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWSAlgorithm, type JWTPayload } from 'jose';
import { AuthenticationError } from '../errors.js';
import { ClientKeys, type RemoteKeyOptions } from './client-keys.js';
import { ReplayCache, type ReplayGuard } from './replay-cache.js';
import type { TrustedClient } from './trusted-clients.js';

/** Internal reasons, for logs and metrics only: the caller is told in general terms. */
export type AuthFailureReason =
  | 'missing-token'
  /** Credentials of another scheme (Basic ...): not a bearer token at all. */
  | 'not-bearer'
  | 'malformed'
  | 'bad-alg'
  | 'bad-typ'
  | 'missing-header'
  | 'missing-claim'
  | 'unknown-issuer'
  | 'unknown-key'
  | 'jku-not-allowed'
  | 'jwks-unavailable'
  | 'bad-signature'
  | 'bad-audience'
  | 'expired'
  | 'exp-too-far'
  | 'not-yet-valid'
  | 'iat-in-future'
  | 'replay';

export const DEFAULT_ALGORITHMS: JWSAlgorithm[] = ['ES384', 'RS384'];
/** A replay-cache key is issuer plus jti; a longer jti is not a nonce but an attempt to fill memory. */
const MAX_JTI_LENGTH = 512;
/**
 * How far in the future `exp` may be (plus the clock allowance). CDS Hooks sets no bound; five minutes is SMART
 * Backend Services' bound for the same kind of signed client assertion, and what the Sandbox and `npm run client`
 * sign for. A stolen token is usable that long at most, and the replay cache holds each jti that long at most,
 * which is what keeps it small.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 300;

export interface VerifiedCdsClient {
  iss: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  kid: string;
  alg: string;
  /** The healthcare organisation invoking the service, when the client says. */
  tenant?: string;
}

export interface JwtVerifier {
  /**
   * Checks the `Authorization` header value for a call to the endpoint whose URL is `audience` (or any
   * of several equivalent URLs). Resolves with the verified client or rejects with AuthenticationError.
   */
  verify(authorization: string | undefined, audience: string | string[]): Promise<VerifiedCdsClient>;
}

export interface JwtVerifierOptions {
  clients: TrustedClient[];
  /** Allowed beside ES384 and RS384 (CDS_AUTH_EXTRA_ALGS). */
  extraAlgorithms?: readonly ('ES256' | 'RS256')[];
  /** How far in the future `iat` (and `nbf`) may be, and `exp` beyond its five minutes, for clocks that disagree. */
  clockSkewSeconds?: number;
  remote?: RemoteKeyOptions;
  replay?: ReplayGuard;
  /** Current time in milliseconds (tests). */
  now?: () => number;
}

function refuse(reason: AuthFailureReason): never {
  throw new AuthenticationError('CDS client token refused', reason);
}

/** The token of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 7235). */
function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') refuse('missing-token');
  if (!/^Bearer(?: |$)/i.test(authorization.trim())) refuse('not-bearer');
  const match = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i.exec(authorization);
  if (!match) refuse('malformed');
  return match[1]!;
}

/** Maps jose's errors, thrown after the key was found, onto our reasons. */
function reasonOf(err: unknown): AuthFailureReason {
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return 'missing-claim';
    if (err.reason === 'invalid') return 'malformed';
    switch (err.claim) {
      case 'aud':
        return 'bad-audience';
      case 'iss':
        return 'unknown-issuer';
      case 'typ':
        return 'bad-typ';
      case 'nbf':
        return 'not-yet-valid';
      case 'iat':
        return 'iat-in-future';
      default:
        return 'malformed';
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'bad-alg';
  return 'malformed';
}

export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const algorithms: JWSAlgorithm[] = [...DEFAULT_ALGORITHMS, ...(options.extraAlgorithms ?? [])];
  const skew = options.clockSkewSeconds ?? 60;
  const now = options.now ?? Date.now;
  const replay = options.replay ?? new ReplayCache();
  const clients = new Map(options.clients.map((c) => [c.iss, c]));
  const keys = new ClientKeys(options.clients, options.remote);

  return {
    async verify(authorization, audience) {
      const token = bearerToken(authorization);
      let header: ReturnType<typeof decodeProtectedHeader>;
      let unverified: JWTPayload;
      try {
        header = decodeProtectedHeader(token);
        unverified = decodeJwt(token);
      } catch {
        refuse('malformed');
      }
      // Cheap refusals first; none of them is revealed to the caller, so their order leaks nothing.
      if (typeof header.alg !== 'string' || !algorithms.includes(header.alg as JWSAlgorithm)) refuse('bad-alg');
      if (header.typ === undefined || header.kid === undefined) refuse('missing-header');
      if (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT') refuse('bad-typ');
      if (typeof header.kid !== 'string' || header.kid === '') refuse('malformed');
      if (unverified.iss === undefined) refuse('missing-claim');
      const client = typeof unverified.iss === 'string' ? clients.get(unverified.iss) : undefined;
      if (!client) refuse('unknown-issuer');
      const getKey = keys.resolverFor(client, header.jku);

      const nowMs = now();
      const nowSeconds = Math.floor(nowMs / 1000);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          algorithms,
          typ: 'JWT',
          issuer: client.iss,
          audience,
          requiredClaims: ['exp', 'iat', 'jti'],
          // jose applies the tolerance to nbf and exp alike; exp is checked strictly below.
          clockTolerance: skew,
          currentDate: new Date(nowMs),
        }));
      } catch (err) {
        if (err instanceof AuthenticationError) throw err;
        refuse(reasonOf(err));
      }
      // jose has checked that exp and iat are numbers and present.
      const exp = payload.exp as number;
      const iat = payload.iat as number;
      if (exp <= nowSeconds) refuse('expired');
      // iat first: a client whose clock runs ahead would otherwise be told only that its exp is too far.
      if (iat > nowSeconds + skew) refuse('iat-in-future');
      if (exp > nowSeconds + MAX_TOKEN_LIFETIME_SECONDS + skew) refuse('exp-too-far');
      const { jti } = payload;
      if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) refuse('malformed');
      if (payload.tenant !== undefined && typeof payload.tenant !== 'string') refuse('malformed');
      // Only a token that passed every other check may claim its jti: a forged one must not burn a real client's nonce.
      if (!replay.remember(`${client.iss}\u0000${jti}`, exp, nowSeconds)) refuse('replay');

      return {
        iss: client.iss,
        aud: payload.aud as string | string[],
        exp,
        iat,
        jti,
        kid: header.kid,
        alg: header.alg,
        ...(typeof payload.tenant === 'string' ? { tenant: payload.tenant } : {}),
      };
    },
  };
}
