/** Builds CDS client authentication from the configuration, once, at start-up. */
import type { RequestHandler } from 'express';
import type { BaseLogger } from 'pino';
import { ConfigError, type Config } from '../config.js';
import type { Metrics } from '../ops/metrics.js';
import type { RemoteKeyOptions } from './client-keys.js';
import { cdsAuthMiddleware } from './middleware.js';
import { SANDBOX_ISSUER, loadTrustedClients, type TrustedClient } from './trusted-clients.js';
import { DEFAULT_ALGORITHMS, createJwtVerifier, type JwtVerifier } from './verify-jwt.js';

export type AuthConfig = Pick<Config, 'NODE_ENV' | 'CDS_AUTH' | 'CDS_TRUSTED_CLIENTS' | 'CDS_AUTH_EXTRA_ALGS' | 'PUBLIC_BASE_URL'>;

export interface CdsAuth {
  mode: 'required' | 'off';
  clients: TrustedClient[];
  /** Present when mode is 'required'. */
  verifier?: JwtVerifier;
  /** For discovery, hook and feedback routes only. */
  middleware: RequestHandler;
}

/** The start-up line saying how callers are authenticated; a warning when they are not. */
export function describeAuthMode(config: AuthConfig, clients: TrustedClient[]): { level: 'info' | 'warn'; message: string } {
  if (config.CDS_AUTH === 'off') {
    return {
      level: 'warn',
      message: 'CDS client authentication is OFF (CDS_AUTH=off): any caller is served. Never expose this service to PHI like this.',
    };
  }
  const algs = ['ES384', 'RS384', ...(config.CDS_AUTH_EXTRA_ALGS ?? [])].join(', ');
  const message = `CDS client authentication required (${algs}); trusted issuers: ${clients.map((c) => c.iss).join(', ')}; aud base ${config.PUBLIC_BASE_URL}`;
  if (clients.some((c) => c.iss === SANDBOX_ISSUER)) {
    // Its private key is published with the Sandbox's source: anyone can sign as it. Fine for a developer, never for PHI.
    return { level: 'warn', message: `${message}. The CDS Hooks Sandbox is trusted, and its private key is public: anyone can call as it` };
  }
  return { level: 'info', message };
}

/**
 * Loads the trusted clients (a bad CDS_TRUSTED_CLIENTS file throws ConfigError), logs the mode once, and
 * returns the middleware. With authentication required and no client trusted at all, every call would be
 * refused: that is a configuration error too.
 */
export function createCdsAuth(
  config: AuthConfig,
  deps: { logger: Pick<BaseLogger, 'info' | 'warn' | 'error'>; metrics?: Pick<Metrics, 'countAuthRefusal'>; remote?: RemoteKeyOptions; readFile?: (path: string) => string },
): CdsAuth {
  const clients = loadTrustedClients(config, deps.readFile);
  if (config.CDS_AUTH === 'required' && clients.length === 0) {
    throw new ConfigError([
      config.CDS_TRUSTED_CLIENTS === undefined
        ? 'CDS_TRUSTED_CLIENTS: required when CDS_AUTH=required in production (no CDS client would be trusted)'
        : `CDS_TRUSTED_CLIENTS (${config.CDS_TRUSTED_CLIENTS}): the file lists no client; with CDS_AUTH=required every call would be refused`,
    ]);
  }
  if (config.CDS_AUTH === 'required') {
    const unusable = unusableKeys(clients, [...DEFAULT_ALGORITHMS, ...(config.CDS_AUTH_EXTRA_ALGS ?? [])]);
    if (unusable.length > 0) throw new ConfigError(unusable);
  }
  const { level, message } = describeAuthMode(config, clients);
  deps.logger[level](message);
  if (config.CDS_AUTH === 'off') {
    return { mode: 'off', clients, middleware: cdsAuthMiddleware({ mode: 'off', publicBaseUrl: config.PUBLIC_BASE_URL, logger: deps.logger }) };
  }
  const verifier = createJwtVerifier({
    clients,
    ...(config.CDS_AUTH_EXTRA_ALGS ? { extraAlgorithms: config.CDS_AUTH_EXTRA_ALGS } : {}),
    ...(deps.remote ? { remote: deps.remote } : {}),
  });
  const middleware = cdsAuthMiddleware({
    mode: 'required',
    verifier,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    logger: deps.logger,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    loopbackAliases: config.NODE_ENV !== 'production',
  });
  return { mode: 'required', clients, verifier, middleware };
}

/** The algorithms a listed public key can verify: its own `alg`, else those of its curve or type. */
function algorithmsOf(key: Record<string, unknown>): string[] {
  if (typeof key.alg === 'string') return [key.alg];
  if (key.kty === 'EC') return key.crv === 'P-256' ? ['ES256'] : key.crv === 'P-384' ? ['ES384'] : [];
  return key.kty === 'RSA' ? ['RS384', 'RS256'] : [];
}

/**
 * Inline keys whose every token would be refused as of a disallowed algorithm (a P-256 key without ES256 allowed):
 * the EHR would meet nothing but 401s, so start-up names them instead. Keys behind a jwksUrl are read at call time.
 */
function unusableKeys(clients: TrustedClient[], allowed: readonly string[]): string[] {
  const problems: string[] = [];
  for (const client of clients) {
    for (const key of client.jwks?.keys ?? []) {
      const algs = algorithmsOf(key as Record<string, unknown>);
      if (algs.some((a) => allowed.includes(a))) continue;
      const kind = key.kty === 'EC' ? `EC ${String(key.crv)}` : String(key.kty);
      problems.push(
        `CDS_TRUSTED_CLIENTS: client ${JSON.stringify(client.iss)} key ${JSON.stringify(key.kid)} (${kind}) verifies only ${algs.join(', ') || 'no allowed algorithm'}, ` +
          `which is not allowed (${allowed.join(', ')}): set CDS_AUTH_EXTRA_ALGS=${algs[0] ?? 'ES256'} or list a P-384 or RSA key`,
      );
    }
  }
  return problems;
}
