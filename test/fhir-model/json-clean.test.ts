import fc from 'fast-check';
import { withoutForbiddenEmpty } from '../../src/fhir-model/json-clean.js';

/** Paths of null, "", [] or {} in `value`, except nulls in a value array and its `_name` array when both are there. */
function forbidden(value: unknown, path = '', pairedArray = false): string[] {
  if (value === null) return pairedArray ? [] : [path];
  if (value === '') return [path];
  if (Array.isArray(value)) return value.length === 0 ? [path] : value.flatMap((v, i) => forbidden(v, `${path}.${i}`, pairedArray));
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 0) return [path];
    return keys.flatMap((k) => {
      const other = k.startsWith('_') ? k.slice(1) : `_${k}`;
      return forbidden(o[k], `${path}.${k}`, Array.isArray(o[k]) && Array.isArray(o[other]));
    });
  }
  return [];
}

describe('withoutForbiddenEmpty', () => {
  it('drops null, "", [] and {} at any depth, and what they leave empty', () => {
    expect(withoutForbiddenEmpty({ a: null, b: '', c: [], d: {}, e: [{}, null, ''], f: { g: { h: [] } }, k: 'x', l: 0, m: false, n: ' ' })).toEqual({ k: 'x', l: 0, m: false, n: ' ' });
    expect(withoutForbiddenEmpty({ a: null })).toBeUndefined();
  });

  it('keeps the nulls that align a primitive array with its extensions, and turns an empty entry there into null', () => {
    const ext = { extension: [{ url: 'http://example.org/x', valueString: 'y' }] };
    expect(withoutForbiddenEmpty({ given: ['Ann', null, ''], _given: [null, ext, {}] })).toEqual({ given: ['Ann', null, null], _given: [null, ext, null] });
    expect(withoutForbiddenEmpty({ given: [null], _given: [ext] })).toEqual({ given: [null], _given: [ext] });
    expect(withoutForbiddenEmpty({ given: [null, ''], _given: [{}, null], family: 'Doe' })).toEqual({ family: 'Doe' });
    // With nothing in the _name half, positions mean nothing: each half is an ordinary array.
    expect(withoutForbiddenEmpty({ given: ['Ann', null, 'Bo'], _given: [null, {}] })).toEqual({ given: ['Ann', 'Bo'] });
    expect(withoutForbiddenEmpty({ given: [], _given: [null, ext] })).toEqual({ _given: [ext] });
  });

  it('keeps values it does not understand as they are', () => {
    const odd = { code: { coding: [{ code: 7, display: { not: 'a string' } }] }, unknown: [1, true, 'x'] };
    expect(withoutForbiddenEmpty(odd)).toEqual(odd);
  });

  it('leaves nothing forbidden, loses nothing else, and is idempotent, on any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.dictionary(fc.constantFrom('given', '_given', 'a', '_a', 'b'), fc.jsonValue({ maxDepth: 3 })), (any, paired) => {
        for (const input of [any, paired]) {
          const out = withoutForbiddenEmpty(input);
          if (out === undefined) continue;
          expect(forbidden(out)).toEqual([]);
          expect(withoutForbiddenEmpty(out)).toEqual(out);
          // Nothing that is neither empty nor holds only empties is lost: every number, boolean and non-empty string survives.
          const scalars = (v: unknown): unknown[] => (v !== null && typeof v === 'object' ? Object.values(v).flatMap(scalars) : v === null || v === '' ? [] : [v]);
          expect(scalars(out).length).toBe(scalars(input).length);
        }
      }),
    );
  });
});
