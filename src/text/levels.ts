import { INTERSPACES, type Interspace } from '../orders/types.js';
import { asString, type LooseCoding } from './fhir-values.js';

/**
 * Lumbar interspaces read from free text and from SNOMED CT vertebra codings (fhir-conventions.md,
 * "Spinal level and side"). Pure functions, shared by the order reader and the evidence reader.
 *
 * Decisions that the conventions leave open:
 * - A single vertebra belongs to both neighbouring interspaces, as far as they are lumbar: L1 gives L1-L2 only
 *   (T12-L1 is thoracolumbar, out of scope), L5 gives L4-L5 and L5-S1.
 * - A lone sacral vertebra ("S1") is never read as a level: in a chart it far more often names a nerve root or
 *   a heart sound than the L5-S1 interspace. Inside a pair or range ("L5-S1", "L4-S1") it counts.
 * - A single vertebra that names a nerve root ("the traversing L4 root", "L5 radiculopathy", "S1 distribution")
 *   is not a level: the root says which nerve, not which segment.
 * - Thoracic and cervical vertebrae are recognised only so that they are never mistaken for lumbar ones;
 *   a range that crosses into the lumbar spine ("T10-L2") covers its lumbar interspaces.
 */

/** Position of a vertebra along the spine: C1 = 1 … C7 = 7, T1 = 8 … T12 = 19, L1 = 20 … L5 = 24, S1 = 25. */
const REGION_START: Record<string, { first: number; count: number }> = {
  C: { first: 1, count: 7 },
  T: { first: 8, count: 12 },
  L: { first: 20, count: 5 },
  S: { first: 25, count: 5 },
};
const L1 = 20;
const S1 = 25;

export interface LevelMention {
  /** Offsets of the mention in the text that was read. */
  start: number;
  end: number;
  /** Lumbar interspaces the mention covers (empty for thoracic, cervical, lone sacral or nerve-root mentions). */
  levels: Interspace[];
  /** 'interspace' for a pair or range ("L3-4", "L3-L5"), 'vertebra' for one vertebra ("at L4"). */
  kind: 'interspace' | 'vertebra';
}

// Dashes: hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar, minus sign.
const DASH = '[-\\u2010-\\u2015\\u2212/]';
const VERTEBRA = '[CTLS]\\d{1,2}(?![0-9])';
/** One more vertebra in a chain: "-4", "/L4", " - L4", " to L5", " through S1", " on L5", "S1" (as in "L5S1"). */
const NEXT = `(?:\\s{0,3}${DASH}\\s{0,3}[CTLS]?\\d{1,2}(?![0-9])|\\s{1,3}(?:to|through|thru|on)\\s{1,3}${VERTEBRA}|\\s{0,3}${VERTEBRA})`;
// Bounded repetition and whitespace keep the match linear in the text length (no catastrophic backtracking).
// Global regexes are stateful (lastIndex): each use below starts at 0 and runs to the end, and nothing
// between its exec calls can use it again, so one instance serves every call.
const MENTION = new RegExp(`(?<![A-Za-z0-9])${VERTEBRA}(?:${NEXT}){0,6}(?![A-Za-z0-9])`, 'gi');
const ELEMENT = /([CTLS])?(\d{1,2})/gi;

const ROOT_AFTER = /^(?:\s|,|\/|-|and\b|or\b|[ls]\d)*(?:nerve|root|radicul|dermatom|distribution|myotom)/i;
const ROOT_BEFORE = /(?:exiting|traversing)\s{1,3}(?:(?:left|right|bilateral)\s{1,3})?$/i;

/** Every mention starts with a vertebra letter right before a digit; most chart text has none, and this test is cheap. */
const MAY_MENTION = /[CTLS]\d/i;

/** Every vertebra or interspace mention in the text, in order. */
export function levelMentions(input: unknown): LevelMention[] {
  const text = asString(input);
  if (!text || !MAY_MENTION.test(text)) return [];
  const mentions: LevelMention[] = [];
  MENTION.lastIndex = 0;
  for (let match = MENTION.exec(text); match !== null; match = MENTION.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    const ordinals = ordinalsOf(match[0]);
    if (ordinals.length === 0) continue;
    if (ordinals.length === 1) {
      const isRoot = ROOT_AFTER.test(text.slice(end, end + 40)) || ROOT_BEFORE.test(text.slice(Math.max(0, start - 30), start));
      mentions.push({ start, end, kind: 'vertebra', levels: isRoot ? [] : neighbours(ordinals[0]!) });
    } else {
      mentions.push({ start, end, kind: 'interspace', levels: between(Math.min(...ordinals), Math.max(...ordinals)) });
    }
  }
  return mentions;
}

/** Which parts of the spine a text names: above the lumbar spine (cervical, thoracic), and at or below it (lumbar, sacral). */
export interface SpineRegions {
  cervicalOrThoracic: boolean;
  lumbosacral: boolean;
}

const CERVICAL_OR_THORACIC_WORDS = /cervic|thorac/i;
// "thoracolumbar" and "lumbosacral" name the lumbar spine too.
const LUMBOSACRAL_WORDS = /lumb|sacr/i;
// An MRI sequence ("T2-weighted", "T1 weighted") is no thoracic vertebra.
const WEIGHTED_AFTER = /^\s?-?\s?weighted/i;

/**
 * The regions of the spine a text names, by vertebrae, interspaces and ranges of any region ("C5-C6", "T10-T12",
 * "T10-L2" names both) or by the region's own words. Nerve roots count: "C6 radiculopathy" is about the neck.
 * A lone cervical or thoracic vertebra counts only where the text is a site (`loneUpperVertebra`): in an order's
 * name a procedure's description may mention one in passing (22840: "sublaminar wiring at C1").
 */
export function spineRegions(input: unknown, { loneUpperVertebra = true } = {}): SpineRegions {
  const text = asString(input);
  const regions: SpineRegions = { cervicalOrThoracic: false, lumbosacral: false };
  if (!text) return regions;
  if (CERVICAL_OR_THORACIC_WORDS.test(text)) regions.cervicalOrThoracic = true;
  if (LUMBOSACRAL_WORDS.test(text)) regions.lumbosacral = true;
  if (!MAY_MENTION.test(text)) return regions;
  MENTION.lastIndex = 0;
  for (let match = MENTION.exec(text); match !== null; match = MENTION.exec(text)) {
    const end = match.index + match[0].length;
    const ordinals = ordinalsOf(match[0]);
    if (ordinals.length === 0) continue;
    if (ordinals.length === 1 && WEIGHTED_AFTER.test(text.slice(end, end + 12))) continue;
    if (ordinals.some((o) => o < L1) && (ordinals.length > 1 || loneUpperVertebra)) regions.cervicalOrThoracic = true;
    if (ordinals.some((o) => o >= L1)) regions.lumbosacral = true;
  }
  return regions;
}

/** The lumbar interspaces a text names, in spinal order, each once. */
export function readLevels(input: unknown): Interspace[] {
  return sortInterspaces(levelMentions(input).flatMap((m) => m.levels));
}

/** The vertebrae of a chain, as spinal positions; a bare number takes the region of the vertebra before it. */
function ordinalsOf(chain: string): number[] {
  const ordinals: number[] = [];
  let region = '';
  ELEMENT.lastIndex = 0;
  for (let element = ELEMENT.exec(chain); element !== null; element = ELEMENT.exec(chain)) {
    const number = Number(element[2]);
    const explicit = element[1]?.toUpperCase();
    let ordinal: number | undefined;
    if (explicit) {
      region = explicit;
      ordinal = ordinalOf(region, number);
    } else if (region === 'L' && number === 1 && ordinals[ordinals.length - 1] === L1 + 4) {
      // "L5-1" is a common shorthand for L5-S1.
      ordinal = S1;
    } else {
      ordinal = ordinalOf(region, number);
    }
    // An impossible vertebra ("L7", "L0") makes the whole mention unreadable rather than half-read.
    if (ordinal === undefined) return [];
    ordinals.push(ordinal);
  }
  return ordinals;
}

function ordinalOf(region: string, number: number): number | undefined {
  const r = REGION_START[region];
  if (!r || number < 1 || number > r.count) return undefined;
  return r.first + number - 1;
}

/** Interspaces from vertebra `low` to vertebra `high`, lumbar ones only. */
function between(low: number, high: number): Interspace[] {
  const out: Interspace[] = [];
  for (let upper = Math.max(low, L1); upper < high && upper < S1; upper++) out.push(INTERSPACES[upper - L1]!);
  return out;
}

/** The interspaces above and below a single lumbar vertebra (a sacral, thoracic or cervical one gives none). */
function neighbours(ordinal: number): Interspace[] {
  if (ordinal < L1 || ordinal >= S1) return [];
  return between(Math.max(ordinal - 1, L1), ordinal + 1);
}

export function sortInterspaces(levels: Iterable<Interspace>): Interspace[] {
  const seen = new Set(levels);
  return INTERSPACES.filter((l) => seen.has(l));
}

const SNOMED = new Set(['http://snomed.info/sct', 'urn:oid:2.16.840.1.113883.6.96']);
// A Map, not an object literal: a code such as "constructor" must not find Object.prototype members.
const VERTEBRA_CODES = new Map<string, number>([
  ['66794005', L1],
  ['14293000', L1 + 1],
  ['36470004', L1 + 2],
  ['11994002', L1 + 3],
  ['49668003', L1 + 4],
  ['54735007', S1], // sacrum
]);

/** True for a SNOMED CT coding of a lumbar vertebra or the sacrum. */
export function isLumbosacralVertebraCoding(coding: LooseCoding): boolean {
  return coding.system !== undefined && coding.code !== undefined && SNOMED.has(coding.system) && VERTEBRA_CODES.has(coding.code);
}

/**
 * Interspaces from SNOMED CT vertebra codings (e.g. bodySite): two or more vertebrae give the interspaces
 * between the highest and the lowest; one lumbar vertebra gives its neighbours; the sacrum alone gives none.
 */
export function levelsFromVertebraCodings(codings: LooseCoding[]): Interspace[] {
  const ordinals = new Set<number>();
  for (const c of codings) {
    if (!c.system || !c.code || !SNOMED.has(c.system)) continue;
    const ordinal = VERTEBRA_CODES.get(c.code);
    if (ordinal !== undefined) ordinals.add(ordinal);
  }
  if (ordinals.size === 0) return [];
  if (ordinals.size === 1) return neighbours([...ordinals][0]!);
  return between(Math.min(...ordinals), Math.max(...ordinals));
}
