/**
 * Express middleware for the CDS client routes (discovery, hook calls, feedback). Health, readiness,
 * metrics and the criteria page are not CDS calls and must not go through it.
 */
import type { RequestHandler, Response } from 'express';
import type { BaseLogger } from 'pino';
import { AuthenticationError } from '../errors.js';
import type { Metrics } from '../ops/metrics.js';
import { ReplayCacheFullError } from './replay-cache.js';
import type { JwtVerifier, VerifiedCdsClient } from './verify-jwt.js';

export const AUTH_REALM = 'spine-cds';
/** Said for every refused token whatever the check: a forger learns nothing about how close it came. */
export const INVALID_TOKEN_MESSAGE = 'The bearer token was not accepted.';
export const MISSING_TOKEN_MESSAGE = 'A bearer token is required.';

/** Reasons that point at our side (a client's key set could not be fetched) rather than at the caller. */
const SERVICE_SIDE_REASONS = new Set(['jwks-unavailable']);

export interface CdsAuthMiddlewareOptions {
  mode: 'required' | 'off';
  /** Required when mode is 'required'. */
  verifier?: JwtVerifier;
  /** PUBLIC_BASE_URL without a trailing slash: the `aud` expected is this plus the request path. */
  publicBaseUrl: string;
  logger: Pick<BaseLogger, 'warn' | 'error'>;
  metrics?: Pick<Metrics, 'countAuthRefusal'>;
  /**
   * When the base URL's host is loopback, also accept `aud` spelling it as localhost, 127.0.0.1 or [::1]
   * (a browser-based client such as the CDS Hooks Sandbox uses whichever the tester typed). Outside production only.
   */
  loopbackAliases?: boolean;
}

const LOOPBACK_SPELLINGS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The URLs a token for this request may name as `aud`: PUBLIC_BASE_URL plus the path as the client sent
 * it, without the query string (the service may sit behind a proxy, so the Host header is not used).
 */
export function expectedAudiences(publicBaseUrl: string, originalUrl: string, loopbackAliases = false): string[] {
  const path = originalUrl.split('?')[0]!;
  const base = publicBaseUrl.replace(/\/+$/, '');
  const audiences = [`${base}${path}`];
  // The same URL in its usual spelling too (lower-case scheme and host, no default port): the operator may write
  // PUBLIC_BASE_URL one way and the EHR sign `aud` the other, and both name this endpoint.
  const usual = URL.canParse(base) ? `${new URL(base).origin}${new URL(base).pathname}`.replace(/\/+$/, '') : base;
  if (usual !== base) audiences.push(`${usual}${path}`);
  if (loopbackAliases) {
    const url = new URL(base);
    if (LOOPBACK_SPELLINGS.includes(url.hostname)) {
      for (const host of LOOPBACK_SPELLINGS) {
        if (host === url.hostname) continue;
        const alias = new URL(base);
        alias.hostname = host;
        audiences.push(`${alias.href.replace(/\/+$/, '')}${path}`);
      }
    }
  }
  return audiences;
}

function challenge(reason: string): { header: string; message: string } {
  if (reason === 'missing-token' || reason === 'not-bearer') {
    // RFC 6750 section 3.1: no error code when the request carried no credentials, or those of another scheme.
    return { header: `Bearer realm="${AUTH_REALM}"`, message: MISSING_TOKEN_MESSAGE };
  }
  return {
    header: `Bearer realm="${AUTH_REALM}", error="invalid_token", error_description="${INVALID_TOKEN_MESSAGE}"`,
    message: INVALID_TOKEN_MESSAGE,
  };
}

export function cdsAuthMiddleware(opts: CdsAuthMiddlewareOptions): RequestHandler {
  if (opts.mode === 'off') return (_req, _res, next) => next();
  const { verifier } = opts;
  if (!verifier) throw new Error('cdsAuthMiddleware: a verifier is required when mode is "required"');

  return async (req, res, next) => {
    // A CORS preflight never carries credentials; the real request that follows is checked.
    if (req.method === 'OPTIONS') return next();
    let client: VerifiedCdsClient;
    try {
      client = await verifier.verify(req.headers.authorization, expectedAudiences(opts.publicBaseUrl, req.originalUrl, opts.loopbackAliases));
    } catch (err) {
      // originalUrl, not req.path: the middleware is mounted under a prefix. The query string is left out.
      const path = req.originalUrl.split('?')[0];
      if (err instanceof ReplayCacheFullError) {
        // The token is good, but its jti could not be kept, so it cannot be accepted: a 401 would tell the client
        // its credentials are wrong. 503 says the service is out of room and when to come back.
        const reason = 'replay-cache-full';
        opts.logger.error({ reason, method: req.method, path, reqId: res.locals.requestId as string | undefined, retryAfterSeconds: err.retryAfterSeconds }, 'CDS client refused: no room to remember its token id');
        opts.metrics?.countAuthRefusal(reason);
        res
          .status(503)
          .set('Retry-After', String(err.retryAfterSeconds))
          .set('Cache-Control', 'no-store')
          .json({ error: 'busy', message: 'Too many recent calls to remember their token ids; retry later.' });
        return;
      }
      const reason = err instanceof AuthenticationError ? err.reason : 'internal-error';
      const details = { reason, method: req.method, path, reqId: res.locals.requestId as string | undefined };
      const callLog = res.locals.callLog as { authRefusal?: string } | undefined;
      if (callLog) callLog.authRefusal = reason;
      if (SERVICE_SIDE_REASONS.has(reason) || !(err instanceof AuthenticationError)) {
        opts.logger.error(details, 'CDS client refused: could not check its token');
      } else {
        opts.logger.warn(details, 'CDS client refused');
      }
      opts.metrics?.countAuthRefusal(reason);
      const { header, message } = challenge(reason);
      res.status(401).set('WWW-Authenticate', header).set('Cache-Control', 'no-store').json({ error: 'unauthorized', message });
      return;
    }
    res.locals.cdsClient = client;
    next();
  };
}

/** The client verified for this call (undefined when authentication is off). */
export function cdsClientOf(res: Response): VerifiedCdsClient | undefined {
  return res.locals.cdsClient as VerifiedCdsClient | undefined;
}
