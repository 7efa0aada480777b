import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { unknownCodeSystem } from './code-systems.js';

/**
 * The value sets of cql-mappings/valuesets, loaded once. They serve both the CQL engine (through
 * cql-code-service.ts) and the TypeScript steps that must recognise codes before CQL runs (triggering orders).
 */
export const VALUE_SET_BASE = 'http://spine-cds.org/fhir/ValueSet/';
export const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';

const conceptSchema = z.object({ code: z.string().min(1), display: z.string().min(1) });
const includeSchema = z.object({
  system: z.string().min(1).optional(),
  concept: z.array(conceptSchema).optional(),
  filter: z.array(z.object({ property: z.literal('concept'), op: z.literal('is-a'), value: z.string().min(1) })).optional(),
  valueSet: z.array(z.string().min(1)).optional(),
  extension: z.array(z.object({ url: z.string(), valueString: z.string().optional() })).optional(),
});
const valueSetSchema = z.object({
  resourceType: z.literal('ValueSet'),
  id: z.string().min(1),
  url: z.string().min(1),
  version: z.string().min(1),
  name: z.string().min(1),
  title: z.string().min(1),
  status: z.string(),
  purpose: z.string().optional(),
  compose: z.object({ include: z.array(includeSchema).min(1) }),
});
export type ValueSetResource = z.infer<typeof valueSetSchema>;

/** One member of an expanded value set; `header` members match their ICD-10-CM descendants too. */
export interface ValueSetMember {
  system: string;
  code: string;
  display: string;
  header: boolean;
}

export interface ValueSetIndex {
  /** true when (system, code) is in the value set with this id; ICD-10-CM header codes match by prefix. */
  has(valueSetId: string, system: string | undefined, code: string | undefined): boolean;
  /** The members of a value set, nested value sets expanded. */
  members(valueSetId: string): ValueSetMember[];
  /** Every value set resource as written in cql-mappings/valuesets. */
  resources(): ValueSetResource[];
  /** The file name (in cql-mappings/valuesets) of the value set with this url, for messages. */
  fileOf(url: string): string | undefined;
}

export function defaultValueSetDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', ...upFromDist(), 'cql-mappings', 'valuesets');
}

/** Compiled code runs from dist/src/terminology, sources from src/terminology: both reach the project root. */
function upFromDist(): string[] {
  return path.basename(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')) === 'dist' ? ['..'] : [];
}

/** ICD-10-CM codes are compared without the dot and case, so "M4806" or "m48.061" still match. */
function normalise(system: string, code: string): string {
  return system === ICD10CM ? code.replace(/\./g, '').toUpperCase() : code;
}

export function loadValueSets(dir: string = defaultValueSetDir()): ValueSetIndex {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, resource: readValueSetFile(dir, f) }));
  const fileByUrl = uniqueUrlsAndIds(files);
  const resources = files.map((f) => f.resource);
  const byUrl = new Map(resources.map((r) => [r.url, r]));
  const expanded = new Map<string, ValueSetMember[]>();

  const expand = (vs: ValueSetResource, seen: Set<string>): ValueSetMember[] => {
    const cached = expanded.get(vs.id);
    if (cached) return cached;
    if (seen.has(vs.url)) throw new Error(`Value set ${vs.id} includes itself`);
    seen.add(vs.url);
    const members: ValueSetMember[] = [];
    for (const inc of vs.compose.include) {
      for (const c of inc.concept ?? []) members.push({ system: inc.system!, code: c.code, display: c.display, header: false });
      for (const f of inc.filter ?? []) {
        if (inc.system !== ICD10CM) throw new Error(`Value set ${vs.id}: is-a filters are supported for ICD-10-CM only`);
        const display = inc.extension?.find((e) => e.url.endsWith('/filter-display'))?.valueString ?? f.value;
        members.push({ system: inc.system, code: f.value, display, header: true });
      }
      for (const url of inc.valueSet ?? []) {
        const nested = byUrl.get(url);
        if (!nested) throw new Error(`Value set ${vs.id} includes unknown value set ${url}`);
        members.push(...expand(nested, seen));
      }
    }
    expanded.set(vs.id, members);
    return members;
  };
  for (const r of resources) expand(r, new Set());

  // Exact members in a Set per value set; ICD-10-CM headers as prefixes.
  const exact = new Map<string, Set<string>>();
  const prefixes = new Map<string, string[]>();
  for (const [id, members] of expanded) {
    exact.set(id, new Set(members.filter((m) => !m.header).map((m) => `${m.system}|${normalise(m.system, m.code)}`)));
    prefixes.set(id, members.filter((m) => m.header).map((m) => normalise(m.system, m.code)));
  }

  return {
    has(valueSetId, system, code) {
      if (!system || !code) return false;
      const set = exact.get(valueSetId);
      if (!set) throw new Error(`Unknown value set ${valueSetId}`);
      const c = normalise(system, code);
      if (set.has(`${system}|${c}`)) return true;
      return system === ICD10CM && (prefixes.get(valueSetId) ?? []).some((p) => c.startsWith(p));
    },
    members(valueSetId) {
      const m = expanded.get(valueSetId);
      if (!m) throw new Error(`Unknown value set ${valueSetId}`);
      return m;
    },
    resources: () => resources,
    fileOf: (url) => fileByUrl.get(url),
  };
}

function readValueSetFile(dir: string, f: string): ValueSetResource {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
  } catch (error) {
    throw new Error(`Invalid value set ${f}: not valid JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const parsed = valueSetSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`Invalid value set ${f}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  parsed.data.compose.include.forEach((inc, i) => {
    const problem = includeProblem(inc);
    if (problem) throw new Error(`Invalid value set ${f}: compose.include[${i}] ${problem}`);
  });
  return parsed.data;
}

/**
 * Codes are matched with their system exactly: codes without a system, or under a system no EHR sends,
 * would load and silently match nothing.
 */
function includeProblem(inc: z.infer<typeof includeSchema>): string | undefined {
  const listsCodes = (inc.concept?.length ?? 0) > 0 || (inc.filter?.length ?? 0) > 0;
  if (listsCodes && inc.system === undefined) return 'lists codes but has no system';
  if (inc.system !== undefined) {
    if (!listsCodes) return `names the system ${inc.system} but lists no concept or filter (a whole code system cannot be included)`;
    return unknownCodeSystem(inc.system);
  }
  if ((inc.valueSet?.length ?? 0) === 0) return 'lists no codes and no value set';
  return undefined;
}

/**
 * Value sets are found by url (CQL) and by id (TypeScript): two files with the same one would load in name
 * order and one would silently replace the other. Returns the file of each url.
 */
function uniqueUrlsAndIds(files: { file: string; resource: ValueSetResource }[]): Map<string, string> {
  const byUrl = new Map<string, string>();
  const byId = new Map<string, string>();
  for (const { file, resource } of files) {
    const sameUrl = byUrl.get(resource.url);
    if (sameUrl) throw new Error(`Value sets ${sameUrl} and ${file} have the same url ${resource.url}: keep one`);
    const sameId = byId.get(resource.id);
    if (sameId) throw new Error(`Value sets ${sameId} and ${file} have the same id ${resource.id}: keep one`);
    byUrl.set(resource.url, file);
    byId.set(resource.id, file);
  }
  return byUrl;
}
