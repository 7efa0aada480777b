/**
 * A FHIR resource as sent, without the values both CDS Hooks 2.0 and FHIR JSON forbid: `null`, `""`, `[]`
 * and `{}`. The nulls FHIR requires are kept: a repeating primitive is a value array paired with its `_name`
 * array of ids and extensions, and there a null holds a position (`"instantiatesUri": ["a", null]` with
 * `"_instantiatesUri": [null, {...}]`; HL7's own examples write `"event": [null]` beside `"_event": [{...}]`).
 * While the `_name` half holds something, both halves keep their positions (an empty entry becomes null);
 * otherwise each half is cleaned as any array. Everything else (unknown elements, values of the wrong type,
 * whitespace) stays as sent.
 */
export function withoutForbiddenEmpty(value: unknown): unknown {
  return clean(value);
}

const isKept = (v: unknown) => v !== null;

function clean(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return undefined;
  if (Array.isArray(value)) {
    const items = value.map(clean).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const paired = pairedHalves(source);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const kept = paired.has(key) ? paired.get(key) : clean(source[key]);
    // JSON.parse keeps "__proto__" as a key of its own; assigned, it would become the copy's prototype instead.
    if (kept !== undefined) Object.defineProperty(out, key, { value: kept, enumerable: true, writable: true, configurable: true });
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The cleaned halves of every value array with its `_name` array in `source`, by key (undefined: dropped). */
function pairedHalves(source: Record<string, unknown>): Map<string, unknown> {
  const halves = new Map<string, unknown>();
  for (const key of Object.keys(source)) {
    if (!key.startsWith('_')) continue;
    const valueKey = key.slice(1);
    const values = source[valueKey];
    const extras = source[key];
    if (!Array.isArray(values) || !Array.isArray(extras)) continue;
    const aligned = (a: unknown[]) => a.map((v) => clean(v) ?? null);
    const v = aligned(values);
    const e = aligned(extras);
    if (v.length > 0 && e.some(isKept)) {
      halves.set(valueKey, v);
      halves.set(key, e);
    } else {
      halves.set(valueKey, clean(values));
      halves.set(key, clean(extras));
    }
  }
  return halves;
}
