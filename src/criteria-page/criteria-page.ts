import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { criterionOf, isShownDefinition, readCqlLibrary, type CqlDefinition, type CqlLibrary } from './cql-reader.js';
import { anchor, escapeHtml as h } from './html.js';
import { PAGE_STYLE } from './page-style.js';
import { valueSetViews, type ValueSetView } from './valueset-reader.js';

export const CRITERIA_PAGE_PATH = '/criteria/lumbar-fusion-criteria';

/** The criteria files as already read: each CQL library and each value set file, text by file name. */
export interface CriteriaFiles {
  cql: Readonly<Record<string, string>>;
  valueSets: Readonly<Record<string, string>>;
}

export type CriteriaPageOptions = {
  /** Public base URL of the service, for the page's canonical link. */
  baseUrl: string;
} & (
  | {
      /** The files the service loaded at start (CriteriaSources): the page shows the criteria that run. */
      files: CriteriaFiles;
    }
  | {
      /** A cql-mappings/ directory, read now: *.cql libraries, and value sets in valuesets/*.json. */
      cqlDir: string;
    }
);

const SYSTEM_NAMES: Record<string, string> = {
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'http://snomed.info/sct': 'SNOMED CT',
  'http://www.ama-assn.org/go/cpt': 'CPT',
  'http://loinc.org': 'LOINC',
  'http://dicom.nema.org/resources/ontology/DCM': 'DICOM',
  'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set': 'CMS Place of Service',
  'http://terminology.hl7.org/CodeSystem/v3-ActCode': 'HL7 v3 ActCode',
};
const systemName = (uri: string): string => SYSTEM_NAMES[uri] ?? uri;

interface NamedLibrary {
  file: string;
  /** The library as written, shown whole on the page. */
  source: string;
  lib: CqlLibrary;
}

/** The CQL files and value set files of `cqlDir` as they are on disk now (no valuesets/ folder: none). */
function readCriteriaFiles(cqlDir: string): CriteriaFiles {
  const read = (dir: string, ext: string): Record<string, string> =>
    Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith(ext)).map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
  const valueSetDir = path.join(cqlDir, 'valuesets');
  return { cql: read(cqlDir, '.cql'), valueSets: existsSync(valueSetDir) ? read(valueSetDir, '.json') : {} };
}

/** The libraries, those no other library includes first: they hold the criteria. */
function readLibraries(cql: Readonly<Record<string, string>>): NamedLibrary[] {
  const files = Object.keys(cql).sort();
  if (files.length === 0) throw new Error('No CQL library');
  const libs = files.map((file) => {
    const source = cql[file]!;
    return { file, source, lib: readCqlLibrary(source) };
  });
  const included = new Set(libs.flatMap((l) => l.lib.includes));
  const isRoot = (l: NamedLibrary): boolean => !included.has(l.lib.name ?? l.file.replace(/\.cql$/, ''));
  return [...libs.filter(isRoot), ...libs.filter((l) => !isRoot(l))];
}

function libraryLabel(l: NamedLibrary): string {
  const name = l.lib.name ?? l.file;
  return l.lib.version ? `${name} version ${l.lib.version}` : name;
}

const GROUPS: { id: string; title: string; intro: string; test: (name: string) => boolean; series?: 'R' | 'S' }[] = [
  {
    id: 'revision',
    title: 'Which plan is a revision',
    intro: 'Only a revision plan gets a determination card; a plan that is not a revision gets no card.',
    test: (n) => n.trim().toLowerCase() === 'is revision',
  },
  {
    id: 'required',
    title: 'Required criteria',
    intro: 'Each criterion is met, not met (the record holds evidence against it) or not documented.',
    test: (n) => criterionOf(n)?.series === 'R',
    series: 'R',
  },
  {
    id: 'supporting',
    title: 'Supporting findings',
    intro: 'Shown in the card detail; never required.',
    test: (n) => criterionOf(n)?.series === 'S',
    series: 'S',
  },
  {
    id: 'rules',
    title: 'Determination and card rules',
    intro: 'How the criteria become the cards the service returns.',
    test: (n) => ['determination', 'consider fusion', 'inpatient recommended'].includes(n.trim().toLowerCase()),
  },
];

/** "Required criteria (R1 to R5)": the range the library defines, whatever it is. */
function groupTitle(title: string, series: 'R' | 'S' | undefined, names: string[]): string {
  if (!series) return title;
  const numbers = names.map((n) => criterionOf(n)!.number);
  const low = Math.min(...numbers);
  const high = Math.max(...numbers);
  return `${title} (${low === high ? `${series}${low}` : `${series}${low} to ${series}${high}`})`;
}

function definitionHtml(d: CqlDefinition, libLabel: string | undefined): string {
  const id = anchor('def', d.name);
  return [
    `<article aria-labelledby="${id}">`,
    `<h4 id="${id}">${h(d.name)}</h4>`,
    d.comment ? `<p>${h(d.comment)}</p>` : '',
    libLabel ? `<p class="meta">From ${h(libLabel)}.</p>` : '',
    `<pre><code>${h(d.text)}</code></pre>`,
    '</article>',
  ]
    .filter((s) => s !== '')
    .join('\n');
}

function parametersHtml(libs: NamedLibrary[]): string {
  const rows = libs.flatMap((l) =>
    l.lib.parameters.map(
      (p) =>
        `<tr><th scope="row"><code>${h(p.name)}</code></th><td><code>${h(p.type ?? 'not declared')}</code></td>` +
        `<td>${p.defaultValue !== undefined ? `<code>${h(p.defaultValue)}</code>` : 'no default'}</td>` +
        `<td>${p.comment ? h(p.comment) : ''}</td></tr>`,
    ),
  );
  if (rows.length === 0) return '<p>The library declares no parameters.</p>';
  return [
    '<table>',
    '<caption>CQL parameters: thresholds a site may change, and the values the service supplies per call</caption>',
    '<thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Default</th><th scope="col">Explanation</th></tr></thead>',
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
}

function valueSetHtml(vs: ValueSetView, byUrl: Map<string, ValueSetView>, cqlNames: string[]): string {
  const id = anchor('vs', vs.id);
  const rows = vs.rows.map((r) => {
    const nested = r.valueSetUrl ? byUrl.get(r.valueSetUrl) : undefined;
    const code = r.valueSetUrl
      ? `all codes of value set ${nested ? `<a href="#${anchor('vs', nested.id)}">${h(nested.title)}</a>` : `<code>${h(r.valueSetUrl)}</code>`}`
      : `${r.scope ? `${h(r.scope)} ` : ''}<code>${h(r.code)}</code>`;
    const system = r.valueSetUrl ? 'value set' : r.system !== '' ? h(systemName(r.system)) : 'not stated';
    return `<tr><td>${system}</td><td>${r.excluded ? 'excluded: ' : ''}${code}</td><td>${r.display ? h(r.display) : ''}</td></tr>`;
  });
  const facts = [
    vs.url ? `<dt>Canonical URL</dt><dd><code>${h(vs.url)}</code></dd>` : '',
    vs.version ? `<dt>Version</dt><dd>${h(vs.version)}</dd>` : '',
    cqlNames.length > 0 ? `<dt>Named in CQL</dt><dd>${cqlNames.map((n) => `<code>"${h(n)}"</code>`).join(', ')}</dd>` : '',
    `<dt>File</dt><dd><code>valuesets/${h(vs.file)}</code></dd>`,
  ].join('');
  return [
    `<section aria-labelledby="${id}">`,
    `<h3 id="${id}">${h(vs.title)}</h3>`,
    vs.purpose ? `<p>${h(vs.purpose)}</p>` : '',
    `<dl>${facts}</dl>`,
    rows.length > 0
      ? [
          '<table>',
          `<caption>Codes in ${h(vs.title)}</caption>`,
          '<thead><tr><th scope="col">System</th><th scope="col">Code</th><th scope="col">Display</th></tr></thead>',
          `<tbody>\n${rows.join('\n')}\n</tbody>`,
          '</table>',
        ].join('\n')
      : '<p>This value set lists no codes.</p>',
    '</section>',
  ]
    .filter((s) => s !== '')
    .join('\n');
}

function codeSystemsHtml(valueSets: ValueSetView[]): string {
  const systems = [...new Set(valueSets.flatMap((v) => v.rows.filter((r) => !r.valueSetUrl && r.system !== '').map((r) => r.system)))].sort();
  if (systems.length === 0) return '';
  return [
    '<table>',
    '<caption>Code systems named in the value sets</caption>',
    '<thead><tr><th scope="col">Name</th><th scope="col">System URI</th></tr></thead>',
    `<tbody>\n${systems.map((s) => `<tr><td>${h(systemName(s))}</td><td><code>${h(s)}</code></td></tr>`).join('\n')}\n</tbody>`,
    '</table>',
  ].join('\n');
}

/** Builds the page from the CQL libraries and value set files given. */
function buildPage(files: CriteriaFiles, baseUrl: string): string {
  const libs = readLibraries(files.cql);
  const valueSets = valueSetViews(files.valueSets);
  const pageUrl = `${baseUrl.replace(/\/+$/, '')}${CRITERIA_PAGE_PATH}`;
  const byUrl = new Map(valueSets.flatMap((v) => (v.url ? [[v.url, v] as const] : [])));
  const cqlNamesByUrl = new Map<string, string[]>();
  for (const l of libs) for (const d of l.lib.valueSets) cqlNamesByUrl.set(d.url, [...new Set([...(cqlNamesByUrl.get(d.url) ?? []), d.name])]);

  const several = libs.filter((l) => l.lib.definitions.some((d) => isShownDefinition(d.name))).length > 1;
  const shown = libs.flatMap((l) => l.lib.definitions.filter((d) => isShownDefinition(d.name)).map((d) => ({ d, label: several ? libraryLabel(l) : undefined })));
  const groups = GROUPS.map((g) => ({ ...g, defs: shown.filter((s) => g.test(s.d.name)) }))
    .filter((g) => g.defs.length > 0)
    .map((g) => ({ ...g, title: groupTitle(g.title, g.series, g.defs.map((s) => s.d.name)) }));

  const nav = [
    '<li><a href="#parameters">Thresholds and parameters</a></li>',
    '<li><a href="#criteria">Criteria in CQL</a><ul>',
    ...groups.map((g) => `<li><a href="#${g.id}">${h(g.title)}</a></li>`),
    '</ul></li>',
    '<li><a href="#whole-library">Every rule, in full</a></li>',
    '<li><a href="#value-sets">Value sets</a></li>',
  ].join('\n');

  const main = [
    '<section aria-labelledby="parameters">',
    '<h2 id="parameters">Thresholds and parameters</h2>',
    '<p>Thresholds are CQL parameters: a site changes a default in the library and rebuilds; the logic stays as it is.</p>',
    parametersHtml(libs),
    '</section>',
    '<section aria-labelledby="criteria">',
    '<h2 id="criteria">Criteria in CQL</h2>',
    '<p>Each criterion is a named CQL definition that returns its status and the evidence behind it. The text below is the library source the service runs (it refuses to start on ELM compiled from another text).</p>',
    ...groups.map((g) =>
      [`<section aria-labelledby="${g.id}">`, `<h3 id="${g.id}">${h(g.title)}</h3>`, `<p>${h(g.intro)}</p>`, ...g.defs.map((s) => definitionHtml(s.d, s.label)), '</section>'].join('\n'),
    ),
    groups.length === 0 ? '<p>The library defines none of the criteria yet.</p>' : '',
    '</section>',
    '<section aria-labelledby="whole-library">',
    '<h2 id="whole-library">Every rule, in full</h2>',
    '<p>The criteria above rest on further definitions: the text rules (the words read in conditions, procedures and reports), the look-back and care-duration windows, the reasons for inpatient care, the revision test. Each library as written:</p>',
    ...libs.map((l) => `<details><summary>${h(l.file)} (${l.lib.definitions.length} definitions)</summary>\n<pre><code>${h(l.source)}</code></pre>\n</details>`),
    '</section>',
    '<section aria-labelledby="value-sets">',
    '<h2 id="value-sets">Value sets</h2>',
    `<p>The codes each rule recognises (${valueSets.length} value sets). Text rules beside the codes are in the CQL (“Every rule, in full”). “All codes under” a code means the code and every code below it (ICD-10-CM codes by prefix).</p>`,
    ...valueSets.map((vs) => valueSetHtml(vs, byUrl, vs.url ? (cqlNamesByUrl.get(vs.url) ?? []) : [])),
    codeSystemsHtml(valueSets),
    '</section>',
  ]
    .filter((s) => s !== '')
    .join('\n');

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Revision lumbar fusion criteria | spine-cds</title>',
    `<link rel="canonical" href="${h(pageUrl)}">`,
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    '<a class="skip" href="#main">Skip to the criteria</a>',
    '<header>',
    '<h1>Revision lumbar fusion criteria</h1>',
    '<p>What the spine-cds service (CDS Hooks service <code>lumbar-fusion-criteria</code>, hook <code>order-sign</code>) checks when a lumbar spine surgery is ordered, generated from the CQL library and value sets it runs.</p>',
    `<p class="meta">Libraries: ${libs.map((l) => h(libraryLabel(l))).join(', ')}.</p>`,
    '</header>',
    `<nav aria-label="Contents"><ul>\n${nav}\n</ul></nav>`,
    `<main id="main">\n${main}\n</main>`,
    '<footer><p>Generated from <code>cql-mappings/</code> by the service that runs it. This page supports clinical judgment; it does not replace it.</p></footer>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const cache = new Map<string, string>();

/**
 * The criteria page as HTML. From `files`, built as asked; from `cqlDir`, built once per (cqlDir, baseUrl) and
 * served from memory afterwards. Throws when there is no CQL library.
 */
export function renderCriteriaPage(opts: CriteriaPageOptions): string {
  if ('files' in opts) return buildPage(opts.files, opts.baseUrl);
  const key = `${path.resolve(opts.cqlDir)}\n${opts.baseUrl}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const page = buildPage(readCriteriaFiles(opts.cqlDir), opts.baseUrl);
  cache.set(key, page);
  return page;
}

export interface CriteriaPageResponse {
  status: 200 | 503;
  headers: Record<string, string>;
  body: string;
}

const STYLE_HASH = `sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}`;

/**
 * The HTTP answer for GET /criteria/lumbar-fusion-criteria, free of any web framework so the protocol layer
 * mounts it as it likes (express: `res.status(r.status).set(r.headers).send(r.body)`). A missing or unreadable
 * cql-mappings/ gives 503 with a plain message, never an exception.
 */
export function criteriaPageResponse(opts: CriteriaPageOptions): CriteriaPageResponse {
  try {
    return {
      status: 200,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'public, max-age=300',
        'Content-Security-Policy': `default-src 'none'; style-src '${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        'X-Content-Type-Options': 'nosniff',
      },
      body: renderCriteriaPage(opts),
    };
  } catch {
    return {
      status: 503,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
      body: 'The criteria page is not available: the criteria library could not be read.\n',
    };
  }
}
