/**
 * CDS Hooks forbids null and empty values (`null`, `""`, `[]`, `{}`) in what a service sends:
 * optional attributes without a value are omitted.
 */

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** A copy of `value` with every null, undefined, "", [] and {} removed, at any depth. */
export function pruneEmpty<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map((v) => pruneEmpty(v)).filter((v) => !isEmpty(v)) as T;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const pruned = pruneEmpty(v);
      if (!isEmpty(pruned)) out[key] = pruned;
    }
    return out as T;
  }
  return value;
}

/** The JSON paths of every null or empty value in `value` (empty when it is clean). */
export function emptyValuePaths(value: unknown, path = ''): string[] {
  const here = path === '' ? '(root)' : path;
  if (isEmpty(value)) return [here];
  const join = (key: string | number) => (path === '' ? String(key) : `${path}.${key}`);
  if (Array.isArray(value)) return value.flatMap((v, i) => emptyValuePaths(v, join(i)));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => emptyValuePaths(v, join(k)));
  }
  return [];
}
