import { ReplayCache } from '../../src/auth/replay-cache.js';

describe('ReplayCache', () => {
  it('refuses an id it has seen until that id expires', () => {
    const cache = new ReplayCache();
    expect(cache.remember('a', 100, 10)).toBe(true);
    expect(cache.remember('a', 100, 50)).toBe(false);
    expect(cache.remember('a', 200, 100)).toBe(true);
  });

  it('drops entries after their exp', () => {
    const cache = new ReplayCache(1000, 0);
    for (let i = 0; i < 10; i++) cache.remember(`id-${i}`, 100 + i, 0);
    expect(cache.size).toBe(10);
    cache.remember('late', 500, 105);
    // id-0 .. id-5 expired at 100..105; id-6 .. id-9 and 'late' remain.
    expect(cache.size).toBe(5);
  });

  it('stays within its bound, dropping the oldest entries first', () => {
    const cache = new ReplayCache(3, 1000);
    for (const id of ['a', 'b', 'c', 'd']) expect(cache.remember(id, 1000, 0)).toBe(true);
    expect(cache.size).toBe(3);
    expect(cache.remember('d', 1000, 1)).toBe(false);
    expect(cache.remember('b', 1000, 1)).toBe(false);
    // 'a' was dropped to make room for 'd'.
    expect(cache.remember('a', 1000, 1)).toBe(true);
  });
});
