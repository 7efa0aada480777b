import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cql from 'cql-execution';
import { checkElmMatchesSource, readElmFile } from './elm-source.js';
import { skipRedundantDistinct, stripForRuntime } from './elm-plan.js';
import { rememberFunctionResults } from './function-memo.js';
import { indexListLookups } from './list-index.js';
import { readPropertyPaths } from './property-paths.js';
import { shortCircuitLogic } from './short-circuit.js';

export const CRITERIA_LIBRARY = 'LumbarFusionCriteria';

/** cql-mappings/ from src/decision or dist/src/decision alike. */
export function defaultCqlDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '..', '..');
  return path.join(path.basename(root) === 'dist' ? path.resolve(root, '..') : root, 'cql-mappings');
}

/**
 * Reads the ELM the build compiled (cql-mappings/elm) and resolves the criteria library with its includes.
 * Done once per process: parsing ELM per call would dominate the answer time.
 */
export function loadCriteriaLibrary(
  elmDir: string = path.join(defaultCqlDir(), 'elm'),
  /** Run the ELM as compiled (no elm-plan.ts or function-memo.ts changes): the reference that tests compare with. */
  options: { asCompiled?: boolean } = {},
): {
  library: cql.Library;
  defaults: Record<string, number>;
  /** The ELM of every library read, by name. */
  elm: Readonly<Record<string, unknown>>;
} {
  let files: string[];
  try {
    files = readdirSync(elmDir).filter((f) => f.endsWith('.json'));
  } catch {
    throw new Error(`No compiled ELM in ${elmDir}: run "npm run build" first`);
  }
  const elm: Record<string, unknown> = {};
  for (const f of files) {
    const json = readElmFile(path.join(elmDir, f));
    elm[path.basename(f, '.json')] = options.asCompiled ? json : stripForRuntime(json);
  }
  if (!elm[CRITERIA_LIBRARY]) throw new Error(`ELM for ${CRITERIA_LIBRARY} missing in ${elmDir}: run "npm run build" first`);
  if (!options.asCompiled) skipRedundantDistinct(elm);
  const repository = new cql.Repository(elm);
  const library = repository.resolve(CRITERIA_LIBRARY, undefined);
  if (!library) throw new Error(`Cannot resolve ${CRITERIA_LIBRARY} from ${elmDir}`);
  if (!options.asCompiled) {
    rememberFunctionResults(library);
    indexListLookups(library);
    shortCircuitLogic(library);
    readPropertyPaths(library);
  }
  return { library, defaults: numericDefaults(elm[CRITERIA_LIBRARY]), elm };
}

/**
 * Checks, once at start-up, that every compiled library is the CQL beside it (see elm-source.ts); throws naming
 * the file otherwise. Not done by loadCriteriaLibrary: an evaluation thread that replaces a failed one must load
 * what its siblings run, not refuse because someone is editing the CQL.
 */
export function checkCompiledCriteria(elmDir: string = path.join(defaultCqlDir(), 'elm')): void {
  let files: string[];
  try {
    files = readdirSync(elmDir).filter((f) => f.endsWith('.json'));
  } catch {
    return; // loadCriteriaLibrary says what is missing.
  }
  for (const f of files) checkElmMatchesSource(readElmFile(path.join(elmDir, f)), path.dirname(elmDir));
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
