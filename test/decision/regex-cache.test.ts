import cql from 'cql-execution';
import fc from 'fast-check';
import { patientSourceFor } from '../../src/decision/patient-source.js';
import { cacheRegularExpressions, regexCache } from '../../src/decision/regex-cache.js';

const STRING = '{urn:hl7-org:elm-types:r1}String';
const str = (value: string | null) => (value === null ? { type: 'As', asType: STRING, operand: { type: 'Null' } } : { type: 'Literal', valueType: STRING, value });
const define = (name: string, expression: unknown) => ({ name, context: 'Patient', accessLevel: 'Public', expression });

/** Matches, ReplaceMatches and SplitOnMatches over the given texts and patterns, each call site run twice. */
function library(texts: (string | null)[], patterns: (string | null)[]): cql.Library {
  const defs = texts.flatMap((t, i) =>
    patterns.flatMap((p, j) => [
      define(`m${i}.${j}`, { type: 'Matches', operand: [str(t), str(p)] }),
      define(`r${i}.${j}`, { type: 'ReplaceMatches', operand: [str(t), str(p), str(' ')] }),
      define(`s${i}.${j}`, { type: 'SplitOnMatches', stringToSplit: str(t), separatorPattern: str(p) }),
      // The same patterns again from other call sites: a kept RegExp must not carry state from one use to the next.
      define(`m${i}.${j}b`, { type: 'Matches', operand: [str(t), str(p)] }),
      define(`r${i}.${j}b`, { type: 'ReplaceMatches', operand: [str(t), str(p), str('#')] }),
    ]),
  );
  return new cql.Library({ library: { identifier: { id: 'Text', version: '1' }, statements: { def: defs } } } as never);
}

const run = (lib: cql.Library) =>
  new cql.Executor(lib).exec(patientSourceFor([{ resourceType: 'Patient', id: 'p' }]) as unknown as cql.DataProvider).patientResults.p as Record<string, unknown>;

describe('cacheRegularExpressions', () => {
  const texts = ['no foot drop; left foot drop', 'Weakness, left leg', '', 'a.b;c', null];
  const patterns = ['.*foot drop.*', '\\b(no|denies)\\b[^;]*', '[.;] ?', 'x*', '(?:a|b)', null];

  it("gives cql-execution's answers for each operator, null operands included", () => {
    const plain = run(library(texts, patterns));
    const lib = library(texts, patterns);
    expect(cacheRegularExpressions(lib)).toBe(texts.length * patterns.length * 5);
    expect(run(lib)).toEqual(plain);
    expect(plain['m0.0']).toBe(true);
    expect(plain['r0.1']).toBe(' ; left foot drop');
  });

  it('agrees with the plain operators on any text and any pattern from a small alphabet', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[ab;. ]{0,8}$/), { minLength: 1, maxLength: 3 }), fc.array(fc.constantFrom('a', 'b+', '[;.]', 'a|b', 'a*', '(b)', '^a', 'b$'), { minLength: 1, maxLength: 3 }), (ts, ps) => {
        const lib = library(ts, ps);
        cacheRegularExpressions(lib);
        expect(run(lib)).toEqual(run(library(ts, ps)));
      }),
      { numRuns: 150 },
    );
  });

  it('keeps one RegExp per pattern, and forgets them all past its bound', () => {
    const regex = regexCache((p) => new RegExp(p, 'g'));
    const first = regex('a+');
    expect(regex('a+')).toBe(first);
    expect(first.flags).toBe('g');
    for (let i = 0; i < 1000; i++) regex(`p${i}`);
    expect(regex('a+')).not.toBe(first);
  });
});
