import { createHash } from 'node:crypto';
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
 * Throws when the CQL text the ELM was compiled from is not `sourceOf(file)`, so that a service never runs
 * criteria other than those its criteria page shows. ELM without a stamp, or whose source is not there (a copy
 * of the ELM alone: `sourceOf` gives undefined), is not checked.
 */
export function checkElmMatchesSource(elm: unknown, sourceOf: (file: string) => string | undefined): void {
  const stamp = (elm as Record<string, { file?: unknown; sha256?: unknown } | undefined>)[ELM_SOURCE_KEY];
  if (typeof stamp?.file !== 'string' || typeof stamp.sha256 !== 'string') return;
  const file = path.basename(stamp.file);
  const text = sourceOf(file);
  if (text === undefined) return;
  if (sourceDigest(text) !== stamp.sha256) {
    throw new Error(`cql-mappings/${file} has changed since it was compiled to ELM: run "npm run build"`);
  }
}
