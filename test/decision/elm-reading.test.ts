import { matchedElements } from '../../src/decision/elm-reading.js';

/** Hand-written ELM: one library whose statements are given. */
const library = (...def: object[]) => ({ Tiny: { library: { identifier: { id: 'Tiny' }, statements: { def } } } });
const literal = (value: string) => ({ type: 'Literal', valueType: '{urn:hl7-org:elm-types:r1}String', value });
const matches = (operand: object) => ({ type: 'Matches', operand: [operand, literal('.*stenosis.*')] });
/** `<source>.<element>.value` */
const valueOf = (source: object, element: string) => ({ type: 'Property', path: 'value', source: { type: 'Property', path: element, source } });
const retrieve = { type: 'Retrieve', dataType: '{http://hl7.org/fhir}DiagnosticReport' };
const none = new Set<string>();

describe('matchedElements: where the text Matches reads comes from', () => {
  it('reads the element of a property path', () => {
    const elm = library({ name: 'A', expression: { type: 'Query', source: [{ alias: 'R', expression: retrieve }], where: matches(valueOf({ type: 'AliasRef', name: 'R' }, 'conclusion')) } });
    expect(matchedElements(elm, none)).toEqual(new Set(['conclusion']));
  });

  it('follows a let and a query alias to what they stand for', () => {
    const sentences = { type: 'SplitOnMatches', stringToSplit: valueOf({ type: 'AliasRef', name: 'R' }, 'conclusion'), separatorPattern: literal('\\. ') };
    const inner = { type: 'Query', source: [{ alias: 'S', expression: { type: 'QueryLetRef', name: 'text' } }], where: matches({ type: 'Lower', operand: { type: 'AliasRef', name: 'S' } }) };
    const elm = library({
      name: 'A',
      expression: { type: 'Query', source: [{ alias: 'R', expression: retrieve }], let: [{ identifier: 'text', expression: sentences }], where: { type: 'Exists', operand: inner } },
    });
    expect(matchedElements(elm, none)).toEqual(new Set(['conclusion']));
  });

  it('follows a function operand to the argument of every call', () => {
    const fn = { type: 'FunctionDef', name: 'Says', operand: [{ name: 'text' }], expression: matches({ type: 'Lower', operand: { type: 'OperandRef', name: 'text' } }) };
    const call = (element: string) => ({ type: 'FunctionRef', name: 'Says', operand: [valueOf({ type: 'AliasRef', name: 'R' }, element)] });
    const elm = library(fn, {
      name: 'A',
      expression: { type: 'Query', source: [{ alias: 'R', expression: retrieve }], where: { type: 'Or', operand: [call('conclusion'), call('comment')] } },
    });
    expect(matchedElements(elm, none)).toEqual(new Set(['conclusion', 'comment']));
  });

  it('follows a tuple field read through an alias to what the tuple put there', () => {
    const tuples = {
      type: 'Query',
      source: [{ alias: 'R', expression: retrieve }],
      return: { expression: { type: 'Tuple', element: [{ name: 'said', value: valueOf({ type: 'AliasRef', name: 'R' }, 'conclusion') }, { name: 'id', value: literal('x') }] } },
    };
    const elm = library({ name: 'A', expression: { type: 'Query', source: [{ alias: 'T', expression: tuples }], where: matches({ type: 'Property', path: 'said', scope: 'T' }) } });
    expect(matchedElements(elm, none)).toEqual(new Set(['conclusion']));
  });

  it('reads nothing more from a FHIR element passed on through an alias, and gives up on a field it cannot trace', () => {
    const passed = library({ name: 'A', expression: { type: 'Query', source: [{ alias: 'R', expression: retrieve }], where: matches({ type: 'Property', path: 'code', scope: 'R' }) } });
    expect(matchedElements(passed, none)).toEqual(new Set());
    const untraced = { type: 'Query', source: [{ alias: 'T', expression: { type: 'Message', source: retrieve } }], where: matches({ type: 'Property', path: 'said', scope: 'T' }) };
    expect(matchedElements(library({ name: 'A', expression: untraced }), none)).toBeUndefined();
  });

  it('cannot tell where the text comes from when a name is declared nowhere', () => {
    expect(matchedElements(library({ name: 'A', expression: matches({ type: 'AliasRef', name: 'Nowhere' }) }), none)).toBeUndefined();
  });
});
