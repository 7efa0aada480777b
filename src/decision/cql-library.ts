import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cql from 'cql-execution';
import { checkCriteriaElm } from './elm-checks.js';
import { checkElmMatchesSource, readElmFile, valueSetTextsDigest } from './elm-source.js';
import { skipRedundantDistinct, stripForRuntime } from './elm-plan.js';
import { rememberFunctionResults } from './function-memo.js';
import { indexListLookups } from './list-index.js';
import { readPropertyPaths } from './property-paths.js';
import { cacheRegularExpressions } from './regex-cache.js';
import { shortCircuitLogic } from './short-circuit.js';

export const CRITERIA_LIBRARY = 'LumbarFusionCriteria';

/** cql-mappings/ from src/decision or dist/src/decision alike. */
export function defaultCqlDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '..', '..');
  return path.join(path.basename(root) === 'dist' ? path.resolve(root, '..') : root, 'cql-mappings');
}

/** Compiled libraries by name, as the build wrote them (cql-mappings/elm/<name>.json). */
export type ElmLibraries = Readonly<Record<string, unknown>>;

/** Every compiled library in `elmDir`, parsed, by library name. */
export function readElmDir(elmDir: string): Record<string, unknown> {
  let files: string[];
  try {
    files = readdirSync(elmDir).filter((f) => f.endsWith('.json'));
  } catch {
    throw new Error(`No compiled ELM in ${elmDir}: run "npm run build" first`);
  }
  const elm: Record<string, unknown> = {};
  for (const f of files) elm[path.basename(f, '.json')] = readElmFile(path.join(elmDir, f));
  return elm;
}

/**
 * Resolves the criteria library with its includes, from the ELM in `from` (a directory, or libraries already
 * read, which are copied, not changed). Done once per process and thread: parsing ELM per call would dominate
 * the answer time.
 */
export function loadCriteriaLibrary(
  from: string | ElmLibraries = path.join(defaultCqlDir(), 'elm'),
  /** Run the ELM as compiled (no elm-plan.ts or function-memo.ts changes): the reference that tests compare with. */
  options: { asCompiled?: boolean } = {},
): {
  library: cql.Library;
  defaults: Record<string, number>;
  /** The ELM of every library read, by name. */
  elm: Readonly<Record<string, unknown>>;
} {
  // The steps below change the ELM in place; what the caller holds (a thread's next start) must stay as read.
  const elm = typeof from === 'string' ? readElmDir(from) : structuredClone(from) as Record<string, unknown>;
  const where = typeof from === 'string' ? from : 'the loaded ELM';
  if (!options.asCompiled) for (const name of Object.keys(elm)) elm[name] = stripForRuntime(elm[name]);
  if (!elm[CRITERIA_LIBRARY]) throw new Error(`ELM for ${CRITERIA_LIBRARY} missing in ${where}: run "npm run build" first`);
  checkCriteriaElm(elm, CRITERIA_LIBRARY);
  if (!options.asCompiled) skipRedundantDistinct(elm);
  const repository = new cql.Repository(elm);
  const library = repository.resolve(CRITERIA_LIBRARY, undefined);
  if (!library) throw new Error(`Cannot resolve ${CRITERIA_LIBRARY} from ${where}`);
  if (!options.asCompiled) {
    rememberFunctionResults(library);
    indexListLookups(library);
    shortCircuitLogic(library);
    readPropertyPaths(library);
    cacheRegularExpressions(library);
  }
  return { library, defaults: numericDefaults(elm[CRITERIA_LIBRARY]), elm };
}

/**
 * The criteria as the process reads them, once, at start: the CQL that the criteria page shows, the ELM that
 * every evaluation thread runs (a thread that replaces a failed one included) and the value set files, read in
 * one pass, the ELM checked against the CQL beside it (see elm-source.ts). Nothing reads cql-mappings/ again
 * while the process runs: a rebuild under a running service takes effect at its next start, everywhere at once.
 */
export interface CriteriaSources {
  /** Each *.cql file as written, by file name. */
  cql: Readonly<Record<string, string>>;
  /** Each compiled library as the build wrote it, by library name. */
  elm: ElmLibraries;
  /** Each valuesets/*.json file as written, by file name. */
  valueSets: Readonly<Record<string, string>>;
}

/**
 * Reads the criteria of `cqlDir`; throws naming the file when an ELM was compiled from another text than its CQL or
 * beside other value sets, or does not parse.
 */
export function readCriteriaSources(cqlDir: string = defaultCqlDir()): CriteriaSources {
  const cql = readTexts(cqlDir, '.cql');
  const elm = readElmDir(path.join(cqlDir, 'elm'));
  const valueSets = readTexts(path.join(cqlDir, 'valuesets'), '.json');
  const digest = Object.keys(valueSets).length > 0 ? valueSetTextsDigest(valueSets) : undefined;
  for (const library of Object.values(elm)) checkElmMatchesSource(library, (file) => cql[file], digest);
  return { cql, elm, valueSets };
}

/**
 * The engine and the order reader build their value sets from the files themselves (terminology/value-sets.ts);
 * read just after `sources`, they must have found the same files, or the page would show other codes than run.
 */
export function checkValueSetsAsRead(sources: CriteriaSources, cqlDir: string = defaultCqlDir()): void {
  const now = readTexts(path.join(cqlDir, 'valuesets'), '.json');
  const same = Object.keys(now).length === Object.keys(sources.valueSets).length && Object.entries(now).every(([f, text]) => sources.valueSets[f] === text);
  if (!same) throw new Error('cql-mappings/valuesets changed while the service was starting: start it again');
}

/** The files of `dir` ending in `ext`, by name, in name order; none when there is no such directory. */
export function readTexts(dir: string, ext: string): Record<string, string> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(ext)).sort();
  } catch {
    return {};
  }
  return Object.fromEntries(files.map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
}

interface ElmParameterDef {
  name: string;
  default?: { type?: string; value?: string };
}

/** The literal defaults of the library's parameters (the site thresholds), as the cards quote them. */
function numericDefaults(elm: unknown): Record<string, number> {
  const defs = (elm as { library?: { parameters?: { def?: ElmParameterDef[] } } }).library?.parameters?.def ?? [];
  const out: Record<string, number> = {};
  for (const d of defs) {
    if (d.default?.type === 'Literal' && d.default.value !== undefined && Number.isFinite(Number(d.default.value))) {
      out[d.name] = Number(d.default.value);
    }
  }
  return out;
}
