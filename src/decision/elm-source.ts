import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The build stamps each ELM file with the digest of the CQL it came from, under this key (cql-execution reads
 * only `library`). The criteria page shows the CQL source; the engine runs the ELM: they must be the same text.
 */
export const ELM_SOURCE_KEY = 'spineCdsSource';

export function sourceDigest(cqlText: string): string {
  return createHash('sha256').update(cqlText).digest('hex');
}

/**
 * The digest of value set files (names and contents, in name order). The engine reads them at start, not from the
 * ELM; the build checks them against the CQL (declared, same version, loadable), so ELM is stale when they changed
 * since the build as much as when the CQL did.
 */
export function valueSetTextsDigest(texts: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const f of Object.keys(texts).sort()) hash.update(f).update('\0').update(texts[f]!).update('\0');
  return hash.digest('hex');
}

/** The digest of the value set files in cqlDir/valuesets, or undefined without that folder. */
export function valueSetsDigest(cqlDir: string): string | undefined {
  const dir = path.join(cqlDir, 'valuesets');
  if (!existsSync(dir)) return undefined;
  const texts: Record<string, string> = {};
  for (const f of readdirSync(dir).filter((name) => name.endsWith('.json'))) texts[f] = readFileSync(path.join(dir, f), 'utf8');
  return valueSetTextsDigest(texts);
}

/**
 * Throws when the CQL text the ELM was compiled from is not `sourceOf(file)`, or the value sets it was built
 * beside are not those of `valueSets` (their digest), so that a service never runs criteria other than those its
 * criteria page shows. ELM without a stamp, or whose source is not there (a copy of the ELM alone: `sourceOf`
 * gives undefined), is not checked.
 */
export function checkElmMatchesSource(elm: unknown, sourceOf: (file: string) => string | undefined, valueSets?: string): void {
  const stamp = (elm as Record<string, { file?: unknown; sha256?: unknown; valueSets?: unknown } | undefined>)[ELM_SOURCE_KEY];
  if (typeof stamp?.file !== 'string' || typeof stamp.sha256 !== 'string') return;
  const file = path.basename(stamp.file);
  const text = sourceOf(file);
  if (text === undefined) return;
  if (sourceDigest(text) !== stamp.sha256) {
    throw new Error(`cql-mappings/${file} has changed since it was compiled to ELM: run "npm run build"`);
  }
  if (typeof stamp.valueSets === 'string' && valueSets !== undefined && valueSets !== stamp.valueSets) {
    throw new Error(`cql-mappings/valuesets has changed since ${file} was compiled to ELM: run "npm run build"`);
  }
}

/**
 * Reads one compiled ELM file. A file that does not parse (cut short by a full disk or an interrupted build) is
 * named, with the remedy: JSON.parse alone says only "Expected ',' … at position 5000".
 */
export function readElmFile(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const shown = path.relative(process.cwd(), file);
    const name = shown.startsWith('..') || path.isAbsolute(shown) ? file : shown;
    throw new Error(`${name} is not valid JSON (${error instanceof Error ? error.message : String(error)}): run "npm run build"`, { cause: error });
  }
}
