/**
 * The CDS clients (EHRs) this service trusts, read once at start-up from the JSON file named by
 * CDS_TRUSTED_CLIENTS.
 *
 * File format: an array of clients, each `{"iss": "<issuer URI>", ...}` with exactly one key source:
 *   - `"jwks": {"keys": [<public JWK>, ...]}`: the client's public keys given inline, or
 *   - `"jwksUrl": "https://..."`: where the client publishes its JWK Set (fetched, cached, with a timeout);
 * and optionally `"jkuAllowlist": ["https://...", ...]`: the `jku` header values this client may name.
 * A token that names a `jku` not on that list (or equal to `jwksUrl`) is refused. Inline keys are tried
 * first when they hold the token's `kid`, so a client listed with both never needs the network.
 * Keys must be public signature keys (EC P-256/P-384 or RSA >= 2048 bits, with a `kid`): private key
 * material and symmetric (`oct`) keys are refused, since HMAC would let the service forge client tokens.
 * URLs must be https (plain http only for loopback hosts, for local testing).
 *
 * The CDS Hooks Sandbox's private key is published with its source, so anyone can sign as the Sandbox. It is
 * trusted out of the box only in the developer setup: outside production with no CDS_TRUSTED_CLIENTS file.
 * With a file, exactly the clients listed are trusted; to test with the Sandbox then, list it there on
 * purpose (its issuer with the key set of sandbox-jwks.json).
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JSONWebKeySet, JWK } from 'jose';
import { z } from 'zod';
import { isLoopbackHost } from '../loopback-host.js';
import { ConfigError, type Config } from '../config.js';
import sandboxJwks from './sandbox-jwks.json' with { type: 'json' };

export const SANDBOX_ISSUER = 'https://sandbox.cds-hooks.org';
export const SANDBOX_JKU = 'https://sandbox.cds-hooks.org/.well-known/jwks.json';

export interface TrustedClient {
  iss: string;
  /** Inline public keys. */
  jwks?: JSONWebKeySet;
  /** Normalised URL of the client's JWK Set. */
  jwksUrl?: string;
  /** Normalised `jku` values this client may name (jwksUrl is implicitly allowed too). */
  jkuAllowlist: string[];
}

const SIGNING_ALGS = ['ES256', 'ES384', 'RS256', 'RS384'];
/** JWK members that carry private or symmetric key material (RFC 7518 section 6). */
const SECRET_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const keyUrl = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a URL: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)))) {
    ctx.addIssue({ code: 'custom', message: 'must be an https URL (http only for loopback hosts)' });
  }
  if (url.username || url.password || url.hash) {
    ctx.addIssue({ code: 'custom', message: 'must not contain credentials or a fragment' });
  }
  return url.href;
});

const publicJwk = z.looseObject({ kty: z.string() }).superRefine((jwk, ctx) => {
  const problem = (message: string) => ctx.addIssue({ code: 'custom', message });
  if (jwk.kty === 'oct') return problem('symmetric keys (kty "oct") are not allowed: list the client\'s public key');
  const secret = SECRET_MEMBERS.filter((m) => m in jwk);
  if (secret.length > 0) {
    return problem(`private key material (${secret.map((m) => `"${m}"`).join(', ')}) must not be listed: give the public key only`);
  }
  if (jwk.kty !== 'EC' && jwk.kty !== 'RSA') return problem(`kty must be "EC" or "RSA", got ${JSON.stringify(jwk.kty)}`);
  if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) problem('kid is required: tokens name their key by kid');
  if (jwk.use !== undefined && jwk.use !== 'sig') problem('use must be "sig"');
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.every((op) => op === 'verify'))) {
    problem('key_ops, when given, must be ["verify"]');
  }
  if (jwk.alg !== undefined && !SIGNING_ALGS.includes(jwk.alg as string)) {
    problem(`alg must be one of ${SIGNING_ALGS.join(', ')}, got ${JSON.stringify(jwk.alg)}`);
  }
  if (jwk.kty === 'EC' && jwk.crv !== 'P-256' && jwk.crv !== 'P-384') problem('EC keys must use crv P-256 or P-384');
  try {
    const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (jwk.kty === 'RSA' && (bits === undefined || bits < 2048)) problem('RSA keys must be at least 2048 bits');
  } catch (err) {
    problem(`not a valid public key: ${(err as Error).message}`);
  }
});

const jwkSet = z.strictObject({ keys: z.array(publicJwk).min(1, 'must hold at least one key') }).superRefine((set, ctx) => {
  const kids = set.keys.map((k) => k.kid);
  kids.forEach((kid, i) => {
    if (typeof kid === 'string' && kids.indexOf(kid) !== i) {
      ctx.addIssue({ code: 'custom', path: ['keys', i, 'kid'], message: `duplicate kid ${JSON.stringify(kid)}` });
    }
  });
});

const clientSchema = z
  .strictObject({
    iss: z.string().min(1, 'iss is required'),
    jwks: jwkSet.optional(),
    jwksUrl: keyUrl.optional(),
    jkuAllowlist: z.array(keyUrl).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.jwks === undefined) === (c.jwksUrl === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of "jwks" (inline public keys) or "jwksUrl"' });
    }
  });

const clientsSchema = z.array(clientSchema).superRefine((clients, ctx) => {
  const issuers = clients.map((c) => c.iss);
  issuers.forEach((iss, i) => {
    if (issuers.indexOf(iss) !== i) ctx.addIssue({ code: 'custom', path: [i, 'iss'], message: `duplicate iss ${JSON.stringify(iss)}` });
  });
});

function toClient(c: z.output<typeof clientSchema>): TrustedClient {
  return {
    iss: c.iss,
    ...(c.jwks ? { jwks: { keys: c.jwks.keys as JWK[] } } : {}),
    ...(c.jwksUrl ? { jwksUrl: c.jwksUrl } : {}),
    jkuAllowlist: c.jkuAllowlist ?? [],
  };
}

/** `clients[1].jwks.keys[0]`: where in the file a problem sits. */
function formatPath(path: PropertyKey[]): string {
  return `clients${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
}

/**
 * Parses the trusted-clients JSON text; every problem is reported with its path, prefixed by `source`
 * (e.g. "CDS_TRUSTED_CLIENTS (/etc/spine-cds/clients.json)").
 */
export function parseTrustedClients(text: string, source: string): TrustedClient[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${source}: not valid JSON: ${(err as Error).message}`]);
  }
  const parsed = clientsSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${source}: ${formatPath(i.path)}: ${i.message}`),
    );
  }
  return parsed.data.map(toClient);
}

/** The CDS Hooks Sandbox: its published ES384 key inline, its `jku` allowed but never needed. */
export function sandboxClient(): TrustedClient {
  const [client] = parseTrustedClients(
    JSON.stringify([{ iss: SANDBOX_ISSUER, jwks: sandboxJwks, jkuAllowlist: [SANDBOX_JKU] }]),
    'built-in CDS Hooks Sandbox keys',
  );
  return client!;
}

/**
 * The trusted clients for this configuration: exactly those of the CDS_TRUSTED_CLIENTS file when it is set;
 * without it, the CDS Hooks Sandbox outside production (the out-of-the-box developer setup) and nobody in
 * production. A file is how an operator says whom to trust, so nothing is added to it: NODE_ENV left at its
 * default beside a real clients file must not open the service to anyone holding the Sandbox's public
 * private key. Throws ConfigError naming CDS_TRUSTED_CLIENTS on any problem, so a bad file stops start-up.
 */
export function loadTrustedClients(
  config: Pick<Config, 'NODE_ENV' | 'CDS_TRUSTED_CLIENTS'>,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): TrustedClient[] {
  const path = config.CDS_TRUSTED_CLIENTS;
  if (path === undefined) return config.NODE_ENV === 'production' ? [] : [sandboxClient()];
  const source = `CDS_TRUSTED_CLIENTS (${path})`;
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new ConfigError([`${source}: cannot read the file: ${(err as Error).message}`]);
  }
  const clients = parseTrustedClients(text, source);
  if (config.NODE_ENV === 'production') {
    const published = clients.filter(holdsPublishedSandboxKey);
    if (published.length > 0) {
      throw new ConfigError(
        published.map(
          (c) =>
            `${source}: ${c.iss} is trusted with the CDS Hooks Sandbox's issuer, key or key set, whose private key is published: anyone could call as it. Production refuses it; run the Sandbox against a service with NODE_ENV=development`,
        ),
      );
    }
  }
  return clients;
}

const SANDBOX_HOST = new URL(SANDBOX_ISSUER).hostname;
const sandboxKeys = (sandboxJwks as JSONWebKeySet).keys;

/** The Sandbox's issuer, its published key (under any issuer or kid), or a key set served by the Sandbox. */
function holdsPublishedSandboxKey(client: TrustedClient): boolean {
  if (client.iss.replace(/\/+$/, '') === SANDBOX_ISSUER) return true;
  const onSandbox = (url: string) => URL.canParse(url) && new URL(url).hostname === SANDBOX_HOST;
  if ((client.jwksUrl !== undefined && onSandbox(client.jwksUrl)) || client.jkuAllowlist.some(onSandbox)) return true;
  return (client.jwks?.keys ?? []).some((k) => sandboxKeys.some((s) => s.x !== undefined && s.kty === k.kty && s.x === k.x && s.y === k.y));
}
