import cql from 'cql-execution';
import { patientSourceFor } from '../../src/decision/patient-source.js';
import { readPropertyPaths } from '../../src/decision/property-paths.js';

const define = (name: string, expression: unknown) => ({ name, context: 'Patient', accessLevel: 'Public', expression });
const param = (name: string) => ({ type: 'ParameterRef', name });
const prop = (path: string, source: unknown) => ({ type: 'Property', path, source });
const chain = (paths: string[], source: unknown) => paths.reduce((s, p) => prop(p, s), source);
const operand = { type: 'OperandRef', name: 'x' };

/**
 * Paths over a parameter (a source of another kind), over a function's operand, and over a query alias,
 * with nulls on the way, dotted paths, a `get` method and a function-valued property.
 */
function library(): cql.Library {
  return new cql.Library({
    library: {
      identifier: { id: 'Paths', version: '1' },
      parameters: { def: [{ name: 'P', accessLevel: 'Public' }, { name: 'L', accessLevel: 'Public' }] },
      statements: {
        def: [
          { ...define('F', chain(['a', 'b', 'c'], operand)), type: 'FunctionDef', operand: [{ name: 'x' }] },
          define('Deep', chain(['a', 'b', 'c'], param('P'))),
          define('Missing', chain(['a', 'nothing', 'c'], param('P'))),
          define('NullOnTheWay', chain(['n', 'b', 'c'], param('P'))),
          define('Dotted', chain(['a.b', 'c'], param('P'))),
          define('ByGet', chain(['viaGet', 'c'], param('P'))),
          define('Method', chain(['m', 'c'], param('P'))),
          define('OverOperand', { type: 'FunctionRef', name: 'F', operand: [param('P')] }),
          define('OverAlias', {
            type: 'Query',
            source: [{ alias: 'Q', expression: param('L') }],
            relationship: [],
            return: { distinct: false, expression: chain(['a', 'b', 'c'], { type: 'AliasRef', name: 'Q' }) },
          }),
          define('OverScope', {
            type: 'Query',
            source: [{ alias: 'Q', expression: param('L') }],
            relationship: [],
            return: { distinct: false, expression: chain(['b', 'c'], { type: 'Property', path: 'a', scope: 'Q' }) },
          }),
        ],
      },
    },
  } as never);
}

const P = {
  a: { b: { c: 42 } },
  n: null,
  viaGet: { get: (path: string) => (path === 'c' ? 'from get' : undefined) },
  m() {
    return { c: 'from method' };
  },
};
const L = [{ a: { b: { c: 1 } } }, { a: null }, { a: { b: { c: 3 } } }];

const run = (lib: cql.Library) =>
  new cql.Executor(lib, undefined, { P, L }).exec(patientSourceFor([{ resourceType: 'Patient', id: 'p' }]) as unknown as cql.DataProvider).patientResults.p as Record<string, unknown>;

describe('readPropertyPaths', () => {
  it('reads every chain as the nested Property nodes do', () => {
    const plain = run(library());
    const lib = library();
    expect(readPropertyPaths(lib)).toBe(17);
    const results = run(lib);
    expect(results).toEqual(plain);
    expect(results).toMatchObject({
      Deep: 42,
      Missing: null,
      NullOnTheWay: null,
      Dotted: 42,
      ByGet: 'from get',
      Method: 'from method',
      OverOperand: 42,
      OverAlias: [1, null, 3],
      OverScope: [1, null, 3],
    });
  });

  it('evaluates no link of a chain as a node of its own', () => {
    const lib = library();
    readPropertyPaths(lib);
    const inner = (lib as unknown as { expressions: Record<string, { expression: { source: { exec(ctx: unknown): unknown } } }> }).expressions.Deep!.expression.source;
    inner.exec = () => {
      throw new Error('an inner link was evaluated');
    };
    expect(run(lib).Deep).toBe(42);
  });
});
