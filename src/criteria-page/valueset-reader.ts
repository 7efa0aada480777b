
/** One row of a value set as the criteria page shows it. */
export interface ValueSetRow {
  system: string;
  /** A code, the value of a filter, or the url of a nested value set. */
  code: string;
  /** For a filter: how it extends from `code`, e.g. "all codes under". */
  scope?: string;
  display?: string;
  /** Set when the row names a nested value set (its canonical url). */
  valueSetUrl?: string;
  excluded: boolean;
}

export interface ValueSetView {
  id: string;
  file: string;
  title: string;
  url?: string;
  version?: string;
  purpose?: string;
  rows: ValueSetRow[];
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** The display the value set files give a filter (an extension, since FHIR has no element for it). */
function filterDisplay(include: Json): string | undefined {
  for (const e of arr(include.extension)) {
    const ext = obj(e);
    if (str(ext.url)?.endsWith('/filter-display')) return str(ext.valueString);
  }
  return undefined;
}

function filterScope(filter: Json): string {
  const op = str(filter.op) ?? 'filter';
  if (op === 'is-a') return 'all codes under';
  if (op === 'descendent-of') return 'all codes below';
  return `${str(filter.property) ?? 'property'} ${op}`;
}

function rowsOf(entries: unknown[], excluded: boolean): ValueSetRow[] {
  const rows: ValueSetRow[] = [];
  for (const e of entries) {
    const include = obj(e);
    const system = str(include.system) ?? '';
    for (const c of arr(include.concept)) {
      const concept = obj(c);
      const code = str(concept.code);
      if (code) rows.push({ system, code, excluded, ...(str(concept.display) ? { display: str(concept.display)! } : {}) });
    }
    const display = filterDisplay(include);
    for (const f of arr(include.filter)) {
      const filter = obj(f);
      rows.push({ system, code: str(filter.value) ?? '', scope: filterScope(filter), excluded, ...(display ? { display } : {}) });
    }
    for (const v of arr(include.valueSet)) {
      const url = str(v);
      if (url) rows.push({ system, code: url, valueSetUrl: url, excluded });
    }
  }
  return rows;
}

/** The value sets of files already read (text by file name), in file-name order. A file that is not JSON is an error naming it. */
export function valueSetViews(files: Readonly<Record<string, string>>): ValueSetView[] {
  return Object.keys(files).sort().map((file) => {
    let json: Json;
    try {
      json = obj(JSON.parse(files[file]!));
    } catch (err) {
      throw new Error(`Value set file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    const compose = obj(json.compose);
    const expansion = arr(obj(json.expansion).contains).map((c) => ({ ...obj(c) }));
    const rows = [...rowsOf(arr(compose.include), false), ...rowsOf(arr(compose.exclude), true)];
    // A value set given only as an expansion still lists its codes.
    if (rows.length === 0) rows.push(...rowsOf(expansion.length > 0 ? expansion.map((c) => ({ system: c.system, concept: [c] })) : [], false));
    const id = str(json.id) ?? file.replace(/\.json$/, '');
    return {
      id,
      file,
      title: str(json.title) ?? str(json.name) ?? id,
      rows,
      ...(str(json.url) ? { url: str(json.url)! } : {}),
      ...(str(json.version) ? { version: str(json.version)! } : {}),
      ...(str(json.purpose) ?? str(json.description) ? { purpose: (str(json.purpose) ?? str(json.description))! } : {}),
    };
  });
}
