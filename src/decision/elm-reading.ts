/**
 * What the criteria library says about the text and codes it reads, taken from its ELM: the `Matches`
 * patterns, the elements whose strings those patterns are tried on, and the value sets it declares.
 * The relevance filter (relevance.ts) is built from these, never from a list of its own.
 */
type ElmNode = Record<string, unknown>;
interface ElmLibrary {
  library?: {
    identifier?: { id?: string };
    includes?: { def?: { localIdentifier?: string; path?: string }[] };
    valueSets?: { def?: { id?: string }[] };
    statements?: { def?: { name?: string; expression?: ElmNode }[] };
  };
}

/** Calls `fn` with the operands of every `Matches` node in one library's ELM tree. */
function forEachMatches(library: unknown, fn: (operand: unknown[]) => void): void {
  const stack: unknown[] = [library];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...node);
    else if (node !== null && typeof node === 'object') {
      const n = node as ElmNode;
      if (n.type === 'Matches' && Array.isArray(n.operand)) fn(n.operand);
      for (const v of Object.values(n)) if (v !== null && typeof v === 'object') stack.push(v);
    }
  }
}

/** Every `Matches` pattern of the libraries, as its literal text, or undefined for one that is not a literal. */
export function matchPatterns(elm: Readonly<Record<string, unknown>>): (string | undefined)[] {
  const libraries = elm as Record<string, ElmLibrary>;
  const patterns: (string | undefined)[] = [];
  const literalOf = (node: ElmNode | undefined, library: ElmLibrary, depth: number): string | undefined => {
    if (!node || depth > 20) return undefined;
    if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
    if (node.type === 'ExpressionRef' && typeof node.name === 'string') {
      let target = library;
      if (typeof node.libraryName === 'string') {
        const include = library.library?.includes?.def?.find((d) => d.localIdentifier === node.libraryName);
        const found = include?.path ? libraries[include.path] : undefined;
        if (!found) return undefined;
        target = found;
      }
      const def = target.library?.statements?.def?.find((d) => d.name === node.name);
      return literalOf(def?.expression, target, depth + 1);
    }
    return undefined;
  };
  for (const library of Object.values(libraries)) {
    forEachMatches(library, (operand) => patterns.push(literalOf(operand[1] as ElmNode, library, 0)));
  }
  return patterns;
}

type Library = ElmLibrary & Record<string, unknown>;

/**
 * The FHIR elements whose strings the libraries' `Matches` can read: in the first operand of every `Matches`
 * (and in the functions and definitions it calls), each `X.value` names element X, and each element typed as
 * a plain System string by the model (`systemStrings`, e.g. `id`) names itself. Undefined when a `.value` is
 * read from something other than an element (an alias over a list of primitives): then the filter cannot
 * tell where the text comes from.
 */
export function matchedElements(elm: Readonly<Record<string, unknown>>, systemStrings: ReadonlySet<string>): Set<string> | undefined {
  const libraries = elm as Record<string, Library>;
  const names = new Set<string>();
  const visited = new Set<string>();
  let readable = true;

  const libraryFor = (library: Library, alias: unknown): Library | undefined => {
    if (typeof alias !== 'string') return library;
    const include = library.library?.includes?.def?.find((d) => d.localIdentifier === alias);
    return include?.path ? libraries[include.path] : undefined;
  };
  const definitions = (library: Library, name: string): ElmNode[] =>
    (library.library?.statements?.def ?? []).filter((d) => d.name === name && d.expression).map((d) => d.expression!);

  const visit = (node: unknown, library: Library): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, library);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const n = node as ElmNode;
    if (n.type === 'Property' && typeof n.path === 'string') {
      const path = n.path.split('.');
      const last = path[path.length - 1]!;
      if (last === 'value') {
        const source = n.source as ElmNode | undefined;
        if (path.length > 1) names.add(path[path.length - 2]!);
        else if (source?.type === 'Property' && typeof source.path === 'string') names.add(source.path.split('.').pop()!);
        else readable = false;
      }
      for (const segment of path) if (systemStrings.has(segment)) names.add(segment);
    }
    if ((n.type === 'FunctionRef' || n.type === 'ExpressionRef') && typeof n.name === 'string') {
      const target = libraryFor(library, n.libraryName);
      const key = `${String(n.libraryName ?? '')}/${target?.library?.identifier?.id ?? ''}/${n.name}`;
      if (!target) readable = false;
      else if (!visited.has(key)) {
        visited.add(key);
        for (const body of definitions(target, n.name)) visit(body, target);
      }
    }
    for (const key of Object.keys(n)) {
      const v = n[key];
      if (v !== null && typeof v === 'object' && key !== 'annotation') visit(v, library);
    }
  };

  for (const library of Object.values(libraries)) {
    forEachMatches(library, (operand) => visit(operand[0], library));
  }
  return readable ? names : undefined;
}

/** The canonical urls of every value set the libraries declare. */
export function declaredValueSets(elm: Readonly<Record<string, unknown>>): string[] {
  const urls = new Set<string>();
  for (const library of Object.values(elm as Record<string, ElmLibrary>)) {
    for (const d of library.library?.valueSets?.def ?? []) if (typeof d.id === 'string') urls.add(d.id);
  }
  return [...urls];
}
