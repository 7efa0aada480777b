import type cql from 'cql-execution';
import { forEachNode, nodeType, type BuiltNode } from './built-nodes.js';

/**
 * Regular expressions compiled once per pattern, not at every evaluation.
 *
 * cql-execution's Matches, ReplaceMatches and SplitOnMatches build `new RegExp(pattern)` each time they run, and
 * the criteria run them on every text of every record (the negation and region patterns of R2 several times per
 * Condition): compiling the same literal patterns took about a tenth of an evaluation. The patched nodes build the
 * same expressions (`^` + pattern + `$` for Matches, the `g` flag for ReplaceMatches) and keep them: a test of a
 * RegExp without `g` keeps no state, and String.replace and split start a global RegExp from its beginning.
 */
interface StringNode extends BuiltNode {
  execArgs(ctx: unknown): unknown;
  stringToSplit?: BuiltNode;
  separatorPattern?: BuiltNode;
}

/** Patterns built from data could be many: the cache is emptied when it reaches this size. */
const LIMIT = 1000;

/**
 * One kind of expression (Matches' anchored one, ReplaceMatches' global one, SplitOnMatches' plain one), kept by its
 * pattern as given: the pattern strings come from the library's literals, so no new key is built per call.
 */
export function regexCache(build: (pattern: string) => RegExp): (pattern: string) => RegExp {
  const compiled = new Map<string, RegExp>();
  return (pattern) => {
    let re = compiled.get(pattern);
    if (re === undefined) {
      re = build(pattern);
      if (compiled.size >= LIMIT) compiled.clear();
      compiled.set(pattern, re);
    }
    return re;
  };
}

/** Patches the Matches, ReplaceMatches and SplitOnMatches nodes of the library and its includes; returns how many. */
export function cacheRegularExpressions(library: cql.Library): number {
  const anchored = regexCache((p) => new RegExp(`^${p}$`));
  const global = regexCache((p) => new RegExp(p, 'g'));
  const plain = regexCache((p) => new RegExp(p));
  let patched = 0;
  forEachNode(library, (node) => {
    const n = node as StringNode;
    switch (nodeType(node)) {
      case 'Matches':
        n.exec = (ctx) => {
          const [string, pattern] = n.execArgs(ctx) as [string | null, string | null];
          if (string == null || pattern == null) return null;
          return anchored(pattern).test(string);
        };
        break;
      case 'ReplaceMatches':
        n.exec = (ctx) => {
          const args = n.execArgs(ctx) as (string | null)[];
          if (args.some((x) => x == null)) return null;
          return args[0]!.replace(global(args[1]!), args[2]!);
        };
        break;
      case 'SplitOnMatches':
        if (!n.stringToSplit || !n.separatorPattern) return;
        n.exec = (ctx) => {
          const text = n.stringToSplit!.execute(ctx) as string | null;
          const pattern = n.separatorPattern!.execute(ctx) as string | null;
          if (text && pattern) return text.split(plain(pattern));
          return text ? [text] : null;
        };
        break;
      default:
        return;
    }
    patched++;
  });
  return patched;
}
