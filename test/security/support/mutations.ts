import fc from 'fast-check';
import type { Card } from '../../../src/cards/types.js';
import { assertValidCard } from '../../support/card-validity.js';

/**
 * Arbitrary mutations of a valid JSON document for the property-based tests: remove a member, put another
 * value in its place (null, random JSON, a huge string), or swap its type (a string for a number, an
 * array for an object, ...).
 */
export type Path = (string | number)[];

export interface Mutation {
  path: Path;
  op: 'delete' | 'set' | 'swap';
  value: unknown;
  /** Which of the type swaps for the value found at `path`. */
  variant: number;
}

/** Every member and element of `value` (not the root), parents before children. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
}

/** The other types a value can be sent as. */
function swapped(current: unknown, variant: number): unknown {
  const choose = (options: unknown[]) => options[variant % options.length];
  if (typeof current === 'string') return choose([Number.parseFloat(current) || 7, true, [current], { value: current }, '']);
  if (typeof current === 'number') return choose([String(current), -current, [current], { value: current }, 1e308]);
  if (typeof current === 'boolean') return choose([String(current), current ? 1 : 0, null]);
  if (Array.isArray(current)) return choose([{ ...current }, current[0] ?? null, current.length, JSON.stringify(current).slice(0, 200)]);
  if (current !== null && typeof current === 'object') return choose([[current], Object.values(current)[0] ?? null, 'object', 0]);
  return choose([{}, [], 'null', 0]);
}

/** A deep copy of `base` with the mutations applied in order; one whose path no longer exists is skipped. */
export function applyMutations<T>(base: T, mutations: readonly Mutation[]): T {
  const root = structuredClone(base) as unknown;
  for (const m of mutations) {
    let parent = root as Record<string | number, unknown> | unknown[];
    let ok = true;
    for (const key of m.path.slice(0, -1)) {
      const next = (parent as Record<string | number, unknown>)[key];
      if (typeof next !== 'object' || next === null) {
        ok = false;
        break;
      }
      parent = next as Record<string | number, unknown>;
    }
    const last = m.path[m.path.length - 1]!;
    if (!ok || !Object.hasOwn(parent, last)) continue;
    const bag = parent as Record<string | number, unknown>;
    if (m.op === 'delete') {
      if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
      else delete bag[last];
    } else if (m.op === 'set') bag[last] = m.value;
    else bag[last] = swapped(bag[last], m.variant);
  }
  return root as T;
}

/** Strings far longer than any field holds, some of them shaped like what the readers look for. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('x', 'é', '𝕏', 'L3-L4 ', 'moderate foraminal narrowing at L3-L4. ', '\u0000', '((((', 'a'.repeat(63) + '!'), fc.integer({ min: 2_000, max: 60_000 }))
  .map(([chunk, n]) => chunk.repeat(Math.ceil(n / chunk.length)));

/** Values a hostile or broken client could put anywhere. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 3 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 6 },
  { arbitrary: hugeString, weight: 1 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean()), weight: 2 },
  { arbitrary: fc.constantFrom({}, [], '', 0, -1, '2026-13-45', '1900-01-01T00:00:00Z', 'L5-S1', 'Patient/other'), weight: 2 },
);

export function mutationOf(paths: fc.Arbitrary<Path>): fc.Arbitrary<Mutation> {
  return fc.record({
    path: paths,
    op: fc.constantFrom<Mutation['op']>('delete', 'set', 'set', 'swap'),
    value: anyValue,
    variant: fc.nat(9),
  });
}

/** Per-request bound: a request still running after this counts as a hang. */
export const REQUEST_TIMEOUT_MS = 15_000;

/** Jest's limit for one property (FC_RUNS may raise the runs far above the default for a hunt). */
export const PROPERTY_TIMEOUT_MS = 300_000;

export function numRuns(defaultRuns: number): { numRuns: number; seed?: number } {
  const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : undefined;
  return { numRuns: Number(process.env.FC_RUNS ?? defaultRuns), ...(seed !== undefined ? { seed } : {}) };
}

/**
 * What every answer to a hook call must be, however broken the request: 200 with valid cards, 400 naming
 * its problems, or (only when `allow412`) 412 because a missing key could not be read. Throws otherwise.
 */
export function assertAcceptableAnswer(status: number, body: unknown, allow412: boolean): void {
  if (status === 200) {
    const cards = (body as { cards?: unknown }).cards;
    if (!Array.isArray(cards)) throw new Error(`200 without a cards array: ${JSON.stringify(body).slice(0, 300)}`);
    for (const card of cards) assertValidCard(card as Card);
    return;
  }
  if (status === 400) {
    const b = body as { error?: unknown; problems?: { path?: unknown; message?: unknown }[] };
    if (typeof b.error !== 'string') throw new Error(`400 without an error: ${JSON.stringify(body).slice(0, 300)}`);
    for (const p of b.problems ?? []) {
      if (typeof p.path !== 'string' || typeof p.message !== 'string') throw new Error(`400 problem without path/message: ${JSON.stringify(p)}`);
    }
    return;
  }
  if (status === 412 && allow412) return;
  throw new Error(`answered ${status}: ${JSON.stringify(body).slice(0, 500)}`);
}
