import type { Side } from '../orders/types.js';
import { asArray, asRecord, codingsOf, codingsOfAll, conceptTexts, conceptTextsOfAll, noteTexts, type JsonRecord } from '../text/fhir-values.js';
import { combineSides } from '../text/sides.js';
import { firstSides } from '../text/site.js';
import type { StrengthScore } from './types.js';

/**
 * Motor-strength scores on the 0-5 (MRC) scale from Observations (fhir-conventions.md, "Neurological findings"):
 * the Observation, or one of its components, names muscle strength or a lower-limb movement, and its value is
 * a number or text such as "4/5". A "+" or "-" keeps the whole grade ("4+/5" is 4, "3-/5" is 3); a decimal is
 * kept as recorded, since fhir-conventions.md compares values (4.5 then 4 is a fall). Values outside 0-5,
 * dynamometer readings (kg, lb, N) and text with several different scores ("L 4/5, R 5/5") are not read.
 */
export function readStrengthScores(ref: string, observation: unknown): StrengthScore[] {
  const obs = asRecord(observation);
  if (!obs) return [];
  const ownTexts = conceptTexts(obs.code);
  // The movement may be named by the code ("Ankle dorsiflexion strength") or by the body site ("Muscle strength" at "Left great toe").
  const ownMovement = movementOf([...ownTexts, ...conceptTextsOfAll(obs.bodySite)]);
  // The side is read only for a score that is kept: most Observations (vital signs) have none.
  let ownSide: Side | undefined | null = null;
  const sideOfObservation = (): Side | undefined =>
    (ownSide ??=
      combineSides(firstSides([{ codings: codingsOfAll(obs.bodySite), texts: conceptTextsOfAll(obs.bodySite) }, { texts: ownTexts }, { texts: noteTexts(obs.note) }])) ??
      sideAbbreviation(ownTexts));
  const scores: StrengthScore[] = [];
  const add = (movement: string | undefined, side: () => Side | undefined, value: JsonRecord) => {
    const score = movement ? scoreOf(value) : undefined;
    if (movement === undefined || score === undefined) return;
    const s = side();
    scores.push(s ? { ref, movement, side: s, score } : { ref, movement, score });
  };

  add(ownMovement, sideOfObservation, obs);
  for (const c of asArray(obs.component)) {
    const component = asRecord(c);
    if (!component) continue;
    const texts = conceptTexts(component.code);
    add(
      movementOf(texts) ?? ownMovement,
      () => combineSides(firstSides([{ codings: codingsOf(component.code), texts }])) ?? sideAbbreviation(texts) ?? sideOfObservation(),
      component,
    );
  }
  return scores;
}

/**
 * Strength grids name the side by letter ("Ankle dorsiflexion (L)", "Lt EHL", "Dorsiflexion R"). Read only in a
 * strength score's own name, where a lone letter cannot be a level ("L4" is one word); left and right together
 * say nothing. Without it, a left and a right score would be compared as one series.
 */
const LETTER_SIDE = /\((l|lt|r|rt)\)|(?:^|\s)(lt|rt)\.?(?=\s|$)|\s(l|r)$|^(l|r)\s/gi;

function sideAbbreviation(texts: string[]): Side | undefined {
  const sides = new Set<Side>();
  for (const text of texts) {
    for (const m of text.trim().matchAll(LETTER_SIDE)) sides.add((m[1] ?? m[2] ?? m[3] ?? m[4])!.toLowerCase().startsWith('l') ? 'left' : 'right');
  }
  return sides.size === 1 ? [...sides][0] : undefined;
}

/** Normalised movement names, most specific first ("great toe dorsiflexion" is EHL, not ankle dorsiflexion). */
const MOVEMENTS: [string, RegExp][] = [
  ['ehl', /\behl\b|extensor hallucis|(?:great|big) toe (?:extension|extensor|dorsiflexion)|hallux (?:extension|extensor)/],
  ['dorsiflexion', /dorsi[- ]?flex|tibialis anterior/],
  ['plantarflexion', /plantar[- ]?flex|gastrocnemius|gastroc\b|gastroc-soleus|soleus/],
  ['hip flexion', /hip flex|iliopsoas|\bpsoas\b/],
  ['quadriceps', /quadriceps|\bquads?\b|knee extens/],
  ['knee flexion', /knee flex|hamstring/],
  ['hip abduction', /hip abduct|gluteus medius/],
  ['eversion', /(?:ankle|foot) eversion|peroneus|peroneal strength/],
];
const STRENGTH_WORDS = /strength|\bmotor\b|\bpower\b|manual muscle|\bmmt\b/;
const UPPER_LIMB = /grip|hand|\barm\b|shoulder|elbow|wrist|finger|deltoid|biceps|triceps|upper (?:extremit|limb)/;

/** Any of the above in one test: most Observations (vital signs, labs) name none, and are done with at once. */
const ANY_MOVEMENT_OR_STRENGTH = new RegExp([...MOVEMENTS.map(([, pattern]) => pattern.source), STRENGTH_WORDS.source].join('|'));

export function movementOf(texts: string[]): string | undefined {
  const text = texts.join(' ').toLowerCase();
  if (text === '' || !ANY_MOVEMENT_OR_STRENGTH.test(text)) return undefined;
  for (const [name, pattern] of MOVEMENTS) if (pattern.test(text)) return name;
  return STRENGTH_WORDS.test(text) && !UPPER_LIMB.test(text) ? 'strength' : undefined;
}

const FORCE_UNITS = /^(?:kg|kgf|g|lb|lbs|lbf|\[lb_av\]|n|newton|newtons|pound|pounds|kilogram|kilograms)$/i;

/** The 0-5 score of an Observation or component value, or undefined. */
export function scoreOf(element: JsonRecord): number | undefined {
  const quantity = asRecord(element.valueQuantity);
  if (quantity) {
    const units = [quantity.unit, quantity.code].filter((u): u is string => typeof u === 'string');
    return units.some((u) => FORCE_UNITS.test(u.trim())) ? undefined : inScale(quantity.value);
  }
  if (element.valueInteger !== undefined) return inScale(element.valueInteger);
  if (typeof element.valueString === 'string') return scoreInText(element.valueString);
  const concept = asRecord(element.valueCodeableConcept);
  if (concept) {
    for (const text of conceptTexts(concept)) {
      const score = scoreInText(text);
      if (score !== undefined) return score;
    }
    for (const c of codingsOf(concept)) {
      const score = c.code ? scoreInText(c.code) : undefined;
      if (score !== undefined) return score;
    }
  }
  return undefined;
}

function inScale(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 5) return undefined;
  return value;
}

const OVER_FIVE = /(?<![\d.])([0-5](?:\.\d)?)\s{0,2}[+-]?\s{0,2}(?:\/|out of|of)\s{0,2}5(?![\d.])/gi;
/** "4-5/5", "4 to 5/5": a range between two grades, which counts as its lower end. */
const RANGE_OVER_FIVE = /(?<![\d.])([0-5])\s{0,2}(?:-|\u2013|to)\s{0,2}([0-5])\s{0,2}(?=(?:\/|out of|of)\s{0,2}5(?![\d.]))/gi;
const BARE = /^\s{0,20}(?:grade|mrc)?\s{0,3}([0-5](?:\.\d)?)\s{0,2}[+-]?\s{0,20}$/i;

/** "4/5", "4+/5", "3-/5", "4 out of 5", "4", "4+", "grade 4"; several different scores in one text are ambiguous. */
export function scoreInText(input: string): number | undefined {
  const text = (input.length > 200 ? input.slice(0, 200) : input).replace(RANGE_OVER_FIVE, (_m, a: string, b: string) => String(Math.min(Number(a), Number(b))));
  const found = new Set<number>();
  for (const m of text.matchAll(OVER_FIVE)) {
    const score = inScale(Number(m[1]));
    if (score !== undefined) found.add(score);
  }
  if (found.size === 1) return [...found][0];
  if (found.size > 1) return undefined;
  const bare = BARE.exec(text);
  return bare ? inScale(Number(bare[1])) : undefined;
}
