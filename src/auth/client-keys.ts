/**
 * Finds the key that must have signed a trusted client's token: its inline keys when they hold the
 * token's `kid` (no network), otherwise the JWK Set at the token's allowed `jku` or the client's `jwksUrl`,
 * fetched with a timeout and a bound on its size, and cached for a bounded time.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type JWTVerifyGetKey,
  type JWSHeaderParameters,
  type FlattenedJWSInput,
  type RemoteJWKSetOptions,
} from 'jose';
import { AuthenticationError } from '../errors.js';
import { boundedFetch } from './bounded-fetch.js';
import type { TrustedClient } from './trusted-clients.js';

export interface RemoteKeyOptions {
  /** Abort a JWK Set fetch after this long; the call is then refused, never left hanging. */
  timeoutMs?: number;
  /** Fetched key sets are used for at most this long before being fetched again. */
  cacheMaxAgeMs?: number;
  /** An unknown kid triggers a refetch at most this often. */
  cooldownMs?: number;
  /** A JWK Set answer larger than this is not read further: the call is refused as if the set were unreachable. */
  maxBytes?: number;
}

type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => ReturnType<JWTVerifyGetKey>;

function refuse(reason: string): never {
  throw new AuthenticationError('CDS client token refused', reason);
}

function isNoKeyError(err: unknown): boolean {
  return err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys;
}

export class ClientKeys {
  private readonly inline = new Map<string, { kids: Set<string>; resolve: KeyResolver }>();
  /** One remote set per URL; only allowlisted URLs ever get here, so the map stays small. */
  private readonly remote = new Map<string, KeyResolver>();
  private readonly remoteOptions: RemoteJWKSetOptions;

  constructor(clients: TrustedClient[], options: RemoteKeyOptions = {}) {
    for (const c of clients) {
      if (c.jwks) {
        const kids = new Set(c.jwks.keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string'));
        this.inline.set(c.iss, { kids, resolve: createLocalJWKSet(c.jwks) });
      }
    }
    this.remoteOptions = {
      timeoutDuration: options.timeoutMs ?? 2000,
      cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
      cooldownDuration: options.cooldownMs ?? 30_000,
      [customFetch]: boundedFetch(options.maxBytes),
    };
  }

  /**
   * The key resolver for one token of `client`. Refuses at once ('jku-not-allowed') when the token names a
   * `jku` that is neither on the client's jkuAllowlist nor its jwksUrl.
   */
  resolverFor(client: TrustedClient, jku: unknown): KeyResolver {
    let jkuHref: string | undefined;
    if (jku !== undefined) {
      if (typeof jku !== 'string' || !URL.canParse(jku)) refuse('jku-not-allowed');
      jkuHref = new URL(jku).href;
      if (!(client.jkuAllowlist.includes(jkuHref) || client.jwksUrl === jkuHref)) refuse('jku-not-allowed');
    }
    const inline = this.inline.get(client.iss);
    const url = jkuHref ?? client.jwksUrl;
    return async (header, token) => {
      if (inline && typeof header.kid === 'string' && inline.kids.has(header.kid)) {
        try {
          return await inline.resolve(header, token);
        } catch (err) {
          // The kid is known but its key does not fit the token's alg (e.g. an RSA token naming an EC key).
          if (isNoKeyError(err)) refuse('unknown-key');
          throw err;
        }
      }
      if (url === undefined) refuse('unknown-key');
      try {
        return await this.remoteSet(url)(header, token);
      } catch (err) {
        if (isNoKeyError(err)) refuse('unknown-key');
        // Timeout, network error, non-200 answer, a key set too large or unreadable.
        refuse('jwks-unavailable');
      }
    };
  }

  private remoteSet(url: string): KeyResolver {
    let set = this.remote.get(url);
    if (!set) {
      set = createRemoteJWKSet(new URL(url), this.remoteOptions);
      this.remote.set(url, set);
    }
    return set;
  }
}
