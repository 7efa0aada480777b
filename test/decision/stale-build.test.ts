import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultCqlDir } from '../../src/decision/cql-library.js';
import { staleBuild } from '../../scripts/stale-build.js';

/** A copy of cql-mappings as built (CQL, value sets, ELM). */
function builtCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'built-'));
  cpSync(defaultCqlDir(), dir, { recursive: true });
  return dir;
}

describe('the tests refuse to run on a stale build', () => {
  it('run on the build of the sources', () => {
    expect(staleBuild(builtCopy())).toBeUndefined();
  });

  it('after a CQL edit without npm run build', () => {
    const dir = builtCopy();
    const file = path.join(dir, 'LumbarFusionCriteria.cql');
    writeFileSync(file, readFileSync(file, 'utf8').replace('default 6', 'default 10'));
    expect(staleBuild(dir)).toMatch(/^cql-mappings changed since the last build: run npm run build \(.*LumbarFusionCriteria\.cql has changed/);
  });

  it('after a value set edit without npm run build', () => {
    const dir = builtCopy();
    const file = path.join(dir, 'valuesets', 'motor-deficit.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"version": "1.0.0"', '"version": "1.0.1"'));
    expect(staleBuild(dir)).toMatch(/^cql-mappings changed since the last build: run npm run build \(.*valuesets has changed/);
  });

  it('after a new library is written without npm run build', () => {
    const dir = builtCopy();
    writeFileSync(path.join(dir, 'NewCriteria.cql'), "library NewCriteria version '1.0.0'\n");
    expect(staleBuild(dir)).toMatch(/^cql-mappings changed since the last build: run npm run build \(NewCriteria\.cql not compiled yet\)$/);
  });

  it('without a build', () => {
    const dir = builtCopy();
    rmSync(path.join(dir, 'elm'), { recursive: true });
    expect(staleBuild(dir)).toMatch(/^no compiled ELM in .*: run npm run build$/);
  });
});
