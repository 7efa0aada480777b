import type { Interspace, Side } from '../orders/types.js';
import type { LooseCoding } from './fhir-values.js';
import { levelsFromVertebraCodings, readLevels, sortInterspaces } from './levels.js';
import { orderSides, sideOfCoding, sidesFromText } from './sides.js';

/** One place a resource may state its level and side: some codings and some text. */
export interface SiteSource {
  codings?: LooseCoding[];
  texts?: string[];
}

export function levelsOf(source: SiteSource): Interspace[] {
  return sortInterspaces([...levelsFromVertebraCodings(source.codings ?? []), ...(source.texts ?? []).flatMap(readLevels)]);
}

export function sidesOf(source: SiteSource): Side[] {
  return orderSides([...(source.codings ?? []).map(sideOfCoding), ...(source.texts ?? []).flatMap(sidesFromText)]);
}

/**
 * Levels from the first source, in order of trust, that names any. A resource's own site (bodySite) outranks
 * its name (code.text), which outranks free notes: a note about an adjacent segment must not move a procedure.
 */
export function firstLevels(sources: SiteSource[]): Interspace[] {
  for (const s of sources) {
    const levels = levelsOf(s);
    if (levels.length > 0) return levels;
  }
  return [];
}

/** Sides from the first source, in order of trust, that names any. */
export function firstSides(sources: SiteSource[]): Side[] {
  for (const s of sources) {
    const sides = sidesOf(s);
    if (sides.length > 0) return sides;
  }
  return [];
}

/** Levels from every source (for reports, which describe many levels at once). */
export function allLevels(sources: SiteSource[]): Interspace[] {
  return sortInterspaces(sources.flatMap(levelsOf));
}

export function allSides(sources: SiteSource[]): Side[] {
  return orderSides(sources.flatMap(sidesOf));
}
