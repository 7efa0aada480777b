import type { Interspace, Side } from '../orders/types.js';
import type { LooseCoding } from './fhir-values.js';
import { levelsFromVertebraCodings, readLevels, sortInterspaces } from './levels.js';
import { orderSides, sideOfCoding, sidesFromText } from './sides.js';

/** One place a resource may state its level and side: some codings and some text. */
export interface SiteSource {
  codings?: LooseCoding[];
  texts?: string[];
}

// Most sources name no level and no side: the loops below build nothing for them.
export function levelsOf(source: SiteSource): Interspace[] {
  let found: Interspace[] | undefined;
  if (source.codings && source.codings.length > 0) {
    const coded = levelsFromVertebraCodings(source.codings);
    if (coded.length > 0) found = coded;
  }
  for (const text of source.texts ?? []) {
    const read = readLevels(text);
    if (read.length > 0) (found ??= []).push(...read);
  }
  return found ? sortInterspaces(found) : [];
}

export function sidesOf(source: SiteSource): Side[] {
  let found: Side[] | undefined;
  for (const coding of source.codings ?? []) {
    const side = sideOfCoding(coding);
    if (side) (found ??= []).push(side);
  }
  for (const text of source.texts ?? []) {
    const read = sidesFromText(text);
    if (read.length > 0) (found ??= []).push(...read);
  }
  return found ? orderSides(found) : [];
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
