import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CRITERIA_LIBRARY, defaultCqlDir, readCriteriaSources } from '../src/decision/cql-library.js';

/**
 * Tests run the ELM in cql-mappings/elm, which only `npm run build` writes: after a CQL or value set edit without
 * a build they would pass or fail on the criteria as they were. The start-up check (readCriteriaSources) says
 * whether the ELM is that of the sources beside it; this says why the tests cannot run, or undefined.
 */
export function staleBuild(cqlDir: string = defaultCqlDir()): string | undefined {
  const elmDir = path.join(cqlDir, 'elm');
  if (!existsSync(path.join(elmDir, `${CRITERIA_LIBRARY}.json`))) return `no compiled ELM in ${elmDir}: run npm run build`;
  // The start-up check reads the ELM there is; a library written since the build has none yet.
  const unbuilt = readdirSync(cqlDir).filter((f) => f.endsWith('.cql') && !existsSync(path.join(elmDir, `${path.basename(f, '.cql')}.json`)));
  if (unbuilt.length > 0) return `cql-mappings changed since the last build: run npm run build (${unbuilt.join(', ')} not compiled yet)`;
  try {
    readCriteriaSources(cqlDir);
    return undefined;
  } catch (error) {
    return `cql-mappings changed since the last build: run npm run build (${error instanceof Error ? error.message : String(error)})`;
  }
}
