import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { projectRoot } from '../../src/cds/project-root.js';
import { loadValueSets } from '../../src/terminology/value-sets.js';
import type { WorkbenchConfig } from '../../src/workbench/page-config.js';
import { workbenchRouter } from '../../src/workbench/router.js';
import { STATIC_FILES, workbenchStaticDir } from '../../src/workbench/static-dir.js';

/** The workbench's HTTP side, without a browser: page, assets, configuration, where the assets are found. */

const valueSets = loadValueSets();
const FHIR = 'http://127.0.0.1:8090/fhir';

function app(opts: { fhirBaseUrl: string | undefined } = { fhirBaseUrl: FHIR }): express.Express {
  const a = express();
  a.use(workbenchRouter({ fhirBaseUrl: opts.fhirBaseUrl, serviceBaseUrl: 'http://localhost:3000', valueSets }));
  return a;
}

describe('GET /workbench', () => {
  test.each(['/workbench', '/workbench/'])('%s serves the page with a strict content security policy', async (path) => {
    const res = await request(app()).get(path).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<script type="module" src="/workbench/static/workbench.js"></script>');
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  test.each(STATIC_FILES.filter((f) => f !== 'index.html'))('serves static/%s', async (file) => {
    const res = await request(app()).get(`/workbench/static/${file}`).expect(200);
    expect(res.headers['content-type']).toMatch(file.endsWith('.js') ? /javascript/ : /text\/css/);
  });

  test('serves nothing outside the static folder', async () => {
    await request(app()).get('/workbench/static/../router.ts').expect(404);
    await request(app()).get('/workbench/static/%2e%2e/router.ts').expect(404);
    await request(app()).get('/workbench/static/nope.js').expect(404);
  });
});

describe('GET /workbench/config.json', () => {
  test('names the FHIR server, the service and the user the page signs as', async () => {
    const config = (await request(app()).get('/workbench/config.json').expect(200)).body as WorkbenchConfig;
    expect(config).toMatchObject({
      fhirBaseUrl: FHIR,
      serviceBaseUrl: 'http://localhost:3000',
      serviceId: 'lumbar-fusion-criteria',
      hook: 'order-sign',
      userId: 'Practitioner/workbench',
    });
  });

  test('leaves the FHIR server out when no embedded server runs', async () => {
    const config = (await request(app({ fhirBaseUrl: undefined })).get('/workbench/config.json').expect(200)).body as WorkbenchConfig;
    expect(config).not.toHaveProperty('fhirBaseUrl');
  });

  test('offers every trigger code once, with its display, grouped by the value sets the trigger set includes', async () => {
    const config = (await request(app()).get('/workbench/config.json').expect(200)).body as WorkbenchConfig;
    const offered = config.triggerCodeGroups.flatMap((g) => g.codes);
    const keys = offered.map((c) => `${c.system}|${c.code}`);
    expect(new Set(keys).size).toBe(keys.length);
    const trigger = valueSets.members('lumbar-spine-surgery').map((m) => `${m.system}|${m.code}`);
    expect(new Set(keys)).toEqual(new Set(trigger));
    for (const c of offered) expect(c.display.length).toBeGreaterThan(0);
    expect(config.triggerCodeGroups.map((g) => g.title)).toEqual(
      expect.arrayContaining(['Lumbar fusion procedures', 'Lumbar decompression procedures', 'Spinal instrumentation']),
    );
    for (const code of ['22830', '22612', '22840']) expect(offered.some((c) => c.code === code)).toBe(true);
  });

  test('offers the settings as CMS places of service 21, 22 and 24, read as inpatient or outpatient by the value sets', async () => {
    const config = (await request(app()).get('/workbench/config.json').expect(200)).body as WorkbenchConfig;
    expect(config.settings.map((s) => [s.code, s.kind])).toEqual([
      ['21', 'inpatient'],
      ['22', 'outpatient'],
      ['24', 'outpatient'],
    ]);
    for (const s of config.settings) {
      expect(valueSets.has(s.kind === 'inpatient' ? 'inpatient-setting' : 'outpatient-setting', s.system, s.code)).toBe(true);
      expect(s.label).toContain(`POS ${s.code}`);
    }
  });

  test('lists the conservative care codes the chart view files apart from surgery', async () => {
    const config = (await request(app()).get('/workbench/config.json').expect(200)).body as WorkbenchConfig;
    expect(config.conservativeCareCodes).toEqual(expect.arrayContaining([{ system: 'http://www.ama-assn.org/go/cpt', code: '97110' }]));
  });
});

describe('workbenchStaticDir', () => {
  test('finds the assets from the sources and from the compiled service alike', () => {
    const root = projectRoot();
    const expected = join(root, 'src', 'workbench', 'static');
    expect(workbenchStaticDir(root)).toBe(expected);
    expect(workbenchStaticDir(projectRoot(join(root, 'dist', 'src', 'workbench', 'router.js')))).toBe(expected);
  });

  test('says which assets are missing when the source tree is not there', () => {
    const root = mkdtempSync(join(tmpdir(), 'spine-cds-no-workbench-'));
    try {
      writeFileSync(join(root, 'package.json'), '{}');
      expect(() => workbenchStaticDir(root)).toThrow(/index\.html, workbench\.css, workbench\.js/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
