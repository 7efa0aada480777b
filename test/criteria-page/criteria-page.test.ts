import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import request from 'supertest';
import { criteriaPageResponse, renderCriteriaPage } from '../../src/criteria-page/criteria-page.js';
import { criteriaPageRouter } from '../../src/criteria-page/route.js';
import { readCriteriaSources, readTexts } from '../../src/decision/cql-library.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtureDir = path.join(here, 'fixtures', 'cql');
const baseUrl = 'https://cds.example.org';

/** Every opened element is closed in order (void elements aside): the page is complete and well nested. */
function unbalancedTags(html: string): string[] {
  const voids = new Set(['meta', 'link', 'br', 'hr', 'img', 'input']);
  const stack: string[] = [];
  const problems: string[] = [];
  for (const m of html.matchAll(/<(\/?)([a-zA-Z0-9]+)[^>]*>/g)) {
    const [, closing, name] = m;
    const tag = name!.toLowerCase();
    if (voids.has(tag)) continue;
    if (!closing) stack.push(tag);
    else if (stack.pop() !== tag) problems.push(`unexpected </${tag}>`);
  }
  return [...problems, ...stack.map((t) => `unclosed <${t}>`)];
}

/** Text of the table row whose first cell holds `first`. */
function rowWith(html: string, first: string): string | undefined {
  return [...html.matchAll(/<tr>[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes(first));
}

describe('renderCriteriaPage on fixture CQL and value sets', () => {
  const page = renderCriteriaPage({ cqlDir: fixtureDir, baseUrl });

  it('is a complete, accessible page with no external assets', () => {
    expect(page.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(page).toMatch(/<title>[^<]+<\/title>/);
    expect(page).toContain('<main id="main">');
    expect(page).toContain('<h1>');
    expect(page.match(/<table>/g)!.length).toBe(page.match(/<caption>/g)!.length);
    expect(unbalancedTags(page)).toEqual([]);
    expect(page).not.toMatch(/<script|\bsrc=|rel="stylesheet"|@import|url\(/i);
    expect(page).toContain(`<link rel="canonical" href="${baseUrl}/criteria/lumbar-fusion-criteria">`);
  });

  it('lists each parameter with its type, default and explanation', () => {
    expect(rowWith(page, '<code>Imaging Lookback Months</code>')).toBe(
      '<tr><th scope="row"><code>Imaging Lookback Months</code></th><td><code>Integer</code></td><td><code>12</code></td><td>How far back imaging may be, in months.</td></tr>',
    );
    expect(rowWith(page, '<code>Conservative Care Weeks</code>')).toContain('<td><code>6</code></td><td>Weeks of conservative care that satisfy R4.</td>');
    expect(rowWith(page, '<code>Instability Translation Mm</code>')).toContain('<td><code>Decimal</code></td><td><code>3.0</code></td>');
    expect(rowWith(page, '<code>Plan</code>')).toContain('<td>no default</td>');
    expect(rowWith(page, '<code>Levels</code>')).toContain('<code>List&lt;String&gt;</code>');
  });

  it('shows the criteria and rule definitions with their comments and CQL text, escaped', () => {
    expect(page).toContain('<h4 id="def-r1-failed-prior-surgery">R1 Failed Prior Surgery</h4>');
    expect(page).toContain('<p>R1: failed prior surgery &lt;at the level&gt; &amp; more.</p>');
    expect(page).toContain('<pre><code>define &quot;R1 Failed Prior Surgery&quot;:\n  if &quot;Helper&quot; = 1 then &#39;met&#39;\n  else &#39;not-documented&#39;</code></pre>');
    for (const name of ['S2 Prior Dural Tear', 'Is Revision', 'Determination', 'Consider Fusion']) expect(page).toContain(`>${name}</h4>`);
    // The criteria sections show the criteria and rules only; everything else waits in "Every rule, in full".
    const criteria = page.slice(page.indexOf('<h2 id="criteria">'), page.indexOf('<h2 id="whole-library">'));
    expect(criteria).not.toContain('R2D2 Droid');
    expect(criteria).not.toContain('define &quot;Helper&quot;');
    expect(criteria).not.toContain('R1Helper');
    expect(criteria).not.toContain('Twice');
  });

  it('lists every R<n> definition under the required criteria, R10 after R1, and names the range', () => {
    const required = page.slice(page.indexOf('<h3 id="required">'), page.indexOf('<h3 id="supporting">'));
    expect(required).toContain('<h3 id="required">Required criteria (R1 to R10)</h3>');
    expect(required).toContain('<h4 id="def-r1-failed-prior-surgery">R1 Failed Prior Surgery</h4>');
    expect(required).toContain('<h4 id="def-r10-something-else">R10 Something Else</h4>');
    expect(page).toContain('<h3 id="supporting">Supporting findings (S2)</h3>');
    expect(page).toContain('<a href="#required">Required criteria (R1 to R10)</a>');
  });

  it('shows every library whole, the helpers and text rules the criteria rest on included', () => {
    const whole = page.slice(page.indexOf('<h2 id="whole-library">'), page.indexOf('<h2 id="value-sets">'));
    expect(whole).toContain('define &quot;Helper&quot;');
    expect(whole).toContain('R2D2 Droid');
    expect(whole).toMatch(/<details><summary>[^<]+\.cql \(\d+ definitions\)<\/summary>/);
    expect(page).toContain('<a href="#whole-library">Every rule, in full</a>');
  });

  it('lists every value set with title, url, purpose and each code with system and display', () => {
    expect(page).toContain('<h3 id="vs-test-dural-tear">Dural tear &lt;test&gt;</h3>');
    expect(page).toContain('<p>Dural tears &amp; durotomies (S2).</p>');
    expect(page).toContain('<code>http://spine-cds.org/fhir/ValueSet/test-dural-tear</code>');
    expect(page).toContain('<tr><td>ICD-10-CM</td><td>all codes under <code>G97.41</code></td><td>Accidental puncture or laceration of dura</td></tr>');
    expect(page).toContain('<tr><td>SNOMED CT</td><td><code>262545008</code></td><td>Tear of dura mater</td></tr>');
    expect(page).toContain('<tr><td>ICD-10-CM</td><td>excluded: <code>G97.41X</code></td><td>Excluded example</td></tr>');
    expect(page).toContain('<tr><td>CPT</td><td><code>22612</code></td><td>Arthrodesis, posterior or posterolateral technique, lumbar</td></tr>');
    expect(page).toContain('all codes of value set <a href="#vs-test-dural-tear">Dural tear &lt;test&gt;</a>');
    expect(page).toContain('<dt>Named in CQL</dt><dd><code>"Dural Tear"</code></dd>');
    expect(page).toContain('<td><code>http://www.ama-assn.org/go/cpt</code></td>');
  });
});

describe('caching and the HTTP answer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'criteria-page-'));
    cpSync(fixtureDir, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the page once per process and directory', () => {
    const first = renderCriteriaPage({ cqlDir: dir, baseUrl });
    writeFileSync(path.join(dir, 'TestCriteria.cql'), readFileSync(path.join(dir, 'TestCriteria.cql'), 'utf8').replace('default 12', 'default 18'));
    expect(renderCriteriaPage({ cqlDir: dir, baseUrl })).toBe(first);
    const other = renderCriteriaPage({ cqlDir: dir, baseUrl: 'https://other.example.org' });
    expect(other).toContain('<td><code>18</code></td>');
  });

  it('answers 200 with HTML and a CSP that allows only the page style', () => {
    const r = criteriaPageResponse({ cqlDir: dir, baseUrl });
    expect(r.status).toBe(200);
    expect(r.headers['Content-Type']).toBe('text/html; charset=utf-8');
    const style = /<style>([\s\S]*?)<\/style>/.exec(r.body)![1]!;
    const hash = createHash('sha256').update(style).digest('base64');
    expect(r.headers['Content-Security-Policy']).toContain(`style-src 'sha256-${hash}'`);
    expect(r.headers['Content-Security-Policy']).toContain("default-src 'none'");
  });

  it('answers 503, without throwing, when there is no CQL library', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'criteria-empty-'));
    try {
      expect(() => renderCriteriaPage({ cqlDir: empty, baseUrl })).toThrow(/No CQL library/);
      const r = criteriaPageResponse({ cqlDir: empty, baseUrl });
      expect(r.status).toBe(503);
      expect(r.body).not.toContain(empty);
      expect(criteriaPageResponse({ cqlDir: path.join(empty, 'missing'), baseUrl }).status).toBe(503);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('names a value set file that is not JSON', () => {
    writeFileSync(path.join(dir, 'valuesets', 'broken.json'), '{ not json');
    expect(() => renderCriteriaPage({ cqlDir: dir, baseUrl: 'https://broken.example.org' })).toThrow(/broken\.json/);
  });
});

describe('the page the service serves', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'criteria-served-'));
    cpSync(fixtureDir, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const edit = (file: string, from: string, to: string) => writeFileSync(path.join(dir, file), readFileSync(path.join(dir, file), 'utf8').replace(from, to));
  const served = async (router: express.Router) => (await request(express().use(router)).get('/criteria/lumbar-fusion-criteria').expect(200)).text;

  it('is built when the service starts: CQL and value sets edited afterwards show nowhere, as they run nowhere', async () => {
    const files = { cql: readTexts(dir, '.cql'), valueSets: readTexts(path.join(dir, 'valuesets'), '.json') };
    const router = criteriaPageRouter({ files, baseUrl: 'https://served.example.org' });
    edit('TestCriteria.cql', 'default 12', 'default 18');
    edit(path.join('valuesets', 'test-dural-tear.json'), '262545008', '999999999');
    const page = await served(router);
    expect(rowWith(page, '<code>Imaging Lookback Months</code>')).toContain('<td><code>12</code></td>');
    expect(page).toContain('<code>262545008</code>');
    expect(page).not.toContain('999999999');
    // The same files give the same page as the directory they came from did.
    expect(page).toBe(renderCriteriaPage({ files, baseUrl: 'https://served.example.org' }));
  });

  it('from a directory, is read when the router is made, not at the first request', async () => {
    const router = criteriaPageRouter({ cqlDir: dir, baseUrl: 'https://first-request.example.org' });
    edit('TestCriteria.cql', 'default 12', 'default 18');
    expect(rowWith(await served(router), '<code>Imaging Lookback Months</code>')).toContain('<td><code>12</code></td>');
  });

  it("shows the project's criteria from what readCriteriaSources read, the ELM the engine runs checked against that CQL", () => {
    const sources = readCriteriaSources(path.resolve(here, '..', '..', 'cql-mappings'));
    const page = renderCriteriaPage({ files: sources, baseUrl });
    expect(page).toContain('>R1 Failed Prior Surgery</h4>');
    expect(Object.keys(sources.elm)).toContain('LumbarFusionCriteria');
  });
});

describe('the project criteria page (cql-mappings/)', () => {
  const cqlDir = path.resolve(here, '..', '..', 'cql-mappings');
  const page = renderCriteriaPage({ cqlDir, baseUrl });

  it('shows the four thresholds with their defaults', () => {
    for (const [name, type, def] of [
      ['Imaging Lookback Months', 'Integer', '12'],
      ['Conservative Care Weeks', 'Integer', '6'],
      ['Instability Translation Mm', 'Decimal', '3.0'],
      ['Instability Angulation Degrees', 'Decimal', '10.0'],
    ]) {
      expect(rowWith(page, `<code>${name}</code>`)).toContain(`<td><code>${type}</code></td><td><code>${def}</code></td>`);
    }
  });

  it('shows every criterion and rule, and every code of every value set file', () => {
    for (const prefix of ['R1', 'R2', 'R3', 'R4', 'S1', 'S2', 'S3', 'S4']) expect(page).toMatch(new RegExp(`<h4 id="def-${prefix.toLowerCase()}[^"]*">${prefix}`));
    for (const name of ['Is Revision', 'Determination', 'Consider Fusion', 'Inpatient Recommended']) expect(page).toContain(`>${name}</h4>`);
    const files = readdirSync(path.join(cqlDir, 'valuesets')).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const vs = JSON.parse(readFileSync(path.join(cqlDir, 'valuesets', f), 'utf8')) as {
        title: string;
        compose: { include: { concept?: { code: string }[]; filter?: { value: string }[] }[] };
      };
      expect(page).toContain(`>${vs.title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</h3>`);
      for (const inc of vs.compose.include) {
        for (const c of inc.concept ?? []) expect(page).toContain(`<code>${c.code}</code>`);
        for (const flt of inc.filter ?? []) expect(page).toContain(`all codes under <code>${flt.value}</code>`);
      }
    }
  });
});
