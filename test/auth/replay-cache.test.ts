import { DEFAULT_MAX_REPLAY_ENTRIES, ReplayCache, ReplayCacheFullError } from '../../src/auth/replay-cache.js';

/** A cache whose monotonic clock runs with the wall time it is given: a machine whose clock is never stepped. */
function steadyCache(max?: number): ReplayCache {
  let mono = 0;
  const cache = new ReplayCache(max, () => mono);
  const remember = cache.remember.bind(cache);
  cache.remember = (id, exp, now) => {
    mono = now;
    return remember(id, exp, now);
  };
  return cache;
}

function fullError(fn: () => unknown): ReplayCacheFullError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ReplayCacheFullError);
    return err as ReplayCacheFullError;
  }
  throw new Error('expected ReplayCacheFullError');
}

describe('ReplayCache', () => {
  it('refuses an id it has seen until that id expires', () => {
    const cache = steadyCache();
    expect(cache.remember('a', 100, 10)).toBe(true);
    expect(cache.remember('a', 100, 50)).toBe(false);
    expect(cache.remember('a', 200, 100)).toBe(true);
    expect(cache.remember('a', 200, 150)).toBe(false);
  });

  it('drops entries after their exp', () => {
    const cache = steadyCache(1000);
    for (let i = 0; i < 10; i++) cache.remember(`id-${i}`, 100 + i, 0);
    expect(cache.size).toBe(10);
    cache.remember('late', 500, 105);
    // id-0 .. id-5 expired at 100..105; id-6 .. id-9 and 'late' remain.
    expect(cache.size).toBe(5);
  });

  it('never forgets a live id to make room: a full cache refuses new ids, saying when room comes', () => {
    const cache = steadyCache(3);
    for (const [id, exp] of [['a', 1000], ['b', 400], ['c', 1000]] as const) expect(cache.remember(id, exp, 0)).toBe(true);
    expect(fullError(() => cache.remember('d', 1000, 1)).retryAfterSeconds).toBe(399);
    // Every id remembered is still refused as a replay.
    for (const id of ['a', 'b', 'c']) expect(cache.remember(id, 1000, 2)).toBe(false);
    expect(cache.size).toBe(3);
    // Once 'b' has expired there is room again.
    expect(cache.remember('d', 1000, 400)).toBe(true);
    expect(cache.remember('a', 1000, 401)).toBe(false);
    expect(fullError(() => cache.remember('e', 1000, 401)).retryAfterSeconds).toBe(599);
  });

  it('refuses the replay of a live token after as many newer tokens as the bound allows', () => {
    // The old cache evicted the oldest live entry at 100,000: the captured token then passed again.
    const cache = steadyCache();
    const now = 1_000_000;
    expect(cache.remember('iss\u0000the-captured-one', now + 300, now)).toBe(true);
    let refused = 0;
    for (let i = 0; i < DEFAULT_MAX_REPLAY_ENTRIES; i++) {
      try {
        cache.remember(`iss\u0000other-${i}`, now + 300, now + 1);
      } catch (err) {
        if (!(err instanceof ReplayCacheFullError)) throw err;
        refused++;
      }
    }
    expect(refused).toBe(1);
    expect(cache.remember('iss\u0000the-captured-one', now + 300, now + 2)).toBe(false);
  });

  it('holds the 500 calls/s of the benchmark with six-minute tokens', () => {
    const cache = steadyCache();
    const start = 1_000_000;
    let n = 0;
    let accepted = 0;
    // Ten minutes at 500 calls/s, each token's exp as far as the verifier allows (5 min + 60 s).
    for (let second = start; second < start + 600; second++) {
      for (let i = 0; i < 500; i++) if (cache.remember(`iss\u0000jti-${n++}`, second + 360, second)) accepted++;
    }
    expect(accepted).toBe(n);
    expect(cache.size).toBeLessThanOrEqual(180_500);
  });

  it('tells long ids apart (it keeps a digest of each)', () => {
    const cache = steadyCache();
    const long = 'x'.repeat(512);
    expect(cache.remember(`iss\u0000${long}`, 200, 100)).toBe(true);
    expect(cache.remember(`iss\u0000${long}`, 200, 101)).toBe(false);
    expect(cache.remember(`iss\u0000${long}y`, 200, 101)).toBe(true);
  });

  it('keeps an id live across a wall clock stepped forward and back (a VM resumed, an NTP step)', () => {
    let mono = 0;
    const cache = new ReplayCache(1000, () => mono);
    expect(cache.remember('captured', 1300, 1000)).toBe(true);
    // Ten seconds later the wall clock jumps an hour ahead; another token arrives, and a sweep runs.
    mono = 10;
    expect(cache.remember('other', 4900, 4600)).toBe(true);
    // The clock is put right: the captured token (exp 1300) is live again by the wall clock, and must stay refused.
    mono = 20;
    expect(cache.remember('captured', 1300, 1020)).toBe(false);
  });

  it('keeps an id live while the wall clock, stepped back, still calls its token live', () => {
    let mono = 0;
    const cache = new ReplayCache(1000, () => mono);
    expect(cache.remember('captured', 1300, 1000)).toBe(true);
    // The wall clock steps ten minutes back: the token's exp is now 15 minutes away by it.
    mono = 400;
    expect(cache.remember('other', 1000, 700)).toBe(true);
    expect(cache.remember('captured', 1300, 700)).toBe(false);
    mono = 900;
    expect(cache.remember('captured', 1300, 1200)).toBe(false);
    // Expired by both clocks: forgotten, and the id may be used again.
    mono = 1000;
    expect(cache.remember('x', 2000, 1301)).toBe(true);
    expect(cache.size).toBe(1);
  });
});
