import type { Interspace } from '../orders/types.js';
import { bodyRegion } from '../text/body-region.js';
import { asRecord, codingsOfAll, conceptTexts, conceptTextsOfAll, noteTexts } from '../text/fhir-values.js';
import { levelMentions, type LevelMention } from '../text/levels.js';
import { splitReport, type ReportSentence } from '../text/sentences.js';
import { firstLevels } from '../text/site.js';
import type { InstabilityMeasure } from './types.js';

/**
 * Translation (mm) and angulation (degrees) on flexion-extension films (fhir-conventions.md, "Supporting
 * findings"), read from report sentences. A millimetre value counts when its sentence speaks of translation,
 * motion or instability, or of a listhesis or slip together with flexion or extension or in a report of a
 * flexion-extension study (`dynamicStudy`): a listhesis on static images is not translation. A degree value counts when its sentence speaks of angulation, an angle or rotation, but
 * not of lordosis, kyphosis, scoliosis or a Cobb angle. A value after a negation or a bound ("no translation
 * greater than 3 mm", "less than 2 mm") is not a measurement. Two values at one level with a change between
 * positions ("4 mm in extension, increasing to 8 mm on flexion") give their difference; otherwise the largest.
 * Each value belongs to the nearest level named in its sentence (or the sentence's level heading). A sentence about
 * the cervical or thoracic spine or another part of the body (text/body-region.ts: "4 mm at C4-5", "translation of
 * the humeral head"), or under such a heading, measures nothing S1 asks for.
 */
export function readInstabilityText(ref: string, text: unknown, options: { dynamicStudy?: boolean } = {}): InstabilityMeasure[] {
  return splitReport(text).flatMap((s) => (s.aside || elsewhere(s) ? [] : readSentence(ref, s, options.dynamicStudy === true)));
}

function elsewhere(sentence: ReportSentence): boolean {
  return (bodyRegion(sentence.text) ?? bodyRegion(sentence.heading?.label)) === 'elsewhere';
}

const MM = /(?<![\w.])(\d{1,2}(?:\.\d{1,2})?)\s{0,2}-?\s{0,2}(?:mm|millimet(?:er|re)s?)(?![a-z])/gi;
const DEGREES = /(?<![\w.])(\d{1,2}(?:\.\d{1,2})?)\s{0,2}-?\s{0,2}(?:°|º|˚|degrees?|deg)(?![a-z])/gi;
const TRANSLATION_WORDS = /translat|excursion|instabil|\bmotion\b|\bmovement\b|subluxat/i;
const SLIP_WORDS = /listhesis|\bslip/i;
const DYNAMIC_WORDS = /flexion|extension|dynamic/i;
const ANGLE_WORDS = /angul|\bangle|rotation/i;
const STATIC_ANGLES = /lordo|kypho|scolio|cobb/i;
const CHANGE_WORDS = /increas|decreas|reduc|\bfrom\b|\bchanges?\b/i;
/** A bound or negation just before a value: "less than 2 mm", "no more than", "< 3 mm", "without". */
const BOUND_BEFORE = /(?:\b(?:less|more|greater|fewer)\s{1,3}than|\b(?:under|below|within|up\s{1,3}to|exceed\w*)|[<>≤≥])\s{0,3}$/i;
const NEGATION = /\b(?:no|not|without|negative)\b/i;

interface Value {
  number: number;
  kind: 'mm' | 'deg';
  at: number;
}

function readSentence(ref: string, sentence: ReportSentence, dynamicStudy: boolean): InstabilityMeasure[] {
  const text = sentence.text;
  const translation = TRANSLATION_WORDS.test(text) || (SLIP_WORDS.test(text) && (dynamicStudy || DYNAMIC_WORDS.test(text)));
  const angle = ANGLE_WORDS.test(text) && !STATIC_ANGLES.test(text);
  const values: Value[] = [];
  if (translation) values.push(...valuesOf(text, MM, 'mm'));
  if (angle) values.push(...valuesOf(text, DEGREES, 'deg'));
  if (values.length === 0) return [];

  const mentions = levelMentions(text).filter((m) => m.levels.length > 0);
  const fallback = mentions.length === 0 && sentence.heading?.levels.length === 1 ? sentence.heading.levels[0] : undefined;
  // "4 mm at L4-5 and 1 mm at L3-4": a level in the value's own part of the sentence comes first.
  const cuts = [...text.matchAll(/[,;]|\band\b|\bbut\b/gi)].map((m) => m.index ?? 0);
  const partOf = (at: number) => upperBound(cuts, at);
  const mentionsByPart = new Map<number, LevelMention[]>();
  for (const m of mentions) {
    const part = partOf(m.start);
    const list = mentionsByPart.get(part);
    if (list) list.push(m);
    else mentionsByPart.set(part, [m]);
  }
  const groups = new Map<Interspace | undefined, Value[]>();
  for (const v of values) {
    const nearest = nearestMention(mentionsByPart.get(partOf(v.at)) ?? [], v.at) ?? nearestMention(mentions, v.at);
    // A range or a single vertebra ("L3-L5", "L4") does not say which interspace moved.
    const level = nearest ? (nearest.kind === 'interspace' && nearest.levels.length === 1 ? nearest.levels[0] : undefined) : fallback;
    const group = groups.get(level);
    if (group) group.push(v);
    else groups.set(level, [v]);
  }

  const changing = CHANGE_WORDS.test(text) || (/flexion/i.test(text) && /extension/i.test(text));
  const measures: InstabilityMeasure[] = [];
  for (const [level, group] of groups) {
    const measure: InstabilityMeasure = { ref };
    const mm = amount(group.filter((v) => v.kind === 'mm'), changing);
    const deg = amount(group.filter((v) => v.kind === 'deg'), changing);
    if (mm !== undefined) measure.translationMm = mm;
    if (deg !== undefined) measure.angulationDegrees = deg;
    if (level) measure.level = level;
    measures.push(measure);
  }
  return measures;
}

/** A part of a sentence (between semicolons) that can hold a measurement names the movement or the positions. */
const MEASURE_CONTEXT = /translat|excursion|instabil|\bmotion\b|\bmovement\b|subluxat|listhesis|\bslip|flexion|extension|dynamic|angul|\bangle|rotation/i;

function valuesOf(text: string, pattern: RegExp, kind: Value['kind']): Value[] {
  const out: Value[] = [];
  // Each part is searched once, whatever number of values it holds: searched per value, a text of thousands of
  // values cost time quadratic in its length (a second for 100,000 characters, on the HTTP thread).
  const semicolons = [...text.matchAll(/;/g)].map((m) => m.index ?? 0);
  const measuring = new Map<number, boolean>();
  const partMeasures = (part: number): boolean => {
    let known = measuring.get(part);
    if (known === undefined) {
      const start = part === 0 ? 0 : semicolons[part - 1]! + 1;
      const end = part < semicolons.length ? semicolons[part]! : text.length;
      known = MEASURE_CONTEXT.test(text.slice(start, end));
      measuring.set(part, known);
    }
    return known;
  };
  for (const m of text.matchAll(pattern)) {
    const at = m.index ?? 0;
    const before = text.slice(Math.max(0, at - 40), at);
    if (BOUND_BEFORE.test(before) || NEGATION.test(before.split(/[,;]/).pop() ?? '')) continue;
    // "Interbody cage at L4-5 measuring 12 mm; no translation": the value's own part says what it measures.
    if (!partMeasures(upperBound(semicolons, at))) continue;
    out.push({ number: Number(m[1]), kind, at });
  }
  return out;
}

/** How many sorted numbers are at or below a value. */
function upperBound(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The mention closest to a position (mentions are in text order, so a binary search finds it). */
function nearestMention(mentions: LevelMention[], at: number): LevelMention | undefined {
  if (mentions.length === 0) return undefined;
  let low = 0;
  let high = mentions.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (mentions[mid]!.end <= at) low = mid + 1;
    else high = mid;
  }
  const after = mentions[low]!;
  const before = low > 0 ? mentions[low - 1]! : undefined;
  if (!before) return after;
  return distance(before, at) <= distance(after, at) ? before : after;
}

function distance(m: LevelMention, at: number): number {
  return at < m.start ? m.start - at : at > m.end ? at - m.end : 0;
}

function amount(values: Value[], changing: boolean): number | undefined {
  if (values.length === 0) return undefined;
  const numbers = values.map((v) => v.number);
  const max = Math.max(...numbers);
  return values.length >= 2 && changing ? Math.round((max - Math.min(...numbers)) * 100) / 100 : max;
}

const MEASURE_NAME = /translat|listhesis|slip|subluxat|motion|angul|angle|rotation|instabil/i;
const MM_UNITS = /^(?:mm|millimet(?:er|re)s?)$/i;
const DEGREE_UNITS = /^(?:deg|degrees?|°|º|˚)$/i;

/**
 * A measured Observation ("L4-L5 translation on flexion-extension", 4 mm) and the text it carries. `dynamicStudy`:
 * the Observation is coded as a flexion-extension study (the flexion-extension-imaging value set), so a value in
 * mm or degrees is what it measured, whatever its name says.
 */
export function readInstabilityObservation(ref: string, observation: unknown, options: { dynamicStudy?: boolean } = {}): InstabilityMeasure[] {
  const obs = asRecord(observation);
  if (!obs) return [];
  const name = conceptTexts(obs.code);
  const quantity = asRecord(obs.valueQuantity);
  const value = quantity?.value;
  const named = options.dynamicStudy === true || MEASURE_NAME.test(name.join(' '));
  const measured = quantity && typeof value === 'number' && Number.isFinite(value) && value >= 0 && named ? value : undefined;
  const texts = [typeof obs.valueString === 'string' ? obs.valueString : undefined, ...noteTexts(obs.note)].filter((t): t is string => t !== undefined);
  // Most Observations (vital signs, labs) measure nothing of the kind and carry no text: nothing more to read.
  if (measured === undefined && texts.length === 0) return [];
  // "Shoulder anterior translation", a cervical film, a site at C4-C5: not the lumbar spine.
  if (bodyRegion([...name, ...conceptTextsOfAll(obs.bodySite)].join('; ')) === 'elsewhere') return [];
  const measures: InstabilityMeasure[] = [];
  if (quantity && measured !== undefined) {
    const unit = [quantity.unit, quantity.code].find((u): u is string => typeof u === 'string' && u.trim() !== '')?.trim() ?? '';
    const levels = firstLevels([{ codings: codingsOfAll(obs.bodySite), texts: conceptTextsOfAll(obs.bodySite) }, { texts: name }, { texts: noteTexts(obs.note) }]);
    const measure: InstabilityMeasure = { ref };
    if (MM_UNITS.test(unit)) measure.translationMm = measured;
    else if (DEGREE_UNITS.test(unit)) measure.angulationDegrees = measured;
    if (levels.length === 1) measure.level = levels[0]!;
    if (measure.translationMm !== undefined || measure.angulationDegrees !== undefined) measures.push(measure);
  }
  const dynamicStudy = options.dynamicStudy === true || DYNAMIC_WORDS.test(name.join(' '));
  for (const t of texts) measures.push(...readInstabilityText(ref, t, { dynamicStudy }));
  return measures;
}
