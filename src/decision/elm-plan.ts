/**
 * Changes to how cql-execution runs the compiled libraries that leave every result as it was.
 *
 * - localIds are dropped: cql-execution records the result of every node that has one (for coverage
 *   highlighting), a write per node evaluated; the service never reads them. Annotations (the CQL source,
 *   nine tenths of the ELM's size, kept in memory by every loaded Library) go too. Locators stay, so an
 *   evaluation error still names its CQL line.
 * - A query with one source, no `return`, `let` or aggregate (`[Condition] C where ...`) is distinct in CQL,
 *   and cql-execution makes it so by building a normalised key of every item that passed the filter (for a
 *   FHIR resource, its whole content). The query gets `return all` (distinct false) where the distinct step
 *   cannot change the answer: when it is the operand of `exists` (duplicates do not change existence), or
 *   when its source holds no duplicates already: a retrieve (each chart resource once), a definition or
 *   function whose value is a query (distinct by CQL's rules, or by this same argument).
 */

type Node = Record<string, unknown>;
interface Def {
  name?: string;
  expression?: Node;
}
interface Library {
  library?: {
    includes?: { def?: { localIdentifier?: string; path?: string }[] };
    statements?: { def?: Def[] };
  };
}

export function stripForRuntime<T>(node: T): T {
  if (Array.isArray(node)) {
    for (const item of node) stripForRuntime(item);
  } else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    delete o.localId;
    delete o.annotation;
    for (const key of Object.keys(o)) stripForRuntime(o[key]);
  }
  return node;
}

const isNode = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A single-source query that only filters: distinct by default, and the item is its own result. */
function filteringQuery(n: Node): { alias: string; source: Node } | undefined {
  if (n.type !== 'Query' || !Array.isArray(n.source) || n.source.length !== 1) return undefined;
  if (n.return != null || n.aggregate != null || (Array.isArray(n.let) && n.let.length > 0)) return undefined;
  const source = n.source[0] as Node;
  if (typeof source.alias !== 'string' || !isNode(source.expression)) return undefined;
  return { alias: source.alias, source: source.expression };
}

/** Marks the queries whose distinct step is redundant (see above); returns how many. */
export function skipRedundantDistinct(elm: Record<string, unknown>): number {
  const libraries = elm as Record<string, Library>;
  const definitions = (library: Library, libraryName: unknown, name: string): { library: Library; defs: Def[] } | undefined => {
    let target = library;
    if (typeof libraryName === 'string') {
      const path = library.library?.includes?.def?.find((d) => d.localIdentifier === libraryName)?.path;
      const found = path ? libraries[path] : undefined;
      if (!found) return undefined;
      target = found;
    }
    const defs = (target.library?.statements?.def ?? []).filter((d) => d.name === name);
    return defs.length > 0 ? { library: target, defs } : undefined;
  };

  /** Does this expression's value hold each item once? (false when unsure) */
  const noDuplicates = (expr: Node, library: Library, seen: Set<Node>): boolean => {
    if (seen.has(expr)) return false;
    seen.add(expr);
    switch (expr.type) {
      case 'Retrieve':
        return true;
      case 'Query': {
        // Any query is distinct unless it says `return all`, or is one of ours whose source holds no duplicates.
        const ret = expr.return as Node | undefined;
        if (ret && ret.distinct === false) {
          const q = (expr.source as Node[] | undefined)?.[0];
          return ret.marked === true && !!q && isNode(q.expression) && noDuplicates(q.expression, library, seen);
        }
        return true;
      }
      case 'ExpressionRef':
      case 'FunctionRef': {
        const found = typeof expr.name === 'string' ? definitions(library, expr.libraryName, expr.name) : undefined;
        return !!found && found.defs.every((d) => isNode(d.expression) && noDuplicates(d.expression, found.library, seen));
      }
      default:
        return false;
    }
  };

  const candidates: { query: Node; alias: string; source: Node; library: Library; underExists: boolean }[] = [];
  const collect = (node: unknown, library: Library, parentType: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) collect(n, library, parentType);
      return;
    }
    if (!isNode(node)) return;
    const q = filteringQuery(node);
    if (q) candidates.push({ query: node, ...q, library, underExists: parentType === 'Exists' });
    for (const [key, v] of Object.entries(node)) if (key !== 'annotation') collect(v, library, node.type);
  };
  for (const library of Object.values(libraries)) collect(library, library, undefined);

  let marked = 0;
  for (const c of candidates) {
    if (c.underExists || noDuplicates(c.source, c.library, new Set())) {
      // `marked` tells noDuplicates that this `return all` keeps a duplicate-free source duplicate-free.
      c.query.return = { distinct: false, marked: !c.underExists, expression: { type: 'AliasRef', name: c.alias } };
      marked++;
    }
  }
  return marked;
}
