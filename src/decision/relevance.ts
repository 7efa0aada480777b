import type { FhirResource } from 'fhir/r4.js';
import type { EvidenceFacts } from '../evidence/types.js';
import type { ValueSetIndex } from '../terminology/value-sets.js';
import { declaredValueSets, matchedElements, matchPatterns } from './elm-reading.js';
import { selectionHazards } from './selection-hazards.js';
import { satisfies, textNeed, type TextNeed } from './text-needs.js';

/**
 * Which chart resources the criteria library can use at all, so that the engine is not handed the vital
 * signs and problem lists of a large chart. A resource is kept when it has
 * - a coding in one of the value sets the library declares;
 * - text that one of the library's `Matches` patterns could match (text-needs.ts), in the elements the
 *   library hands to `Matches` (`text`, `display`, `conclusion`, `description`: elm-reading.ts);
 * - a fact extracted from it (levels, sides, imaging findings, strength scores, instability measures, failure
 *   sentences: the library finds a failure's report by its ref, for its status and name; a cervical or thoracic site);
 * - a reference to or from a resource kept for the reasons above (a report's ImagingStudy, the report
 *   citing a study), followed through the chart.
 * Everything comes from the library's ELM and value sets. It holds because every query of the library over
 * chart resources selects them by a value set, a text pattern, a fact or such a link;
 * test/decision/relevance.test.ts evaluates every fixture case with and without the filter. Should the
 * library use a pattern or a text source the ELM reading cannot follow, or select resources in another way (a code
 * literal, a comparison on a code or text element: selection-hazards.ts), nothing is filtered.
 */
export interface RelevanceFilter {
  /** False when the library's text patterns cannot be read, or it selects in a way the filter cannot see: every resource is then kept. */
  readonly active: boolean;
  /** Why the filter is off, when it is: the library's selections it cannot see (selection-hazards.ts). */
  readonly hazards: readonly string[];
  /** Value set ids whose codes make a resource relevant. */
  readonly valueSetIds: readonly string[];
  readonly textNeeds: readonly TextNeed[];
  /** The elements whose strings the text patterns are tried on. */
  readonly textElements: ReadonlySet<string>;
  select<T extends FhirResource>(resources: readonly T[], facts: EvidenceFacts): T[];
}

/** Deeper than any FHIR resource nests: such a resource is kept unread rather than walked. */
const MAX_DEPTH = 64;
/** Bound on what is remembered across calls (codes and JSON keys come from outside). */
const MEMO_LIMIT = 20_000;

/**
 * The "Type/id" keys a reference may name: the reference itself and every tail after a '/', so that
 * "http://x/fhir/ImagingStudy/abc" reaches "ImagingStudy/abc" as the library's EndsWith does, whatever the id.
 */
function referenceKeys(reference: string): string[] {
  const keys = [reference];
  for (let p = reference.indexOf('/'); p >= 0; p = reference.indexOf('/', p + 1)) keys.push(reference.slice(p + 1));
  return keys;
}

/** Is a JSON key one of the elements, or a choice of one (valueString for value)? */
function choiceOf(key: string, elements: ReadonlySet<string>): boolean {
  if (elements.has(key)) return true;
  for (let i = key.length - 1; i > 0; i--) {
    const c = key.charCodeAt(i);
    if (c >= 65 && c <= 90 && elements.has(key.slice(0, i))) return true;
  }
  return false;
}

/**
 * @param systemStrings the model's elements typed as plain System strings (read without `.value`).
 */
export function relevanceFilter(elm: Readonly<Record<string, unknown>>, valueSets: ValueSetIndex, systemStrings: ReadonlySet<string>): RelevanceFilter {
  const byUrl = new Map(valueSets.resources().map((vs) => [vs.url, vs.id]));
  // A declared value set with no file matches no code in the CodeService either.
  const valueSetIds = declaredValueSets(elm).flatMap((url) => (byUrl.has(url) ? [byUrl.get(url)!] : []));
  const patterns = matchPatterns(elm);
  const elements = matchedElements(elm, systemStrings);
  const textNeeds = elements !== undefined && patterns.every((p) => p !== undefined) ? patterns.map((p) => textNeed(p!)) : [];
  // A pattern that needs no word matches text the filter cannot rule out.
  const hazards = selectionHazards(elm);
  const active = elements !== undefined && textNeeds.length === patterns.length && !textNeeds.includes('nothing') && hazards.length === 0;
  const textElements: ReadonlySet<string> = elements ?? new Set();

  const textKeys = new Map<string, boolean>();
  const isTextKey = (key: string): boolean => {
    let known = textKeys.get(key);
    if (known === undefined) {
      known = choiceOf(key, textElements);
      if (textKeys.size < MEMO_LIMIT) textKeys.set(key, known);
    }
    return known;
  };
  const coded = new Map<string, Map<string, boolean>>();
  const inValueSet = (system: string, code: string): boolean => {
    let codes = coded.get(system);
    if (!codes) {
      codes = new Map();
      if (coded.size < MEMO_LIMIT) coded.set(system, codes);
    }
    let hit = codes.get(code);
    if (hit === undefined) {
      hit = valueSetIds.some((id) => valueSets.has(id, system, code));
      if (codes.size < MEMO_LIMIT) codes.set(code, hit);
    }
    return hit;
  };

  /** One walk over a resource: whether a coding is in a value set, the text `Matches` can read, the references. */
  const read = (resource: object) => {
    const strings: string[] = [];
    const references: string[] = [];
    let inSet = false;
    let tooDeep = false;
    const text = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v);
      else if (typeof v === 'number' || typeof v === 'boolean') strings.push(String(v));
      else if (Array.isArray(v)) for (const x of v) if (x === null || typeof x !== 'object') text(x);
    };
    const walk = (node: object, depth: number): void => {
      if (depth > MAX_DEPTH) {
        tooDeep = true;
        return;
      }
      if (Array.isArray(node)) {
        for (const v of node) if (v !== null && typeof v === 'object') walk(v as object, depth + 1);
        return;
      }
      const o = node as Record<string, unknown>;
      if (!inSet && typeof o.system === 'string' && typeof o.code === 'string') inSet = inValueSet(o.system, o.code);
      if (typeof o.reference === 'string') references.push(o.reference);
      for (const key in o) {
        const v = o[key];
        if (isTextKey(key)) text(v);
        if (v !== null && typeof v === 'object') walk(v, depth + 1);
      }
    };
    walk(resource, 0);
    return { inSet, tooDeep, text: strings.join('\n').toLowerCase(), references };
  };

  return {
    active,
    hazards,
    valueSetIds,
    textNeeds,
    textElements,
    select<T extends FhirResource>(resources: readonly T[], facts: EvidenceFacts): T[] {
      if (!active) return [...resources];
      const named = new Set<string>();
      for (const f of facts.resources) if (f.levels.length > 0 || f.sides.length > 0) named.add(f.ref);
      for (const list of [facts.imaging, facts.strength, facts.instability, facts.failures]) for (const f of list) named.add(f.ref);
      for (const ref of [...(facts.upperSpineProcedures ?? []), ...(facts.deniedAnswers ?? [])]) named.add(ref);

      // Charts repeat their texts (every heart rate reads "heart rate"): each distinct text is tried once.
      const texts = new Map<string, boolean>();
      const readings = resources.map((r) => read(r));
      const keep = resources.map((r, i) => {
        const reading = readings[i]!;
        if (reading.inSet || reading.tooDeep) return true;
        if (named.has(`${r.resourceType}/${typeof r.id === 'string' ? r.id : ''}`)) return true;
        let relevant = texts.get(reading.text);
        if (relevant === undefined) {
          relevant = textNeeds.some((n) => satisfies(n, reading.text));
          texts.set(reading.text, relevant);
        }
        return relevant;
      });

      // Links in both directions between chart resources; the Patient is no link (everything cites it).
      const byKey = new Map<string, number[]>();
      resources.forEach((r, i) => {
        if (r.resourceType === 'Patient' || typeof r.id !== 'string') return;
        const key = `${r.resourceType}/${r.id}`;
        const list = byKey.get(key);
        if (list) list.push(i);
        else byKey.set(key, [i]);
      });
      const links: number[][] = resources.map(() => []);
      readings.forEach((reading, i) => {
        if (resources[i]!.resourceType === 'Patient') return;
        for (const ref of reading.references) {
          for (const key of referenceKeys(ref)) {
            for (const j of byKey.get(key) ?? []) {
              if (j === i) continue;
              links[i]!.push(j);
              links[j]!.push(i);
            }
          }
        }
      });
      const queue = keep.flatMap((k, i) => (k ? [i] : []));
      while (queue.length > 0) {
        for (const j of links[queue.pop()!]!) {
          if (!keep[j]) {
            keep[j] = true;
            queue.push(j);
          }
        }
      }
      return resources.filter((_r, i) => keep[i]);
    },
  };
}
