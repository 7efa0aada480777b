import type { Side } from '../orders/types.js';
import { asString, type LooseCoding } from './fhir-values.js';

/**
 * Sides (laterality) read from free text and codings (fhir-conventions.md, "Spinal level and side").
 * Abbreviations such as "Lt"/"Rt" or "(L)" are not read: they collide with levels ("L4") and other words.
 */

const SIDE_ORDER: readonly Side[] = ['bilateral', 'left', 'right'];

// Word boundaries on both ends so that "leftover" or "righteous" never count; "left-sided" does.
const SIDE_WORDS =
  /(?<![A-Za-z0-9])(left|right|bilateral(?:ly)?|bilat|both\s{1,3}(?:sides|legs|lower\s{1,3}(?:extremities|limbs))|LLE|RLE|BLE)(?![A-Za-z0-9])/gi;
/** "left" and "right" as verb or adverb: "left the clinic", "right away". */
const NOT_A_SIDE_AFTER: Record<string, RegExp> = {
  left: /^\s{1,3}(?:the|a|an|work|home|early|against|before|after|ama|without|his|her|their)\b/i,
  right: /^\s{1,3}(?:away|now|after|before)\b/i,
};
const NOT_A_SIDE_BEFORE = /\ball\s{1,3}$/i; // "all right"

/** Every side word contains one of these; most chart text has none, and this test is cheap. */
const MAY_NAME_SIDE = /left|right|bilat|both|[lrb]le/i;

export interface SideMention {
  side: Side;
  start: number;
  end: number;
}

/** Each side word of the text, in order, with where it stands. */
export function sideMentions(input: unknown): SideMention[] {
  const text = asString(input);
  if (!text || !MAY_NAME_SIDE.test(text)) return [];
  const found: SideMention[] = [];
  for (const m of text.matchAll(SIDE_WORDS)) {
    const word = m[1]!.toLowerCase();
    const start = m.index ?? 0;
    const end = start + m[0].length;
    const after = text.slice(end, end + 12);
    let side: Side;
    if (word === 'left' || word === 'lle') {
      if (word === 'left' && NOT_A_SIDE_AFTER.left!.test(after)) continue;
      side = 'left';
    } else if (word === 'right' || word === 'rle') {
      if (word === 'right' && (NOT_A_SIDE_AFTER.right!.test(after) || NOT_A_SIDE_BEFORE.test(text.slice(Math.max(0, start - 6), start)))) continue;
      side = 'right';
    } else {
      side = 'bilateral';
    }
    found.push({ side, start, end });
  }
  return found;
}

export function sidesFromText(input: unknown): Side[] {
  return orderSides(sideMentions(input).map((m) => m.side));
}

const SNOMED = new Set(['http://snomed.info/sct', 'urn:oid:2.16.840.1.113883.6.96']);
const ICD10CM = new Set(['http://hl7.org/fhir/sid/icd-10-cm', 'urn:oid:2.16.840.1.113883.6.90']);
// Maps, not object literals: a code such as "constructor" must not find Object.prototype members.
const SNOMED_SIDES = new Map<string, Side>([
  ['7771000', 'left'],
  ['24028007', 'right'],
  ['51440002', 'bilateral'],
  ['419161000', 'left'], // unilateral left
  ['419465000', 'right'], // unilateral right
]);
/** ICD-10-CM codes (without the dot) whose last character carries the side. */
const ICD_SIDES = new Map<string, Side>([
  ['M21371', 'right'], // foot drop, right foot
  ['M21372', 'left'],
  ['M5431', 'right'], // sciatica
  ['M5432', 'left'],
  ['M5441', 'right'], // lumbago with sciatica
  ['M5442', 'left'],
]);

export function sideOfCoding(coding: LooseCoding): Side | undefined {
  if (!coding.system || !coding.code) return undefined;
  if (SNOMED.has(coding.system)) return SNOMED_SIDES.get(coding.code);
  if (ICD10CM.has(coding.system)) return ICD_SIDES.get(coding.code.replace(/\./g, '').toUpperCase());
  return undefined;
}

export function sidesFromCodings(codings: LooseCoding[]): Side[] {
  return orderSides(codings.map(sideOfCoding));
}

/** Distinct sides in a stable order (bilateral, left, right), so the first one is the most inclusive. */
export function orderSides(sides: Iterable<Side | undefined>): Side[] {
  const seen = new Set(sides);
  return SIDE_ORDER.filter((s) => seen.has(s));
}

/** One side for a set of statements: none -> undefined, bilateral or left with right -> bilateral. */
export function combineSides(sides: Iterable<Side | undefined>): Side | undefined {
  const set = new Set(orderSides(sides));
  if (set.size === 0) return undefined;
  if (set.has('bilateral') || (set.has('left') && set.has('right'))) return 'bilateral';
  return set.has('left') ? 'left' : 'right';
}
