import type cql from 'cql-execution';
import { forEachNode, nodeType, type BuiltNode } from './built-nodes.js';

/**
 * Lookups by key in a list parameter answered from an index, as a database answers `where id = ?`.
 *
 * The criteria look facts up by resource reference: `"Resource Facts" F where F.ref = ref return F.levels`.
 * cql-execution evaluates the condition once per item (about 35 node evaluations per lookup on the seed
 * chart, a fifth of an evaluation in all). For a query over one list parameter whose `where` is
 * `Alias.field = key` (or begins with that conjunct under `and`), where `key` does not read the alias, the
 * source list handed to the query is cut down to the items whose field is the key, read from an index
 * built once per list. The `where` still runs on those items, so the answer cannot change: an item left
 * out could never satisfy `field = key` (CQL's Equal on strings is string equality; a null key matches
 * nothing), and an item whose field is not a plain string stays in whatever the key.
 */

type Node = BuiltNode;
interface PropertyNode extends Node {
  scope?: string;
  path: string;
  source?: unknown;
}
interface QueryNode extends Node {
  sources: { alias: string; expression: Node }[];
  letClauses?: unknown[];
  where?: Node & { args?: Node[] };
}

const kind = nodeType;

/** True when `node` (an expression tree) reads the alias anywhere. */
function readsAlias(node: unknown, alias: string, seen = new Set<unknown>()): boolean {
  if (node === null || typeof node !== 'object' || seen.has(node)) return false;
  seen.add(node);
  const k = kind(node);
  if ((k === 'AliasRef' || k === 'QueryLetRef') && (node as { name?: string }).name === alias) return true;
  if (k === 'Property' && (node as PropertyNode).scope === alias) return true;
  return Object.values(node).some((v) => readsAlias(v, alias, seen));
}

/** The `Alias.field = key` the query's where begins with: the field and the key expression. */
function keyLookup(query: QueryNode): { path: string; key: Node } | undefined {
  if (query.sources.length !== 1 || kind(query.sources[0]!.expression) !== 'ParameterRef') return undefined;
  // A key may read the query's own `let`s, which exist only per item, after the source is read.
  if ((query.letClauses?.length ?? 0) > 0) return undefined;
  const alias = query.sources[0]!.alias;
  let condition: (Node & { args?: Node[] }) | undefined = query.where;
  while (kind(condition) === 'And' && Array.isArray(condition?.args)) condition = condition.args[0];
  if (kind(condition) !== 'Equal') return undefined;
  const args = condition?.args;
  if (!Array.isArray(args) || args.length !== 2) return undefined;
  for (const [field, key] of [args, [args[1], args[0]]] as [Node, Node][]) {
    const p = field as PropertyNode;
    if (kind(p) === 'Property' && p.scope === alias && p.source == null && !p.path.includes('.') && !readsAlias(key, alias)) {
      return { path: p.path, key };
    }
  }
  return undefined;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

interface ListIndex {
  byKey: Map<string, unknown[]>;
  /** Items whose field is not a plain string: kept for every key, the where decides. */
  undecided: unknown[];
  order: Map<unknown, number>;
}

function buildIndex(list: readonly unknown[], path: string): ListIndex {
  const index: ListIndex = { byKey: new Map(), undecided: [], order: new Map() };
  list.forEach((item, i) => {
    index.order.set(item, i);
    const value = isPlainObject(item) ? item[path] : undefined;
    if (value === null) return; // null = key is never true
    if (typeof value !== 'string') {
      index.undecided.push(item);
      return;
    }
    const bucket = index.byKey.get(value);
    if (bucket) bucket.push(item);
    else index.byKey.set(value, [item]);
  });
  return index;
}

function itemsFor(index: ListIndex, key: string): unknown[] {
  const hits = index.byKey.get(key) ?? [];
  if (index.undecided.length === 0) return hits;
  // Keep the list's order: sort and First/Last-free queries still see the items as the list has them.
  return [...hits, ...index.undecided].sort((a, b) => index.order.get(a)! - index.order.get(b)!);
}

/** Indexes every eligible query of the library and its includes; returns how many. */
export function indexListLookups(library: cql.Library): number {
  // On the list, not in a WeakMap keyed by it: the young-generation collector keeps a WeakMap's entries, and an
  // evaluation's lists and indexes would be promoted with them (see function-memo.ts).
  const INDEXES = Symbol('list indexes');
  const indexesOf = (list: unknown[]): Map<string, ListIndex> => {
    const holder = list as { [INDEXES]?: Map<string, ListIndex> };
    if (holder[INDEXES]) return holder[INDEXES];
    const byPath = new Map<string, ListIndex>();
    // A frozen list gets an index per lookup: slower, never wrong.
    if (Object.isExtensible(list)) Object.defineProperty(list, INDEXES, { value: byPath });
    return byPath;
  };
  let patched = 0;

  const patch = (query: QueryNode, lookup: { path: string; key: Node }) => {
    const source = query.sources[0]!.expression;
    const original = source.exec.bind(source);
    source.exec = (ctx: unknown) => {
      const list = original(ctx);
      if (!Array.isArray(list)) return list;
      const key = lookup.key.execute(ctx);
      if (key === null || key === undefined) return [];
      if (typeof key !== 'string') return list;
      const byPath = indexesOf(list);
      let index = byPath.get(lookup.path);
      if (!index) byPath.set(lookup.path, (index = buildIndex(list, lookup.path)));
      return itemsFor(index, key);
    };
    patched++;
  };

  forEachNode(library, (node) => {
    if (nodeType(node) !== 'Query') return;
    const lookup = keyLookup(node as QueryNode);
    if (lookup) patch(node as QueryNode, lookup);
  });
  return patched;
}
