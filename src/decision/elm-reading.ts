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

export type Library = ElmLibrary & Record<string, unknown>;

/**
 * The FHIR elements whose strings the libraries' `Matches` can read: in the first operand of every `Matches`
 * (and in the functions and definitions it calls), each `X.value` names element X, and each element typed as
 * a plain System string by the model (`systemStrings`, e.g. `id`) names itself. Undefined when a `.value` is
 * read from something other than an element (an alias over a list of primitives): then the filter cannot
 * tell where the text comes from.
 * A name whose own value reaches `Matches` (`Matches(Lower(S), ..)` over the sentences of a report) is followed
 * to what it stands for: the query source or `let` that declares it, or, for a function operand, the argument
 * every call of the function passes in its place; a tuple field read through a name (`T.text`) is followed to
 * the tuple element that gives it. A name or field the reading cannot trace makes the answer undefined.
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
  const scopes = lexicalScopes(libraries);

  /** A name used as a value (not as the source of a property, which the property reads) stands for its declaration. */
  const followed = new Set<object>();
  const visitNamed = (n: ElmNode): void => {
    if (followed.has(n)) return;
    followed.add(n);
    const declared = scopes.resolve(n);
    if (declared === undefined) readable = false;
    else for (const [expression, library] of declared) visit(expression, library);
  };

  /**
   * The expressions that give field `path` of what `node` evaluates to, when it is a tuple built in the ELM
   * (`Tuple { text: R.conclusion.value }`, through queries, lets, definitions and branches); none for FHIR data
   * (a retrieve's elements are read with `.value`, which is followed where it is read). Undefined when the ELM
   * does not say.
   */
  const fieldValues = (node: unknown, path: string[], library: Library, depth = 0): [unknown, Library][] | undefined => {
    if (node === null || typeof node !== 'object' || depth > 40) return undefined;
    const n = node as ElmNode;
    const all = (items: unknown[], lib = library): [unknown, Library][] | undefined => {
      const out: [unknown, Library][] = [];
      for (const item of items) {
        const found = fieldValues(item, path, lib, depth + 1);
        if (found === undefined) return undefined;
        out.push(...found);
      }
      return out;
    };
    if (path.length === 0) return [[n, library]];
    switch (n.type) {
      case 'Tuple': {
        const element = ((n.element ?? []) as ElmNode[]).find((e) => e.name === path[0]);
        return element ? fieldValues(element.value, path.slice(1), library, depth + 1) : [];
      }
      case 'Retrieve':
      case 'Null':
      case 'Literal':
        return [];
      case 'Query': {
        const ret = n.return as ElmNode | undefined;
        if (ret) return all([ret.expression]);
        const sources = (n.source ?? []) as ElmNode[];
        return sources.length === 1 ? all([sources[0]!.expression]) : undefined;
      }
      case 'ExpressionRef':
      case 'FunctionRef': {
        const target = libraryFor(library, n.libraryName);
        return target ? all(definitions(target, String(n.name)), target) : undefined;
      }
      case 'AliasRef':
      case 'QueryLetRef':
      case 'OperandRef': {
        const declared = scopes.resolve(n);
        if (!declared) return undefined;
        const out: [unknown, Library][] = [];
        for (const [expression, lib] of declared) {
          const found = fieldValues(expression, path, lib, depth + 1);
          if (found === undefined) return undefined;
          out.push(...found);
        }
        return out;
      }
      case 'Property':
        // A field of a field: the chain read from its base.
        return fieldsOfProperty(n, path, library, depth + 1);
      case 'If':
        return all([n.then, n.else]);
      case 'Case':
        return all([...((n.caseItem ?? []) as ElmNode[]).map((c) => c.then), n.else]);
      case 'List':
        return all((n.element ?? []) as unknown[]);
      case 'Union':
      case 'Intersect':
      case 'Except':
      case 'Coalesce':
        return all((n.operand ?? []) as unknown[]);
      case 'Distinct':
      case 'Flatten':
      case 'SingletonFrom':
      case 'As':
      case 'ToList':
        return all([n.operand]);
      case 'First':
      case 'Last':
      case 'Sort':
        return all([n.source]);
      default:
        return undefined;
    }
  };

  /** Field `path` of a property's value: its own path, then `path`, read from its base (a scope or its source). */
  function fieldsOfProperty(n: ElmNode, path: string[], library: Library, depth = 0): [unknown, Library][] | undefined {
    const full = [...String(n.path).split('.'), ...path];
    if (typeof n.scope !== 'string') return fieldValues(n.source, full, library, depth);
    const declared = scopes.resolve({ type: 'AliasRef', name: n.scope }, n);
    if (!declared) return undefined;
    const out: [unknown, Library][] = [];
    for (const [expression, lib] of declared) {
      const found = fieldValues(expression, full, lib, depth);
      if (found === undefined) return undefined;
      out.push(...found);
    }
    return out;
  }

  /** A field read through a name (`T.text`): what the declaration put in that field is followed. */
  const visitField = (n: ElmNode, library: Library): void => {
    if (followed.has(n)) return;
    followed.add(n);
    const values = fieldsOfProperty(n, [], library);
    if (values === undefined) readable = false;
    else for (const [expression, lib] of values) visit(expression, lib);
  };

  const visit = (node: unknown, library: Library, asSource = false): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, library);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const n = node as ElmNode;
    if (!asSource && (n.type === 'AliasRef' || n.type === 'QueryLetRef' || n.type === 'OperandRef')) visitNamed(n);
    if (n.type === 'Property' && typeof n.path === 'string') {
      const path = n.path.split('.');
      const last = path[path.length - 1]!;
      // As the base of another read (`O.value` in `(O.value as FHIR.string).value`) it is an element, not a primitive's value.
      if (last === 'value' && !asSource) {
        const source = n.source as ElmNode | undefined;
        // Through a cast, `(O.value as FHIR.string).value` reads the choice element itself (valueString).
        const element = source?.type === 'As' ? (source.operand as ElmNode | undefined) : source;
        if (path.length > 1) names.add(path[path.length - 2]!);
        else if (element?.type === 'Property' && typeof element.path === 'string') names.add(element.path.split('.').pop()!);
        else readable = false;
      }
      for (const segment of path) if (systemStrings.has(segment)) names.add(segment);
      const source = n.source as ElmNode | undefined;
      const throughName = typeof n.scope === 'string' || (source !== undefined && ['AliasRef', 'QueryLetRef', 'OperandRef'].includes(String(source.type)));
      if (!asSource && last !== 'value' && throughName) visitField(n, library);
      // A cast's operand is the element read, not a value of its own (`O.value` in `(O.value as FHIR.string).value`).
      const read = n.source as ElmNode | undefined;
      visit(read?.type === 'As' ? read.operand : read, library, true);
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
      if (v !== null && typeof v === 'object' && key !== 'annotation' && !(key === 'source' && n.type === 'Property')) visit(v, library);
    }
  };

  for (const library of Object.values(libraries)) {
    forEachMatches(library, (operand) => visit(operand[0], library));
  }
  return readable ? names : undefined;
}

/**
 * Where each name of the ELM is declared, read from the tree itself: the nearest enclosing query whose source,
 * relationship or `let` carries the name, else, for an operand, the function that declares it, whose calls
 * (by function name, in every library) pass the arguments. Undefined when nothing declares the name.
 */
export function lexicalScopes(libraries: Record<string, Library>): { resolve(ref: ElmNode, from?: object): [unknown, Library][] | undefined } {
  const parents = new Map<object, object>();
  const libraryOf = new Map<object, Library>();
  const calls = new Map<string, ElmNode[]>();
  for (const library of Object.values(libraries)) {
    const stack: object[] = [library];
    while (stack.length > 0) {
      const node = stack.pop()!;
      libraryOf.set(node, library);
      const n = node as ElmNode;
      if (n.type === 'FunctionRef' && typeof n.name === 'string') {
        const list = calls.get(n.name);
        if (list) list.push(n);
        else calls.set(n.name, [n]);
      }
      for (const [key, v] of Object.entries(n)) {
        if (key === 'annotation' || v === null || typeof v !== 'object') continue;
        parents.set(v, node);
        stack.push(v);
      }
    }
  }
  const declaredBy = (n: ElmNode, name: string): unknown[] => {
    const found: unknown[] = [];
    for (const key of ['source', 'relationship', 'let']) {
      const clauses = n[key];
      if (!Array.isArray(clauses)) continue;
      for (const c of clauses as ElmNode[]) if (c.alias === name || c.identifier === name) found.push(c.expression);
    }
    return found;
  };
  return {
    /** `from`: the node the name is used at, when the reference is not itself a node of the tree (a property's scope). */
    resolve(ref: ElmNode, from: object = ref): [unknown, Library][] | undefined {
      const name = ref.name;
      if (typeof name !== 'string') return undefined;
      for (let p = parents.get(from); p; p = parents.get(p)) {
        const n = p as ElmNode;
        if (n.type === 'Query' && ref.type !== 'OperandRef') {
          const found = declaredBy(n, name);
          if (found.length > 0) return found.map((e) => [e, libraryOf.get(n)!]);
        }
        if (n.type === 'FunctionDef' && ref.type === 'OperandRef' && Array.isArray(n.operand)) {
          const index = (n.operand as ElmNode[]).findIndex((o) => o.name === name);
          if (index < 0) return undefined;
          return (calls.get(String(n.name)) ?? []).flatMap((call) =>
            Array.isArray(call.operand) && index < call.operand.length ? [[call.operand[index], libraryOf.get(call)!] as [unknown, Library]] : [],
          );
        }
      }
      return undefined;
    },
  };
}

/** The canonical urls of every value set the libraries declare. */
export function declaredValueSets(elm: Readonly<Record<string, unknown>>): string[] {
  const urls = new Set<string>();
  for (const library of Object.values(elm as Record<string, ElmLibrary>)) {
    for (const d of library.library?.valueSets?.def ?? []) if (typeof d.id === 'string') urls.add(d.id);
  }
  return [...urls];
}
