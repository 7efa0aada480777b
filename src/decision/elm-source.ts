import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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
 * Throws when the CQL beside the ELM has changed since the ELM was compiled, so that a service never runs
 * criteria other than those its criteria page shows. ELM without a stamp, or whose source is not there (a copy
 * of the ELM alone), is not checked.
 */
export function checkElmMatchesSource(elm: unknown, cqlDir: string): void {
  const stamp = (elm as Record<string, { file?: unknown; sha256?: unknown } | undefined>)[ELM_SOURCE_KEY];
  if (typeof stamp?.file !== 'string' || typeof stamp.sha256 !== 'string') return;
  const source = path.join(cqlDir, path.basename(stamp.file));
  if (!existsSync(source)) return;
  if (sourceDigest(readFileSync(source, 'utf8')) !== stamp.sha256) {
    throw new Error(`cql-mappings/${path.basename(stamp.file)} has changed since it was compiled to ELM: run "npm run build"`);
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
