import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileCqlDirectory } from '../../scripts/compile-cql.js';
import { defaultCqlDir, loadCriteriaLibrary, readCriteriaSources } from '../../src/decision/cql-library.js';
import { DecisionEngine } from '../../src/decision/engine.js';
import { READ_BY_TYPESCRIPT } from '../../src/terminology/typescript-value-sets.js';
import { order, plan, seedFacts, seedRecord } from './seed-record.js';

const NOW = new Date('2026-11-20T10:00:00Z');
const cqlDir = defaultCqlDir();

/** A copy of cql-mappings' CQL with one text replacement, compiled to a fresh ELM directory. */
function compileVariant(
  from: string,
  to: string,
  /** Changes the copy further before it is compiled. */
  prepare: (dir: string) => void = () => {},
): { elmDir: string } & Pick<ReturnType<typeof compileCqlDirectory>, 'errors' | 'warnings'> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cql-'));
  for (const f of readdirSync(cqlDir).filter((f) => f.endsWith('.cql'))) copyFileSync(path.join(cqlDir, f), path.join(dir, f));
  cpSync(path.join(cqlDir, 'valuesets'), path.join(dir, 'valuesets'), { recursive: true });
  const file = path.join(dir, 'LumbarFusionCriteria.cql');
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
  prepare(dir);
  const elmDir = path.join(dir, 'elm');
  const { errors, warnings } = compileCqlDirectory(dir, elmDir);
  return { elmDir, errors, warnings };
}

describe('the CQL build', () => {
  it('declares the site thresholds exactly as the contract says', () => {
    const text = readFileSync(path.join(cqlDir, 'LumbarFusionCriteria.cql'), 'utf8');
    expect(text).toContain('parameter "Imaging Lookback Months" Integer default 12');
    expect(text).toContain('parameter "Conservative Care Weeks" Integer default 6');
    expect(text).toContain('parameter "Instability Translation Mm" Decimal default 3.0');
    expect(text).toContain('parameter "Instability Angulation Degrees" Decimal default 10.0');
  });

  it('the ELM in cql-mappings/elm is what the translator produces from the CQL', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'elm-'));
    const result = compileCqlDirectory(cqlDir, dir);
    expect(result.errors).toEqual([]);
    expect(result.warnings.filter((w) => w.file.startsWith('valuesets/'))).toEqual([]);
    for (const f of readdirSync(dir)) {
      expect(readFileSync(path.join(dir, f), 'utf8')).toBe(readFileSync(path.join(cqlDir, 'elm', f), 'utf8'));
    }
  });

  it('reports a translator error with its file and line', () => {
    const { errors } = compileVariant('define "Interspaces":', 'define "Broken": NoSuchThing\n\ndefine "Interspaces":');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ file: 'LumbarFusionCriteria.cql', severity: 'error' });
    expect(errors[0].line).toBeGreaterThan(50);
    expect(errors[0].message).toMatch(/NoSuchThing/);
  });

  it('reports an error of an included library at its own file, and the including library says it is there', () => {
    const common = (dir: string): string => path.join(dir, 'SpineCommon.cql');
    let line = 0;
    const { errors } = compileVariant('define "Interspaces":', 'define "Interspaces":', (dir) => {
      const text = readFileSync(common(dir), 'utf8');
      line = text.split('\n').length + 1;
      writeFileSync(common(dir), `${text}\ndefine "Broken": (1 + )\n`);
    });
    expect(errors).toContainEqual(expect.objectContaining({ file: 'SpineCommon.cql', line, message: expect.stringMatching(/^Syntax error/) }));
    // Not "LumbarFusionCriteria.cql:<SpineCommon's line>": the includer's messages have no line of its own.
    expect(errors.filter((e) => e.file === 'LumbarFusionCriteria.cql').map((e) => [e.line, e.message])).toEqual([
      [undefined, expect.stringMatching(new RegExp(`^in the library it includes, SpineCommon\\.cql:${line}:\\d+: Syntax error`))],
    ]);
  });

  it('reports a warning with the line the translator gives, once, at the file it belongs to', () => {
    const hiding = /^An alias identifier C is hiding another identifier/;
    let line = 0;
    const { errors, warnings } = compileVariant('define "Interspaces":', 'define "Interspaces":', (dir) => {
      const file = path.join(dir, 'SpineCommon.cql');
      const text = readFileSync(file, 'utf8');
      line = text.split('\n').length + 1;
      writeFileSync(file, `${text}\ndefine "Hides": [Condition] C where exists ([Condition] C)\n`);
    });
    expect(errors).toEqual([]);
    expect(warnings.filter((w) => hiding.test(w.message))).toEqual([
      expect.objectContaining({ file: 'SpineCommon.cql', line, column: expect.any(Number), severity: 'warning' }),
    ]);
    // Warnings the translator gives no position for say so, rather than look like an omission of the build.
    for (const w of warnings.filter((w) => w.line === undefined)) expect(w.message).toMatch(/\(the translator gives no line for this warning\)$/);
  });

  it('refuses a value set the CQL declares that has no file, naming it', () => {
    const { elmDir, errors } = compileVariant("/ValueSet/motor-deficit'", "/ValueSet/motor-deficits'");
    expect(errors).toEqual([expect.objectContaining({ file: 'LumbarFusionCriteria.cql', severity: 'error', message: expect.stringContaining('motor-deficits) has no file in cql-mappings/valuesets/') })]);
    // No ELM for the library that failed: nothing can start on it.
    expect(readdirSync(elmDir)).not.toContain('LumbarFusionCriteria.json');
  });

  it("refuses a value set version other than its file's, naming the CQL line and the file", () => {
    // cql-execution looks a value set up by url and version: another version is an empty set, matching nothing.
    const declaration = "/ValueSet/motor-deficit'";
    const line = readFileSync(path.join(cqlDir, 'LumbarFusionCriteria.cql'), 'utf8').split('\n').findIndex((l) => l.includes(declaration)) + 1;
    const { elmDir, errors } = compileVariant(declaration, `${declaration} version '2.0.0'`);
    expect(errors).toEqual([
      expect.objectContaining({
        file: 'LumbarFusionCriteria.cql',
        line,
        severity: 'error',
        message: expect.stringContaining("version '2.0.0', but valuesets/motor-deficit.json has version '1.0.0'"),
      }),
    ]);
    expect(readdirSync(elmDir)).not.toContain('LumbarFusionCriteria.json');
  });

  it('warns about a value set file that nothing uses, such as a copy edited in place of the file in use', () => {
    const { errors, warnings } = compileVariant('define "Interspaces":', 'define "Interspaces":', (dir) => {
      const vs = JSON.parse(readFileSync(path.join(dir, 'valuesets', 'lumbar-fusion.json'), 'utf8')) as { id: string; url: string };
      writeFileSync(path.join(dir, 'valuesets', 'lumbar-fusion-v2.json'), JSON.stringify({ ...vs, id: 'lumbar-fusion-v2', url: `${vs.url}-v2` }));
    });
    expect(errors).toEqual([]);
    expect(warnings.filter((w) => w.file.startsWith('valuesets/'))).toEqual([
      expect.objectContaining({ file: 'valuesets/lumbar-fusion-v2.json', severity: 'warning', message: expect.stringMatching(/^no CQL library declares .*-v2, no value set includes it/) }),
    ]);
  });

  it('names, for each value set TypeScript reads, files that read it', () => {
    for (const [id, files] of Object.entries(READ_BY_TYPESCRIPT)) {
      for (const f of files) expect(readFileSync(path.join(defaultCqlDir(), '..', f), 'utf8')).toContain(`'${id}'`);
    }
  });

  it('compiles a library that declares no value set without a valuesets folder', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cql-tiny-'));
    writeFileSync(path.join(dir, 'Tiny.cql'), "library Tiny version '1.0.0'\n\ndefine \"One\": 1\n");
    const result = compileCqlDirectory(dir, path.join(dir, 'elm'));
    expect(result.errors).toEqual([]);
    expect(readdirSync(path.join(dir, 'elm'))).toEqual(['Tiny.json']);
  });

  it('refuses a value set file that is not JSON, naming the file', () => {
    const { elmDir } = compileVariant('define "Interspaces":', 'define "Interspaces":');
    const file = path.join(path.dirname(elmDir), 'valuesets', 'motor-deficit.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\}\s*$/, ',}'));
    const result = compileCqlDirectory(path.dirname(elmDir), elmDir);
    expect(result.errors.map((e) => e.message)).toContainEqual(expect.stringMatching(/^Invalid value set motor-deficit\.json: not valid JSON/));
  });

  it('stamps the ELM with its source, and the service refuses ELM older than the CQL beside it', () => {
    const { elmDir, errors } = compileVariant('define "Interspaces":', 'define "Interspaces":');
    expect(errors).toEqual([]);
    expect(() => readCriteriaSources(path.dirname(elmDir))).not.toThrow();
    const source = path.join(path.dirname(elmDir), 'LumbarFusionCriteria.cql');
    writeFileSync(source, readFileSync(source, 'utf8').replace('default 6', 'default 10'));
    // The service reads the criteria once, at start, and checks them then (evaluation threads get that ELM).
    expect(() => readCriteriaSources(path.dirname(elmDir))).toThrow('cql-mappings/LumbarFusionCriteria.cql has changed since it was compiled to ELM: run "npm run build"');
    expect(() => loadCriteriaLibrary(elmDir)).not.toThrow();
  });

  it('stamps the ELM with its value sets too: a value set changed since the build is refused until the build has checked it', () => {
    const { elmDir, errors } = compileVariant('define "Interspaces":', 'define "Interspaces":');
    expect(errors).toEqual([]);
    const file = path.join(path.dirname(elmDir), 'valuesets', 'motor-deficit.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"version": "1.0.0"', '"version": "1.0.1"'));
    expect(() => readCriteriaSources(path.dirname(elmDir))).toThrow(/^cql-mappings\/valuesets has changed since \w+\.cql was compiled to ELM: run "npm run build"$/);
  });

  it('a changed default changes the answer after a rebuild', async () => {
    const p = plan([order('o1', ['22830', '22612'], 'inpatient')]);
    const before = await DecisionEngine.load().evaluate([p], seedRecord(), seedFacts(), NOW);
    expect(before[0].criteria[2].status).toBe('met');

    // The seed MRI is about two months old: a one-month lookback leaves R3 without a qualifying study.
    const { elmDir, errors } = compileVariant(
      'parameter "Imaging Lookback Months" Integer default 12',
      'parameter "Imaging Lookback Months" Integer default 1',
    );
    expect(errors).toEqual([]);
    const after = await DecisionEngine.load({ elmDir }).evaluate([p], seedRecord(), seedFacts(), NOW);
    expect(after[0].criteria[2].status).toBe('not-documented');
    expect(after[0].determination).toBe('documentation-incomplete');
  });
});
