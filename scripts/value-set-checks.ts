import { existsSync } from 'node:fs';
import { loadValueSets, type ValueSetIndex } from '../src/terminology/value-sets.js';
import { READ_BY_TYPESCRIPT } from '../src/terminology/typescript-value-sets.js';
import type { CompileMessage } from './compile-cql.js';

/** The checks of the value sets against the libraries that declare them: see compile-cql.ts. */

export interface CompiledElm {
  library: {
    identifier: { id: string };
    valueSets?: { def?: { name: string; id: string; version?: string; locator?: string }[] };
  };
}

/**
 * Every value set a library declares must be a file in valuesets/ (whose files must load), of the version the
 * CQL names if it names one: cql-execution looks value sets up by url and version, so a mistyped URL or another
 * version would build, start, and silently match nothing.
 */
export function valueSetProblems(file: string, elm: CompiledElm, valueSets: ValueSetIndex | CompileMessage): CompileMessage[] {
  const declared = elm.library.valueSets?.def ?? [];
  if (declared.length === 0) return [];
  if (!('fileOf' in valueSets)) return [{ ...valueSets, file }];
  const byUrl = new Map(valueSets.resources().map((r) => [r.url, r]));
  const problems: CompileMessage[] = [];
  for (const vs of declared) {
    const at = { file, severity: 'error' as const, ...elmPosition(vs.locator) };
    const resource = byUrl.get(vs.id);
    if (!resource) {
      problems.push({ ...at, message: `value set "${vs.name}" (${vs.id}) has no file in cql-mappings/valuesets/ with that url` });
    } else if (vs.version !== undefined && vs.version !== resource.version) {
      const where = `valuesets/${valueSets.fileOf(vs.id)}`;
      problems.push({ ...at, message: `value set "${vs.name}" is declared with version '${vs.version}', but ${where} has version '${resource.version}'` });
    }
  }
  return problems;
}

/** An ELM locator, "15:1-15:76", where the translator's annotations place a declaration. */
function elmPosition(locator: string | undefined): { line?: number; column?: number } {
  const m = /^(\d+):(\d+)/.exec(locator ?? '');
  return m ? { line: Number(m[1]), column: Number(m[2]) } : {};
}

/** The value set files, read once; a folder that is missing, or a file that does not load, is the error. */
export function readValueSets(dir: string): ValueSetIndex | CompileMessage {
  if (!existsSync(dir)) return { file: 'valuesets', severity: 'error', message: `${dir} does not exist, and the library declares value sets` };
  try {
    return loadValueSets(dir);
  } catch (error) {
    return { file: 'valuesets', severity: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Value set files that no library declares, no value set includes and no TypeScript step reads: their codes
 * are used nowhere, often a copy edited in place of the file in use. A warning, not an error: a value set may be
 * written before the CQL that uses it, and an unused file changes no answer.
 */
export function unusedValueSets(libraries: CompiledElm[], valueSets: ValueSetIndex | CompileMessage): CompileMessage[] {
  if (!('fileOf' in valueSets)) return [];
  const used = new Set(libraries.flatMap((l) => (l.library.valueSets?.def ?? []).map((d) => d.id)));
  for (const r of valueSets.resources()) for (const inc of r.compose.include) for (const url of inc.valueSet ?? []) used.add(url);
  return valueSets
    .resources()
    .filter((r) => !used.has(r.url) && !Object.hasOwn(READ_BY_TYPESCRIPT, r.id))
    .map((r) => ({
      file: `valuesets/${valueSets.fileOf(r.url)}`,
      severity: 'warning' as const,
      message: `no CQL library declares ${r.url}, no value set includes it and no TypeScript step reads it (src/terminology/typescript-value-sets.ts): its codes are used nowhere`,
    }));
}
