import type { JsonRecord } from '../text/fhir-values.js';

/** A deep copy of JSON data, as JSON.stringify would write it (a function or undefined is dropped), some six times faster. */
export function copyOf(resource: JsonRecord): JsonRecord {
  return copyJson(resource) as JsonRecord;
}

/** Depth is bounded before this runs: the body's nesting is checked on arrival (MAX_JSON_DEPTH). */
export function copyJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'number' && !Number.isFinite(value) ? null : value;
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : copyJson(v)));
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return copyJson((toJSON as () => unknown).call(value));
  const out: JsonRecord = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const v = (value as JsonRecord)[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    // JSON.parse keeps "__proto__" as a key of its own; assigned, it would become the copy's prototype instead.
    if (key === '__proto__') Object.defineProperty(out, key, { value: copyJson(v), enumerable: true, writable: true, configurable: true });
    else out[key] = copyJson(v);
  }
  return out;
}
