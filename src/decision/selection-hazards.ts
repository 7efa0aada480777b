import { lexicalScopes, type Library } from './elm-reading.js';

/**
 * Ways the criteria library could pick chart resources that the relevance filter (relevance.ts) cannot see, read
 * from the ELM reachable from "Plan Decision". The filter keeps a resource for a coding in a declared value set,
 * text a literal `Matches` pattern could match, an extracted fact or a link; a criterion that selects by anything
 * else would lose the resources it needs without a sign. Each hazard found turns the filter off:
 * - a code literal or code system (`code "X": '192970008' from "SNOMED"`, `in "SNOMED"`);
 * - a comparison (`=`, `in`, `StartsWith`, `<` ...) whose operand takes its value from a coded or free-text
 *   element (`code`, `text`, `display`, `value` ...): `Lower(C.code.text.value) = 'cauda equina syndrome'`;
 *   status codings (`clinicalStatus`, `verificationStatus`) are exempt, since they only narrow a selection;
 * - text reaching `Matches` through a `ReplaceMatches` that puts anything but spaces in ('anaesth' -> 'anesth'), or
 *   together with words of the library's own (`'lumbar ' + text`): the pattern could then match without the
 *   resource's words. Cutting text out (a replacement of spaces, a split) is no hazard: every word left was there.
 *   The filter's words hold no space, so a space put in cannot join two pieces into one of them.
 * Values are followed where they flow (a query's return, a branch's result, a function's arguments, a tuple's
 * field), not through conditions: a boolean is checked where it is computed. What cannot be followed counts as
 * a hazard.
 */
type Node = Record<string, unknown>;

const ENTRY = 'Plan Decision';
const CODE_LITERALS = new Set(['CodeRef', 'ConceptRef', 'CodeSystemRef', 'Code', 'Concept', 'InCodeSystem', 'AnyInCodeSystem']);
const COMPARISONS = new Set([
  'Equal', 'NotEqual', 'Equivalent', 'NotEquivalent', 'In', 'Contains', 'StartsWith', 'EndsWith', 'PositionOf', 'LastPositionOf',
  'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'IncludedIn', 'Includes', 'ProperIncludedIn', 'ProperIncludes', 'ProperIn',
  'ProperContains', 'Intersect', 'Except',
]);
/** Operators over a list whose answer depends on which records it holds, not on a value of theirs. */
const SIZE_OF = new Set(['Exists', 'Count']);
/** Results that are checked where they are computed, or that carry no element's value (a size, a truth value). */
const NO_VALUE_FLOW = new Set([
  ...COMPARISONS, 'And', 'Or', 'Not', 'Xor', 'Implies', 'Exists', 'InValueSet', 'AnyInValueSet', 'Matches', 'IsNull', 'IsTrue', 'IsFalse',
  'Is', 'Length', 'Count', 'Literal', 'Null', 'ParameterRef', 'Retrieve', 'ValueSetRef',
]);
/** FHIR elements whose values select nothing by themselves: ids and references (links), statuses, dates. */
const SAFE_ELEMENTS = new Set([
  'id', 'reference', 'status', 'start', 'end', 'onset', 'abatement', 'recordedDate', 'performed', 'effective', 'issued',
  'started', 'authoredOn', 'occurrence', 'date', 'birthDate',
]);
/**
 * Dates that may be given as an age or a range of ages (`onsetAge`): the age's value and unit only date the
 * record, as the date itself would.
 */
const AGE_DATES = new Set(['onset', 'abatement']);

export function selectionHazards(elm: Readonly<Record<string, unknown>>): string[] {
  const libraries = elm as Record<string, Library>;
  const main = Object.values(libraries).find((l) => l.library?.statements?.def?.some((d) => d.name === ENTRY));
  if (!main) return [`no "${ENTRY}" definition`];
  const scopes = lexicalScopes(libraries);
  const hazards = new Set<string>();
  const where = (n: Node) => (typeof n.locator === 'string' ? ` at ${n.locator}` : '');

  const libraryFor = (library: Library, alias: unknown): Library | undefined => {
    if (typeof alias !== 'string') return library;
    const include = library.library?.includes?.def?.find((d) => d.localIdentifier === alias);
    return include?.path ? libraries[include.path] : undefined;
  };
  const bodies = (library: Library, name: string): Node[] =>
    (library.library?.statements?.def ?? []).filter((d) => d.name === name && d.expression).map((d) => d.expression!);

  /**
   * The element paths a FHIR value may be read from: `C.code.text.value` is code.text, through aliases, function
   * operands (every call's argument) and casts. A name over something other than an element (a retrieve, a
   * definition, a function's result) starts a path of its own. Undefined when a name cannot be resolved.
   */
  const elementPaths = (n: Node, depth = 0): string[][] | undefined => {
    if (depth > 20) return undefined;
    if (n.type === 'As') return elementPaths(n.operand as Node, depth + 1);
    // A name passed on whole (a function's argument handed to another function) reads where its value came from.
    if (['AliasRef', 'QueryLetRef', 'OperandRef'].includes(String(n.type))) {
      const declared = scopes.resolve(n);
      if (declared === undefined) return [[]];
      const paths: string[][] = [];
      for (const [expression] of declared) {
        const found = elementPaths(expression as Node, depth + 1);
        if (found === undefined) return undefined;
        paths.push(...found);
      }
      return paths;
    }
    if (n.type !== 'Property' || typeof n.path !== 'string') return [[]];
    const own = n.path.split('.');
    const named = typeof n.scope === 'string' ? { type: 'AliasRef', name: n.scope } : (n.source as Node | undefined);
    let bases: string[][] | undefined;
    if (named !== undefined && ['AliasRef', 'QueryLetRef', 'OperandRef'].includes(String(named.type))) {
      const declared = typeof n.scope === 'string' ? scopes.resolve(named, n) : scopes.resolve(named);
      if (declared === undefined) return undefined;
      bases = [];
      for (const [expression] of declared) {
        const found = elementPaths(expression as Node, depth + 1);
        if (found === undefined) return undefined;
        bases.push(...found);
      }
    } else {
      bases = named === undefined ? [[]] : elementPaths(named, depth + 1);
    }
    return bases?.map((b) => [...b, ...own]);
  };

  /**
   * The element values an expression's value may carry ('?' when they cannot be followed), and literal words
   * ('literal:...') that join them.
   */
  const memo = new Map<object, string[]>();
  const flows = (node: unknown, library: Library, depth = 0): string[] => {
    if (node === null || typeof node !== 'object') return [];
    if (Array.isArray(node)) return node.flatMap((x) => flows(x, library, depth + 1));
    const n = node as Node;
    if (depth > 60) return ['?'];
    const known = memo.get(n);
    if (known) return known;
    memo.set(n, []); // a cycle carries nothing new
    const out = flowsOf(n, library, depth);
    memo.set(n, out);
    return out;
  };
  const flowsOf = (n: Node, library: Library, depth: number): string[] => {
    const type = String(n.type);
    if (type === 'Literal') return typeof n.value === 'string' && /[a-z0-9]/i.test(n.value) ? [`literal:${n.value}`] : [];
    if (NO_VALUE_FLOW.has(type)) return [];
    switch (type) {
      case 'Property': {
        if (String(n.path).split('.').pop() === 'value') {
          const paths = elementPaths(n);
          return paths === undefined ? ['?'] : paths.map((p) => p.slice(0, -1).join('.'));
        }
        // A field of a tuple or a parameter, or an element that is no primitive: followed field by field.
        const path = String(n.path).split('.');
        if (typeof n.scope !== 'string') return fieldFlows(n.source, library, path, depth + 1);
        const source = scopes.resolve({ type: 'AliasRef', name: n.scope }, n);
        return source ? source.flatMap(([e, lib]) => fieldFlows(e, lib, path, depth + 1)) : ['?'];
      }
      case 'AliasRef':
      case 'QueryLetRef':
      case 'OperandRef': {
        const declared = scopes.resolve(n);
        return declared ? declared.flatMap(([e, lib]) => flows(e, lib, depth + 1)) : ['?'];
      }
      case 'ExpressionRef':
      case 'FunctionRef': {
        const target = libraryFor(library, n.libraryName);
        return target ? bodies(target, String(n.name)).flatMap((b) => flows(b, target, depth + 1)) : ['?'];
      }
      case 'Query': {
        const ret = n.return as Node | undefined;
        const aggregate = n.aggregate as Node | undefined;
        if (aggregate) return [...flows(aggregate.expression, library, depth + 1), ...flows(aggregate.starting, library, depth + 1)];
        return ret ? flows(ret.expression, library, depth + 1) : flows(((n.source ?? []) as Node[]).map((s) => s.expression), library, depth + 1);
      }
      case 'If':
        return [...flows(n.then, library, depth + 1), ...flows(n.else, library, depth + 1)];
      case 'Case':
        return [...((n.caseItem ?? []) as Node[]).flatMap((c) => flows(c.then, library, depth + 1)), ...flows(n.else, library, depth + 1)];
      case 'ReplaceMatches': {
        // Whatever the pattern, a replacement of spaces only cuts text out.
        const [text, , replacement] = (n.operand ?? []) as Node[];
        const cuts = replacement?.type === 'Literal' && String(replacement.value).trim() === '';
        return [...flows(text, library, depth + 1), ...(cuts ? [] : [`transform:ReplaceMatches${where(n)}`])];
      }
      case 'Split':
      case 'SplitOnMatches':
        // The separator is cut out of the text.
        return flows(n.stringToSplit, library, depth + 1);
      case 'Combine':
        // The separator joins the pieces: it adds words only if it has letters of its own.
        return [...flows(n.source, library, depth + 1), ...flows(n.separator, library, depth + 1)];
      default: {
        const out: string[] = [];
        for (const [key, v] of Object.entries(n)) {
          if (key === 'annotation' || key === 'signature' || key === 'resultTypeSpecifier' || v === null || typeof v !== 'object') continue;
          out.push(...flows(v, library, depth + 1));
        }
        return out;
      }
    }
  };
  /**
   * What field `path` of an expression's value carries: a tuple's element (field after field), nothing for a
   * parameter's, and for anything else (FHIR data) the element path itself, which a comparison may not select by
   * unless it is an id, a reference, a status or a date.
   */
  const fieldFlows = (node: unknown, library: Library, path: string[], depth: number): string[] => {
    if (path.length === 0) return flows(node, library, depth + 1);
    if (node === null || typeof node !== 'object' || depth > 60) return ['?'];
    const n = node as Node;
    const each = (items: unknown[], lib = library) => items.flatMap((o) => fieldFlows(o, lib, path, depth + 1));
    switch (n.type) {
      case 'Tuple': {
        const element = ((n.element ?? []) as Node[]).find((e) => e.name === path[0]);
        return element ? fieldFlows(element.value, library, path.slice(1), depth + 1) : [];
      }
      case 'ParameterRef':
      case 'Null':
      case 'Literal':
        return [];
      case 'Property': {
        const own = String(n.path).split('.');
        if (typeof n.scope !== 'string') return fieldFlows(n.source, library, [...own, ...path], depth + 1);
        const source = scopes.resolve({ type: 'AliasRef', name: n.scope }, n);
        return source ? source.flatMap(([e, lib]) => fieldFlows(e, lib, [...own, ...path], depth + 1)) : ['?'];
      }
      case 'Query': {
        const ret = n.return as Node | undefined;
        return ret ? each([ret.expression]) : each(((n.source ?? []) as Node[]).map((s) => s.expression));
      }
      case 'ExpressionRef':
      case 'FunctionRef': {
        const target = libraryFor(library, n.libraryName);
        return target ? each(bodies(target, String(n.name)), target) : ['?'];
      }
      case 'AliasRef':
      case 'QueryLetRef':
      case 'OperandRef': {
        const declared = scopes.resolve(n);
        return declared ? declared.flatMap(([e, lib]) => fieldFlows(e, lib, path, depth + 1)) : ['?'];
      }
      case 'If':
        return each([n.then, n.else]);
      case 'Case':
        return each([...((n.caseItem ?? []) as Node[]).map((c) => c.then), n.else]);
      case 'First':
      case 'Last':
      case 'Sort':
        return each([n.source]);
      case 'SingletonFrom':
      case 'Distinct':
      case 'Flatten':
      case 'As':
      case 'ToList':
        return each([n.operand]);
      case 'Union':
      case 'Intersect':
      case 'Except':
      case 'Coalesce':
        return each((n.operand ?? []) as unknown[]);
      case 'List':
        return each((n.element ?? []) as unknown[]);
      case 'Indexer':
      case 'Take':
      case 'Skip':
      case 'Tail':
      case 'Slice':
        return each([Array.isArray(n.operand) ? (n.operand as unknown[])[0] : (n.source ?? n.operand)]);
      case 'Retrieve':
        // FHIR data: the field is an element.
        return [`fhir:${path.join('.')}`];
      default:
        // Anything not followed could be a tuple of the library's own: its field is not known to be safe.
        return ['?'];
    }
  };

  const selects = (raw: string): boolean => {
    const path = raw.startsWith('fhir:') ? raw.slice(5) : raw;
    if (path === '?') return true;
    if (path.startsWith('literal:') || path.startsWith('transform:')) return false;
    const parts = path.split('.');
    // A status coding only narrows what something else selected.
    if (parts.some((p) => p.endsWith('Status'))) return false;
    if (parts.length > 1 && AGE_DATES.has(parts[0]!)) return false;
    return !SAFE_ELEMENTS.has(parts[parts.length - 1]!);
  };

  /** A retrieve without codes, or a definition or query that passes its records on with no where clause. */
  const recordsUnselected = (node: Node | undefined, library: Library, depth = 0): boolean => {
    if (!node || depth > 20) return false;
    if (node.type === 'Retrieve') return node.codes === undefined;
    if (node.type === 'ExpressionRef') {
      const target = libraryFor(library, node.libraryName);
      return target !== undefined && bodies(target, String(node.name)).some((b) => recordsUnselected(b, target, depth + 1));
    }
    if (node.type === 'Query') {
      const sources = (node.source ?? []) as Node[];
      return node.where === undefined && sources.length === 1 && recordsUnselected(sources[0]!.expression as Node, library, depth + 1);
    }
    return false;
  };

  const seen = new Set<string>();
  const check = (node: unknown, library: Library): void => {
    const stack: unknown[] = [node];
    while (stack.length > 0) {
      const x = stack.pop();
      if (Array.isArray(x)) {
        stack.push(...x);
        continue;
      }
      if (x === null || typeof x !== 'object') continue;
      const n = x as Node;
      const type = String(n.type);
      if (CODE_LITERALS.has(type)) hazards.add(`a code or code system literal (${type})${where(n)}`);
      if (type === 'Retrieve' && n.codes !== undefined && (n.codes as Node).type !== 'ValueSetRef') hazards.add(`a retrieve by code literal${where(n)}`);
      if (COMPARISONS.has(type)) {
        const found = ((n.operand ?? []) as unknown[]).flatMap((o) => flows(o, library));
        const chosen = found.find(selects);
        if (chosen !== undefined) hazards.add(`a comparison (${type}) on ${chosen === '?' ? 'a value it cannot trace' : `the element ${chosen}`}${where(n)}`);
      }
      if (type === 'Case' && n.comparand !== undefined) {
        const chosen = flows(n.comparand, library).find(selects);
        if (chosen !== undefined) hazards.add(`a case on ${chosen === '?' ? 'a value it cannot trace' : `the element ${chosen}`}${where(n)}`);
      }
      if (SIZE_OF.has(type) && recordsUnselected((n.operand ?? n.source) as Node | undefined, library)) {
        hazards.add(`a ${type === 'Count' ? 'count' : 'test'} of records no criterion selects${where(n)}`);
      }
      if (type === 'Matches') {
        const operand = ((n.operand ?? []) as unknown[])[0];
        for (const f of flows(operand, library)) {
          if (f.startsWith('transform:')) hazards.add(`text changed before Matches (${f.slice(10)})`);
          else if (f.startsWith('literal:')) hazards.add(`words of the library's own ('${f.slice(8)}') in the text Matches reads${where(n)}`);
        }
      }
      if ((type === 'ExpressionRef' || type === 'FunctionRef') && typeof n.name === 'string') {
        const target = libraryFor(library, n.libraryName);
        const key = `${target?.library?.identifier?.id ?? '?'}/${n.name}`;
        if (target && !seen.has(key)) {
          seen.add(key);
          for (const body of bodies(target, n.name)) check(body, target);
        }
      }
      for (const [key, v] of Object.entries(n)) if (key !== 'annotation' && v !== null && typeof v === 'object') stack.push(v);
    }
  };
  seen.add(`${main.library?.identifier?.id ?? '?'}/${ENTRY}`);
  for (const body of bodies(main, ENTRY)) check(body, main);
  return [...hazards];
}
