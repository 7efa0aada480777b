/**
 * Far deeper than any FHIR resource nests; deeper JSON is hostile and would strain recursive readers (and the
 * structured clone to the evaluation threads). Request bodies and FHIR answers are both held to it.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * Whether a parsed JSON value nests deeper than `limit` levels (a scalar is 0 deep, `{}` 1). The walk stops
 * at the limit, so hostile nesting cannot overflow the stack, and it allocates nothing: a 1 MB chart has
 * some 100,000 values, and the check runs before anything else reads them.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit < 1) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (nestsDeeperThan(item, limit - 1)) return true;
    return false;
  }
  const o = value as Record<string, unknown>;
  for (const key in o) if (nestsDeeperThan(o[key], limit - 1)) return true;
  return false;
}
