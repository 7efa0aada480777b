import { emptyValuePaths, pruneEmpty } from '../../src/cds/no-empty.js';

describe('no null or empty values', () => {
  it('removes null, undefined, "", [] and {} at any depth, and what becomes empty by it', () => {
    const card = {
      uuid: 'u',
      summary: 's',
      detail: '',
      nothing: null,
      links: [],
      source: { label: 'l', icon: undefined, topic: { code: 'c', display: '' } },
      suggestions: [{ label: 'x', actions: [{ type: 'delete', resourceId: [] }] }, {}],
      overrideReasons: [{ extra: [] }],
      count: 0,
      flag: false,
    };
    expect(pruneEmpty(card)).toEqual({
      uuid: 'u',
      summary: 's',
      source: { label: 'l', topic: { code: 'c' } },
      suggestions: [{ label: 'x', actions: [{ type: 'delete' }] }],
      count: 0,
      flag: false,
    });
  });

  it('lists the paths of empty values and nothing for a clean value', () => {
    expect(emptyValuePaths({ a: '', b: [1, null], c: { d: {} }, e: 0 })).toEqual(['a', 'b.1', 'c.d']);
    expect(emptyValuePaths(pruneEmpty({ a: '', b: [1, null], c: { d: {} }, e: 0 }))).toEqual([]);
    expect(emptyValuePaths([])).toEqual(['(root)']);
  });

  it("keeps an action's resource exactly as the card holds it: a FHIR resource keeps its own JSON (nulls that align primitive arrays)", () => {
    const resource = { resourceType: 'ServiceRequest', id: 'sr-1', instantiatesUri: ['a', 'b'], _instantiatesUri: [null, { id: 'x' }], note: [], text: '' };
    const card = { uuid: 'u', detail: '', suggestions: [{ label: 'x', uuid: '', actions: [{ type: 'update', description: 'd', resource }] }] };
    const pruned = pruneEmpty(card);
    expect(pruned).toEqual({ uuid: 'u', suggestions: [{ label: 'x', actions: [{ type: 'update', description: 'd', resource }] }] });
    expect(emptyValuePaths(card)).toEqual(['detail', 'suggestions.0.uuid']);
    expect(emptyValuePaths({ cards: [pruned] })).toEqual([]);
    expect(emptyValuePaths([pruned])).toEqual([]);
    // Only the resource of an action is exempt, not a field of that name elsewhere.
    expect(pruneEmpty({ resource: { a: null } })).toEqual({});
  });

  it('does not change its input', () => {
    const input = { a: '', b: 'x' };
    pruneEmpty(input);
    expect(input).toEqual({ a: '', b: 'x' });
  });
});
