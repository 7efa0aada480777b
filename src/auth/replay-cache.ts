/**
 * Remembers the `jti` of each accepted token until the token expires, so the same token cannot be
 * played twice. Held in memory and bounded in size; it is per process, so a service running several
 * processes (cluster) needs sticky routing or a shared store behind the same interface.
 */
import { createHash } from 'node:crypto';

export interface ReplayGuard {
  /**
   * Records the token id; false when it was already recorded and has not expired yet. Throws
   * ReplayCacheFullError when the id cannot be recorded: the token must then be refused, since a token
   * whose id is not kept could be played again.
   */
  remember(id: string, expiresAtSeconds: number, nowSeconds: number): boolean;
}

/**
 * The cache holds as many unexpired ids as it may: a new token cannot be accepted until some expire. Not
 * the client's fault (its token is good), so it is told to come back, not that its token is bad.
 */
export class ReplayCacheFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('the JWT replay cache is full of unexpired token ids');
    this.name = 'ReplayCacheFullError';
  }
}

/**
 * Room for 500 calls/s with fresh tokens, each kept until its exp (at most 5 minutes plus the 60 s clock
 * allowance away: 500 x 360 = 180,000), with 10% to spare. An entry takes about 100 bytes (measured: a
 * 32-byte digest string, its map entry and its place in the expiry list), so the cache stays near 20 MB at
 * most, whatever the jti's length.
 */
export const DEFAULT_MAX_REPLAY_ENTRIES = 200_000;

export class ReplayCache implements ReplayGuard {
  /** Digest of the id -> exp (seconds). */
  private readonly entries = new Map<string, number>();
  /** exp (seconds) -> the digests that expire then, so a sweep visits only what has expired. */
  private readonly byExpiry = new Map<number, string[]>();
  private sweptAt: number | undefined;

  constructor(private readonly maxEntries = DEFAULT_MAX_REPLAY_ENTRIES) {}

  get size(): number {
    return this.entries.size;
  }

  remember(id: string, expiresAtSeconds: number, nowSeconds: number): boolean {
    // exp has a resolution of one second: a second sweep within the same second would find nothing.
    if (this.sweptAt !== nowSeconds) this.sweep(nowSeconds);
    // A digest, not the id: every entry then takes the same few bytes, whatever the jti a client sends ('binary':
    // latin1, one character per byte, the shortest string).
    const key = createHash('sha256').update(id).digest('binary');
    const known = this.entries.get(key);
    if (known !== undefined && known > nowSeconds) return false;
    // Never forget a live id to make room (a replay would then pass): refuse the new token instead.
    if (this.entries.size >= this.maxEntries) throw new ReplayCacheFullError(this.secondsUntilRoom(nowSeconds));
    this.entries.set(key, expiresAtSeconds);
    const bucket = this.byExpiry.get(expiresAtSeconds);
    if (bucket) bucket.push(key);
    else this.byExpiry.set(expiresAtSeconds, [key]);
    return true;
  }

  /** Drops every entry whose token has expired. Buckets are few: exp is at most minutes away, one per second. */
  private sweep(nowSeconds: number): void {
    for (const [exp, keys] of this.byExpiry) {
      if (exp > nowSeconds) continue;
      for (const key of keys) {
        // An id seen again after it expired has a later exp of its own, in another bucket.
        if (this.entries.get(key) === exp) this.entries.delete(key);
      }
      this.byExpiry.delete(exp);
    }
    this.sweptAt = nowSeconds;
  }

  /** When the first entry will expire, which frees room (at least 1 s: Retry-After counts whole seconds). */
  private secondsUntilRoom(nowSeconds: number): number {
    let first = Infinity;
    for (const exp of this.byExpiry.keys()) if (exp < first) first = exp;
    return Math.max(1, Math.ceil(first - nowSeconds));
  }
}
