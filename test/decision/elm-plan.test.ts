import { skipRedundantDistinct, stripForRuntime } from '../../src/decision/elm-plan.js';

type Node = Record<string, unknown>;
const retrieve = (dataType: string): Node => ({ type: 'Retrieve', dataType: `{http://hl7.org/fhir}${dataType}` });
const where = (source: Node, alias = 'X'): Node => ({
  type: 'Query',
  source: [{ alias, expression: source }],
  relationship: [],
  where: { type: 'Literal', valueType: '{urn:hl7-org:elm-types:r1}Boolean', value: 'true' },
});
const ref = (name: string): Node => ({ type: 'ExpressionRef', name });
const library = (defs: Record<string, Node>): Record<string, unknown> => ({
  Lib: { library: { identifier: { id: 'Lib' }, statements: { def: Object.entries(defs).map(([name, expression]) => ({ name, context: 'Patient', expression })) } } },
});
const defOf = (elm: Record<string, unknown>, name: string): Node =>
  ((elm.Lib as { library: { statements: { def: { name: string; expression: Node }[] } } }).library.statements.def.find((d) => d.name === name)!).expression;
const skipsDistinct = (q: Node) => (q.return as Node | undefined)?.distinct === false;

describe('stripForRuntime', () => {
  it('drops every localId and annotation and keeps locators', () => {
    const elm = { a: { localId: '1', locator: '1:1-1:5', annotation: [{ s: 'cql' }], b: [{ localId: '2', c: { localId: '3', value: 'x' } }] } };
    expect(stripForRuntime(elm)).toEqual({ a: { locator: '1:1-1:5', b: [{ c: { value: 'x' } }] } });
  });
});

describe('skipRedundantDistinct', () => {
  it('skips distinct over a retrieve, over a query of one, and over a function that returns one', () => {
    const elm = library({
      A: where(retrieve('Condition')),
      B: where(ref('A')),
      C: where({ type: 'FunctionRef', name: 'F' }),
      F: where(ref('A')),
    });
    expect(skipRedundantDistinct(elm)).toBe(4);
    for (const name of ['A', 'B', 'C', 'F']) {
      expect(defOf(elm, name).return).toEqual({ distinct: false, marked: true, expression: { type: 'AliasRef', name: 'X' } });
    }
  });

  it('skips distinct under exists whatever the source', () => {
    const elm = library({ E: { type: 'Exists', operand: where({ type: 'Property', path: 'coding', scope: 'P' }) } });
    skipRedundantDistinct(elm);
    expect(skipsDistinct(defOf(elm, 'E').operand as Node)).toBe(true);
  });

  it('keeps distinct where the source may hold duplicates or the query maps its items', () => {
    const elm = library({
      P: where({ type: 'Property', path: 'coding', scope: 'P' }),
      Q: where({ type: 'ParameterRef', name: 'Resource Facts' }),
      All: { ...where(retrieve('Condition')), return: { distinct: false, expression: { type: 'AliasRef', name: 'X' } } },
      OverAll: where(ref('All')),
      Mapped: { ...where(retrieve('Condition')), return: { expression: { type: 'Property', path: 'id', scope: 'X' } } },
      Let: { ...where(retrieve('Condition')), let: [{ identifier: 'y', expression: { type: 'Null' } }] },
    });
    expect(skipRedundantDistinct(elm)).toBe(0);
    for (const name of ['P', 'Q', 'OverAll', 'Let']) expect(defOf(elm, name).return).toBeUndefined();
    expect(defOf(elm, 'Mapped').return).toEqual({ expression: { type: 'Property', path: 'id', scope: 'X' } });
  });
});
