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
      suggestions: [{ label: 'x', actions: [{ type: 'update', resource: {} }] }, {}],
      overrideReasons: [{ extra: [] }],
      count: 0,
      flag: false,
    };
    expect(pruneEmpty(card)).toEqual({
      uuid: 'u',
      summary: 's',
      source: { label: 'l', topic: { code: 'c' } },
      suggestions: [{ label: 'x', actions: [{ type: 'update' }] }],
      count: 0,
      flag: false,
    });
  });

  it('lists the paths of empty values and nothing for a clean value', () => {
    expect(emptyValuePaths({ a: '', b: [1, null], c: { d: {} }, e: 0 })).toEqual(['a', 'b.1', 'c.d']);
    expect(emptyValuePaths(pruneEmpty({ a: '', b: [1, null], c: { d: {} }, e: 0 }))).toEqual([]);
    expect(emptyValuePaths([])).toEqual(['(root)']);
  });

  it('does not change its input', () => {
    const input = { a: '', b: 'x' };
    pruneEmpty(input);
    expect(input).toEqual({ a: '', b: 'x' });
  });
});
