import type { z } from 'zod';
import type { Problem } from '../errors.js';

/** Dotted JSON path ("context.draftOrders.entry.0.resource"); "(body)" for the document itself. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  return segments.length === 0 ? '(body)' : segments.map((s) => String(s)).join('.');
}

/**
 * One Problem per zod issue, so a caller sees every mistake at once. An unknown-keys issue becomes
 * one problem per key, pointing at the key itself.
 */
export function problemsFrom(error: z.ZodError, prefix: readonly PropertyKey[] = []): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: jsonPath([...path, key]), message: 'is not a field of this request' });
    } else {
      problems.push({ path: jsonPath(path), message: issue.message });
    }
  }
  return problems;
}

/** A zod error message: "is required" when the field is absent, else `must be <what>`. */
export const expected =
  (what: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'is required' : `must be ${what}`;
