/**
 * Remembers the `jti` of each accepted token until the token expires, so the same token cannot be
 * played twice. Held in memory and bounded in size; it is per process, so a service running several
 * processes (cluster) needs sticky routing or a shared store behind the same interface.
 */
export interface ReplayGuard {
  /** Records the token id; false when it was already recorded and has not expired yet. */
  remember(id: string, expiresAtSeconds: number, nowSeconds: number): boolean;
}

export class ReplayCache implements ReplayGuard {
  /** id -> exp (seconds). Map order is insertion order, which lets the oldest entry go first when full. */
  private readonly entries = new Map<string, number>();
  private nextSweep = 0;

  constructor(
    private readonly maxEntries = 100_000,
    /** Expired entries are swept at most this often (seconds), and always when the cache is full. */
    private readonly sweepEverySeconds = 30,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  remember(id: string, expiresAtSeconds: number, nowSeconds: number): boolean {
    const known = this.entries.get(id);
    if (known !== undefined && known > nowSeconds) return false;
    if (nowSeconds >= this.nextSweep || this.entries.size >= this.maxEntries) this.sweep(nowSeconds);
    // Still full of live tokens: drop the oldest rather than refuse every client (which would be a denial of service).
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.delete(id);
    this.entries.set(id, expiresAtSeconds);
    return true;
  }

  private sweep(nowSeconds: number): void {
    for (const [id, exp] of this.entries) if (exp <= nowSeconds) this.entries.delete(id);
    this.nextSweep = nowSeconds + this.sweepEverySeconds;
  }
}
