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
 * allowance away: 500 x 360 = 180,000), with 10% to spare. An entry takes about 160 bytes (measured: a
 * 32-byte digest string, its map entry, its two expiry times and its place in the due list), so the cache
 * stays near 30 MB at most, whatever the jti's length.
 */
export const DEFAULT_MAX_REPLAY_ENTRIES = 200_000;

/** One remembered id: its token's exp (wall clock), and when that is due on the monotonic clock. */
interface Entry {
  exp: number;
  due: number;
}

/**
 * Kept until the token has expired by both clocks: by the wall clock, which the verifier judges exp by, and by
 * the monotonic clock (its lifetime as seen when it arrived). A wall clock stepped forward and then back (a VM
 * resumed, an NTP step) would otherwise have let the cache forget live ids in between, and their tokens play
 * again once the clock came back.
 */
export class ReplayCache implements ReplayGuard {
  /** Digest of the id -> its entry. */
  private readonly entries = new Map<string, Entry>();
  /** Monotonic second -> the digests due then, so a sweep visits only what may have expired. */
  private readonly byDue = new Map<number, string[]>();
  private sweptAt: number | undefined;

  constructor(
    private readonly maxEntries = DEFAULT_MAX_REPLAY_ENTRIES,
    private readonly monotonicSeconds: () => number = () => performance.now() / 1000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  remember(id: string, expiresAtSeconds: number, nowSeconds: number): boolean {
    const mono = this.monotonicSeconds();
    // Buckets are whole seconds: a second sweep within the same second would find nothing.
    const second = Math.floor(mono);
    if (this.sweptAt !== second) this.sweep(mono, nowSeconds);
    // A digest, not the id: every entry then takes the same few bytes, whatever the jti a client sends ('binary':
    // latin1, one character per byte, the shortest string).
    const key = createHash('sha256').update(id).digest('binary');
    const known = this.entries.get(key);
    if (known !== undefined && (known.exp > nowSeconds || known.due > mono)) return false;
    // Never forget a live id to make room (a replay would then pass): refuse the new token instead.
    if (known === undefined && this.entries.size >= this.maxEntries) throw new ReplayCacheFullError(this.secondsUntilRoom(mono));
    this.keep(key, { exp: expiresAtSeconds, due: mono + Math.max(0, expiresAtSeconds - nowSeconds) });
    return true;
  }

  private keep(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    const bucket = Math.ceil(entry.due);
    const keys = this.byDue.get(bucket);
    if (keys) keys.push(key);
    else this.byDue.set(bucket, [key]);
  }

  /** Drops every entry expired by both clocks; one the wall clock still calls live waits as long again. */
  private sweep(mono: number, nowSeconds: number): void {
    for (const [bucket, keys] of this.byDue) {
      if (bucket > mono) continue;
      this.byDue.delete(bucket);
      for (const key of keys) {
        const entry = this.entries.get(key);
        // An id seen again after it expired has an entry of its own, in another bucket.
        if (entry === undefined || Math.ceil(entry.due) !== bucket) continue;
        if (entry.exp > nowSeconds) this.keep(key, { exp: entry.exp, due: mono + (entry.exp - nowSeconds) });
        else this.entries.delete(key);
      }
    }
    this.sweptAt = Math.floor(mono);
  }

  /** When the first entry will be due, which may free room (at least 1 s: Retry-After counts whole seconds). */
  private secondsUntilRoom(mono: number): number {
    let firstBucket = Infinity;
    for (const bucket of this.byDue.keys()) if (bucket < firstBucket) firstBucket = bucket;
    let first = firstBucket;
    for (const key of this.byDue.get(firstBucket) ?? []) first = Math.min(first, this.entries.get(key)?.due ?? Infinity);
    return Math.max(1, Math.ceil(first - mono));
  }
}
