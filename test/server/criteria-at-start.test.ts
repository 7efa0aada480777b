import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sourceDigest } from '../../src/decision/elm-source.js';
import { alwaysFailing, compiledElm } from '../decision/broken-elm.js';
import { runUntilExit, startChild, stopChild, type Child, type ChildPlace } from './support/child.js';

/**
 * The built service run from a copy of the project (dist, cql-mappings, hooks; node_modules linked), so that its
 * cql-mappings can be changed under it: what it shows and refuses is decided by what it read at start.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ENV = { NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', EMBEDDED_FHIR: 'false', CDS_AUTH: 'off', LOG_LEVEL: 'info', ENGINE_THREADS: '1' };

function stage(): { dir: string; place: ChildPlace; env: Record<string, string> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'spine-cds-staged-'));
  for (const part of ['package.json', 'dist', 'cql-mappings', 'hooks', path.join('src', 'workbench', 'static')]) {
    cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  mkdirSync(path.join(dir, 'data'));
  return { dir, place: { cwd: dir, args: [path.join(dir, 'dist', 'src', 'server.js')] }, env: { ...ENV, DATA_DIR: path.join(dir, 'data') } };
}

const criteriaElm = (dir: string) => path.join(dir, 'cql-mappings', 'elm', 'LumbarFusionCriteria.json');

describe('the criteria a started service runs and shows', () => {
  const dirs: string[] = [];
  let child: Child | undefined;
  afterEach(async () => {
    if (child) await stopChild(child, 'SIGKILL');
    child = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('shows the criteria it started with on its criteria page after a rebuild under it', async () => {
    const { dir, place, env } = stage();
    dirs.push(dir);
    child = await startChild(env, place);
    const row = async () => /<tr><th scope="row"><code>Imaging Lookback Months<\/code>[\s\S]*?<\/tr>/.exec(await (await fetch(`${child!.url}/criteria/lumbar-fusion-criteria`)).text())?.[0];
    // Nobody has asked for the page yet when the CQL is rebuilt with another default.
    const cqlFile = path.join(dir, 'cql-mappings', 'LumbarFusionCriteria.cql');
    const cql = readFileSync(cqlFile, 'utf8').replace('"Imaging Lookback Months" Integer default 12', '"Imaging Lookback Months" Integer default 1');
    writeFileSync(cqlFile, cql);
    const elm = JSON.parse(readFileSync(criteriaElm(dir), 'utf8')) as { library: { parameters: { def: { name: string; default: { value: string } }[] } }; spineCdsSource: { sha256: string } };
    elm.library.parameters.def.find((d) => d.name === 'Imaging Lookback Months')!.default.value = '1';
    elm.spineCdsSource.sha256 = sourceDigest(cql);
    writeFileSync(criteriaElm(dir), JSON.stringify(elm));
    expect(await row()).toContain('<td><code>12</code></td>');
  });

  it('refuses to start on a library that fails at run time, naming the CQL definition', async () => {
    const { dir, place, env } = stage();
    dirs.push(dir);
    writeFileSync(criteriaElm(dir), JSON.stringify(alwaysFailing().LumbarFusionCriteria));
    const run = await runUntilExit(env, place);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/spine-cds failed to start: The criteria library fails on the synthetic "empty" chart \(no patient data\): Error in define "Interspaces" \(LumbarFusionCriteria\|1\.0\.0 \d+:2-\d+:9, SingletonFrom\): Error: IllegalArgument/);
  });

  it('refuses to start when "Plan Decision" has a field to-decision.ts does not map, naming both', async () => {
    const { dir, place, env } = stage();
    dirs.push(dir);
    const elm = structuredClone(compiledElm().LumbarFusionCriteria) as { library: { statements: { def: { name: string; expression: { element: unknown[] } }[] } } };
    elm.library.statements.def.find((d) => d.name === 'Plan Decision')!.expression.element.push({ name: 'r5', value: { type: 'ExpressionRef', name: 'R4 Conservative Care' } });
    writeFileSync(criteriaElm(dir), JSON.stringify(elm));
    const run = await runUntilExit(env, place);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('spine-cds failed to start: "Plan Decision" of LumbarFusionCriteria returns the field "r5", which src/decision/to-decision.ts does not map');
  });
});
