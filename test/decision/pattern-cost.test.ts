import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../support/fixture-charts.js';
import { runBounded } from '../support/bounded.js';

/**
 * Every text pattern of the compiled criteria, run the way the engine runs it (src/decision/regex-cache.ts) over
 * texts as long as the service reads (MAX_TEXT_LENGTH, 100,000 characters), shaped to make a pattern backtrack.
 * A pattern whose cost grows faster than its text (a Clause Break tried from every stop of a run took seconds)
 * stalls an evaluation thread past the hook's deadline: an informaticist's new pattern meets this test first.
 */
type Node = { type?: string; name?: string; value?: string; operand?: Node[]; separatorPattern?: Node; expression?: Node; [key: string]: unknown };
type Use = 'Matches' | 'ReplaceMatches' | 'SplitOnMatches';

function patternUses(): { library: string; use: Use; name: string; pattern: string }[] {
  const uses: { library: string; use: Use; name: string; pattern: string }[] = [];
  for (const library of ['LumbarFusionCriteria', 'SpineCommon']) {
    const elm = JSON.parse(readFileSync(path.join(ROOT, 'cql-mappings', 'elm', `${library}.json`), 'utf8')) as { library: { statements?: { def?: Node[] } } };
    const defs = new Map((elm.library.statements?.def ?? []).map((d) => [d.name!, d]));
    const literal = (n: Node | undefined): string | undefined =>
      n?.type === 'Literal' ? n.value : n?.type === 'ExpressionRef' ? literal(defs.get(n.name!)?.expression) : undefined;
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (n === null || typeof n !== 'object') return;
      const node = n as Node;
      if (node.type === 'Matches' || node.type === 'ReplaceMatches' || node.type === 'SplitOnMatches') {
        const ref = node.type === 'SplitOnMatches' ? node.separatorPattern : node.operand?.[1];
        const pattern = literal(ref);
        // A pattern built at run time would escape this test: the criteria have none, and must say so here first.
        expect([library, node.type, ref?.name, pattern === undefined ? 'not a literal' : 'literal']).toEqual([library, node.type, ref?.name, 'literal']);
        uses.push({ library, use: node.type, name: ref?.name ?? pattern!, pattern: pattern! });
      }
      Object.values(node).forEach(walk);
    };
    walk(elm.library);
  }
  // A pattern used the same way in several places is tried once.
  return uses.filter((u, i) => uses.findIndex((v) => v.library === u.library && v.use === u.use && v.pattern === u.pattern) === i);
}

const LENGTH = 100_000;
const fill = (unit: string, tail = '') => unit.repeat(Math.floor((LENGTH - tail.length) / unit.length)) + tail;
const HOSTILE: Record<string, string> = {
  dots: fill('.', 'x'),
  stops: fill('.;:!?', 'x'),
  spaces: fill(' ', 'x'),
  'stop space': fill('. ', 'x'),
  words: fill('a ', '!'),
  negations: fill('no ', 'x'),
  'not resolved': fill('not resolved '),
  levels: fill('l3-l4 '),
  digits: fill('4', 'x'),
  dashes: fill('-', 'x'),
  findings: fill('left foot weakness, '),
  clause: fill('weakness but '),
};

describe('the criteria\'s text patterns cost time in proportion to the text', () => {
  const uses = patternUses();

  it('finds every pattern of the libraries', () => {
    expect(uses.map((u) => u.use)).toEqual(expect.arrayContaining(['Matches', 'ReplaceMatches', 'SplitOnMatches']));
    expect(uses.length).toBeGreaterThanOrEqual(15);
  });

  it.each(uses.map((u) => [`${u.library} ${u.use} "${u.name}"`, u] as const))('%s (bounded: a hang fails)', (_, u) => {
    const run =
      u.use === 'Matches'
        ? (text: string) => new RegExp(`^${u.pattern}$`).test(text)
        : u.use === 'ReplaceMatches'
          ? (text: string) => text.replace(new RegExp(u.pattern, 'g'), ' ')
          : (text: string) => text.split(new RegExp(u.pattern));
    for (const [shape, text] of Object.entries(HOSTILE)) {
      expect([shape, typeof runBounded(() => run(text), 2_000)]).toEqual([shape, expect.stringMatching(/boolean|string|object/)]);
    }
  });
});
