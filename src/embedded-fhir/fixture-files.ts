import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Bundle } from 'fhir/r4.js';
import { checkFixtureBundle, type FixtureSummary } from './bundle-checks.js';

export interface FixtureFile extends FixtureSummary {
  /** File name inside the fixtures directory, e.g. `lumbar-pt-1.json`. */
  file: string;
  bundle: Bundle;
}

/** A fixture directory that cannot be used; `problems` names each file and path at fault. */
export class FixtureError extends Error {
  constructor(readonly problems: string[]) {
    super(`Unusable fixtures:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'FixtureError';
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message ?? String(err);
}

/**
 * Reads and checks every `*.json` patient Bundle in `dir`, in file-name order (so the store, and with it
 * the order of search results, is the same on every start). Every problem in every file is collected
 * before throwing, so one run shows them all.
 */
export async function readFixtureBundles(dir: string): Promise<FixtureFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    throw new FixtureError([`${dir}: cannot read the directory (${reason(err)})`]);
  }
  if (names.length === 0) throw new FixtureError([`${dir}: no *.json patient Bundle found`]);

  const problems: string[] = [];
  const files: FixtureFile[] = [];
  const owners = new Map<string, string>();
  for (const file of names) {
    let value: unknown;
    try {
      value = JSON.parse(await readFile(join(dir, file), 'utf8'));
    } catch (err) {
      problems.push(`${file}: ${err instanceof SyntaxError ? `not valid JSON (${err.message})` : `cannot read (${reason(err)})`}`);
      continue;
    }
    const checked = checkFixtureBundle(value, basename(file, '.json'));
    if ('problems' in checked) {
      problems.push(...checked.problems.map((p) => `${file}: ${p.path} ${p.message}`));
      continue;
    }
    // Two files writing the same resource would make the loaded data depend on load order.
    const bundle = value as Bundle;
    for (const [i, entry] of (bundle.entry ?? []).entries()) {
      const key = entry.request!.url;
      const owner = owners.get(key);
      if (owner !== undefined) problems.push(`${file}: entry[${i}] ${key} is also in ${owner}`);
      else owners.set(key, file);
    }
    files.push({ file, bundle, ...checked.summary });
  }
  if (problems.length > 0) throw new FixtureError(problems);
  return files;
}
