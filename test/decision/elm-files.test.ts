import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultCqlDir, loadCriteriaLibrary, readCriteriaSources } from '../../src/decision/cql-library.js';

/** A copy of cql-mappings (CQL, value sets, built ELM) with LumbarFusionCriteria.json cut short, as by a full disk. */
function truncatedElm(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'elm-cut-'));
  cpSync(defaultCqlDir(), dir, { recursive: true });
  const file = path.join(dir, 'elm', 'LumbarFusionCriteria.json');
  writeFileSync(file, readFileSync(file, 'utf8').slice(0, 5000));
  return path.join(dir, 'elm');
}

describe('an ELM file that does not parse', () => {
  const said = /(^|\/)elm\/LumbarFusionCriteria\.json is not valid JSON \(.*position 5000.*\): run "npm run build"$/;

  it('stops start-up naming the file and the remedy', () => {
    expect(() => readCriteriaSources(path.dirname(truncatedElm()))).toThrow(said);
  });

  it('stops an evaluation thread the same way', () => {
    expect(() => loadCriteriaLibrary(truncatedElm())).toThrow(said);
  });
});
