import cql from 'cql-execution';
import { indexListLookups } from '../../src/decision/list-index.js';
import { patientSourceFor } from '../../src/decision/patient-source.js';

const STRING = '{urn:hl7-org:elm-types:r1}String';
const INTEGER = '{urn:hl7-org:elm-types:r1}Integer';
const str = (value: string) => ({ type: 'Literal', valueType: STRING, value });
const int = (value: number) => ({ type: 'Literal', valueType: INTEGER, value: String(value) });
const nullString = { type: 'As', asType: STRING, operand: { type: 'Null' } };
const field = (path: string, scope = 'F') => ({ type: 'Property', path, scope });
const define = (name: string, expression: unknown) => ({ name, context: 'Patient', accessLevel: 'Public', expression });
const fn = (name: string, expression: unknown) => ({
  ...define(name, expression),
  type: 'FunctionDef',
  operand: [{ name: 'key', operandTypeSpecifier: { type: 'NamedTypeSpecifier', name: STRING } }],
});
const query = (where: unknown) => ({
  type: 'Query',
  source: [{ alias: 'F', expression: { type: 'ParameterRef', name: 'Facts' } }],
  relationship: [],
  where,
  return: { distinct: false, expression: field('v') },
});
const key = { type: 'OperandRef', name: 'key' };
const call = (name: string, arg: unknown) => ({ type: 'FunctionRef', name, operand: [arg] });

/**
 * Lookup(key):   Facts F where F.ref = key return F.v
 * Reversed(key): Facts F where key = F.ref return F.v
 * Both(key):     Facts F where F.ref = key and F.v > 1 return F.v
 * SelfKey(key):  Facts F where F.ref = F.other return F.v   (the key reads the alias: left alone)
 * WithLet(key):  Facts F let k: key where F.ref = k return F.v   (the key reads a let of the query: left alone)
 */
function library(): cql.Library {
  const calls = (name: string) => ['a', 'b', 'zz'].map((k) => define(`${name} ${k}`, call(name, str(k)))).concat(define(`${name} null`, call(name, nullString)));
  return new cql.Library({
    library: {
      identifier: { id: 'Index', version: '1' },
      parameters: { def: [{ name: 'Facts', accessLevel: 'Public' }] },
      statements: {
        def: [
          fn('Lookup', query({ type: 'Equal', operand: [field('ref'), key] })),
          fn('Reversed', query({ type: 'Equal', operand: [key, field('ref')] })),
          fn('Both', query({ type: 'And', operand: [{ type: 'Equal', operand: [field('ref'), key] }, { type: 'Greater', operand: [field('v'), int(1)] }] })),
          fn('SelfKey', query({ type: 'Equal', operand: [field('ref'), field('other')] })),
          fn('WithLet', {
            ...query({ type: 'Equal', operand: [field('ref'), { type: 'QueryLetRef', name: 'k' }] }),
            let: [{ identifier: 'k', expression: key }],
          }),
          ...calls('Lookup'),
          ...calls('Reversed'),
          ...calls('Both'),
          ...calls('SelfKey'),
          ...calls('WithLet'),
        ],
      },
    },
  } as never);
}

/** Duplicates, a null ref, and refs that are not plain strings (a CQL tuple keeps whatever it was given). */
const FACTS = [
  { ref: 'a', other: 'a', v: 1 },
  { ref: 'b', other: 'x', v: 2 },
  { ref: null, other: null, v: 3 },
  { ref: 'a', other: 'y', v: 4 },
  { ref: { value: 'a' }, other: 'z', v: 5 },
  { ref: 'b', other: 'b', v: 6 },
];

function run(lib: cql.Library, facts: readonly unknown[] = FACTS): Record<string, unknown> {
  const out = new cql.Executor(lib, undefined, { Facts: facts }).exec(patientSourceFor([{ resourceType: 'Patient', id: 'p' }]) as unknown as cql.DataProvider);
  return out.patientResults.p as Record<string, unknown>;
}

describe('indexListLookups', () => {
  it('indexes the key lookups over a list parameter and leaves a condition that reads the alias alone', () => {
    expect(indexListLookups(library())).toBe(3);
  });

  it('gives every lookup the answer of the query as compiled, in the list order', () => {
    const plain = run(library());
    const indexed = library();
    indexListLookups(indexed);
    const results = run(indexed);
    expect(results).toEqual(plain);
    expect(results).toMatchObject({
      'Lookup a': [1, 4],
      'Lookup b': [2, 6],
      'Lookup zz': [],
      'Lookup null': [],
      'Reversed a': [1, 4],
      'Both a': [4],
      'Both b': [2, 6],
      'SelfKey a': [1, 6],
      'WithLet a': [1, 4],
      'WithLet b': [2, 6],
    });
  });

  it('answers the same over a frozen list, where no index can be kept on the list', () => {
    const indexed = library();
    indexListLookups(indexed);
    expect(run(indexed, Object.freeze(structuredClone(FACTS)))).toEqual(run(library()));
  });

  it('runs the condition only on the items with the key and those whose field is not a plain string', () => {
    const seenBy = (lib: cql.Library): unknown[] => {
      const where = (lib as unknown as { functions: Record<string, { expression: { where: { exec(ctx: unknown): unknown } } }[]> }).functions.Lookup![0]!.expression.where;
      const exec = where.exec.bind(where);
      const seen: unknown[] = [];
      where.exec = (ctx) => {
        seen.push((ctx as { get(name: string): { v: unknown } }).get('F').v);
        return exec(ctx);
      };
      return seen;
    };
    const plain = library();
    const plainSeen = seenBy(plain);
    run(plain);
    expect(plainSeen).toHaveLength(4 * FACTS.length);

    const indexed = library();
    indexListLookups(indexed);
    const indexedSeen = seenBy(indexed);
    run(indexed);
    // Lookup a: 1, 4 and the object-valued 5; Lookup b: 2, 6 and 5; Lookup zz: 5; Lookup null: nothing.
    expect(indexedSeen).toEqual([1, 4, 5, 2, 5, 6, 5]);
  });
});
