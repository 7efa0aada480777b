import { nestsDeeperThan } from '../../src/json-depth.js';

const nested = (depth: number, open = '{"a":', close = '}'): unknown => JSON.parse(`${open.repeat(depth)}1${close.repeat(depth)}`);

describe('JSON nesting limit', () => {
  it('counts objects and arrays as levels, scalars as none', () => {
    expect(nestsDeeperThan(1, 0)).toBe(false);
    expect(nestsDeeperThan(null, 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan([[1]], 1)).toBe(true);
    expect(nestsDeeperThan([[1]], 2)).toBe(false);
  });

  it('allows exactly the limit and refuses one level more', () => {
    expect(nestsDeeperThan(nested(100), 100)).toBe(false);
    expect(nestsDeeperThan(nested(101), 100)).toBe(true);
    expect(nestsDeeperThan(nested(101, '[', ']'), 100)).toBe(true);
  });

  it('finds the deep branch among shallow siblings, in objects and arrays', () => {
    const value = { a: 1, b: [{ c: 2 }, nested(120)], d: 'x' };
    expect(nestsDeeperThan(value, 100)).toBe(true);
    expect(nestsDeeperThan({ a: [1, 2, { b: {} }] }, 4)).toBe(false);
    expect(nestsDeeperThan({ a: [1, 2, { b: {} }] }, 3)).toBe(true);
  });

  it('stops at the limit on hostile nesting instead of overflowing the stack', () => {
    expect(nestsDeeperThan(nested(200_000, '[', ']'), 100)).toBe(true);
  });
});
