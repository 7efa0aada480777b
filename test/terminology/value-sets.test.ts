import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultValueSetDir, loadValueSets } from '../../src/terminology/value-sets.js';

interface Include {
  system?: string;
  concept?: unknown[];
}

/** A copy of cql-mappings/valuesets, one file of it changed; returns the copy's folder. */
function variant(file: string, change: (vs: { url: string; compose: { include: Include[] } }) => void, as = file): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'valuesets-'));
  cpSync(defaultValueSetDir(), dir, { recursive: true });
  const vs = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { url: string; compose: { include: Include[] } };
  change(vs);
  writeFileSync(path.join(dir, as), JSON.stringify(vs, null, 2));
  return dir;
}

describe('the value set files', () => {
  it('load as they are', () => {
    expect(loadValueSets().resources().length).toBeGreaterThan(20);
  });

  it('refuse a code system the service does not read (a typo matches no EHR coding), naming the file and the system', () => {
    const dir = variant('lumbar-fusion.json', (vs) => {
      vs.compose.include[0].system = 'http://www.ama-assn.org/go/cpt/';
    });
    expect(() => loadValueSets(dir)).toThrow(
      /lumbar-fusion\.json: .*"http:\/\/www\.ama-assn\.org\/go\/cpt\/" is not a code system the service reads \(did you mean http:\/\/www\.ama-assn\.org\/go\/cpt\?\).*src\/terminology\/code-systems\.ts/,
    );
  });

  it('refuse codes listed without a system, naming the file', () => {
    const dir = variant('lumbar-fusion.json', (vs) => {
      delete vs.compose.include[0].system;
    });
    expect(() => loadValueSets(dir)).toThrow(/^Invalid value set lumbar-fusion\.json: compose\.include\[0\] lists codes but has no system/);
  });

  it('refuse an include of a whole code system, which the loader would read as no code at all', () => {
    const dir = variant('lumbar-fusion.json', (vs) => {
      delete vs.compose.include[0].concept;
    });
    expect(() => loadValueSets(dir)).toThrow(/^Invalid value set lumbar-fusion\.json: compose\.include\[0\] names the system .* but lists no concept or filter/);
  });

  it('refuse two files with the same url (the later one would silently replace the other), naming both', () => {
    const dir = variant('lumbar-fusion.json', (vs) => {
      vs.compose.include[0].concept = vs.compose.include[0].concept?.slice(1);
    }, 'lumbar-fusion.v2.json');
    expect(() => loadValueSets(dir)).toThrow(
      'Value sets lumbar-fusion.json and lumbar-fusion.v2.json have the same url http://spine-cds.org/fhir/ValueSet/lumbar-fusion',
    );
  });

  it('tell which file holds a url', () => {
    expect(loadValueSets().fileOf('http://spine-cds.org/fhir/ValueSet/lumbar-fusion')).toBe('lumbar-fusion.json');
  });
});
