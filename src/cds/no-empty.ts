/**
 * CDS Hooks forbids null and empty values (`null`, `""`, `[]`, `{}`) in what a service sends:
 * optional attributes without a value are omitted. An action's resource is the exception here: it is a FHIR
 * resource, and FHIR JSON has its own rules (a null keeps a primitive array aligned with its extensions,
 * `_instantiatesUri: [null, {...}]`), so the card builder cleans it by those (src/cards/fhir-json-clean.ts) and
 * it is sent as the card holds it.
 */

type Path = readonly (string | number)[];

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** True at `suggestions[i].actions[j].resource`, wherever the card sits (alone, in a list, in a response). */
export function isActionResource(path: Path): boolean {
  const n = path.length;
  return n >= 5 && path[n - 1] === 'resource' && typeof path[n - 2] === 'number' && path[n - 3] === 'actions' && typeof path[n - 4] === 'number' && path[n - 5] === 'suggestions';
}

/** A copy of `value` with every null, undefined, "", [] and {} removed, at any depth; action resources are kept as they are. */
export function pruneEmpty<T>(value: T): T {
  return prune(value, []) as T;
}

function prune(value: unknown, path: Path): unknown {
  if (isActionResource(path)) return value;
  if (Array.isArray(value)) {
    return value.map((v, i) => prune(v, [...path, i])).filter((v) => !isEmpty(v));
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const pruned = prune(v, [...path, key]);
      if (!isEmpty(pruned)) out[key] = pruned;
    }
    return out;
  }
  return value;
}

/** The JSON paths of every null or empty value in `value` (empty when it is clean); action resources are not looked into. */
export function emptyValuePaths(value: unknown): string[] {
  return emptyPaths(value, []);
}

function emptyPaths(value: unknown, path: Path): string[] {
  if (path.length > 0 && isActionResource(path)) return [];
  if (isEmpty(value)) return [path.length === 0 ? '(root)' : path.join('.')];
  if (Array.isArray(value)) return value.flatMap((v, i) => emptyPaths(v, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => emptyPaths(v, [...path, k]));
  }
  return [];
}
