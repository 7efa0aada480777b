import type { ValueSetIndex } from '../terminology/value-sets.js';
import { asArray, asRecord, codingsOf, conceptTexts } from '../text/fhir-values.js';
import type { Setting } from './types.js';

export type ValueSetLookup = Pick<ValueSetIndex, 'has'>;

// Global: every occurrence is looked at, since one may be negated and the next not ("inpatient, not outpatient").
const INPATIENT_WORDS = /(?<![A-Za-z])in-?patient(?![A-Za-z])/gi;
const OUTPATIENT_WORDS = /(?<![A-Za-z])(?:out-?patient|ambulatory|same[- ]day)(?![A-Za-z])/gi;
/**
 * What, right before a setting word, says the order is not in that setting: "non-inpatient", "not inpatient",
 * "Outpatient (not inpatient)", "no inpatient stay", "outpatient rather than inpatient". Read on a short
 * stretch before the word, so it stays linear however long the text.
 */
const NEGATION_BEFORE = /(?:(?<![A-Za-z])(?:not|no|never|without)\s{1,3}(?:(?:an?|as|as\s{1,3}an?)\s{1,3})?|(?<![A-Za-z])non[-\s]?|(?<![A-Za-z])(?:rather\s{1,3}than|instead\s{1,3}of)\s{1,3})$/i;

/** True when the text says the setting in so many words, not negated. */
function states(text: string, words: RegExp): boolean {
  words.lastIndex = 0;
  for (let m = words.exec(text); m !== null; m = words.exec(text)) {
    if (!NEGATION_BEFORE.test(text.slice(Math.max(0, m.index - 24), m.index))) return true;
  }
  return false;
}

/**
 * The setting a draft order books (fhir-conventions.md, "The order"): locationCode codings in the
 * inpatient-setting / outpatient-setting value sets first, then the words of locationCode text and displays,
 * where a negated word ("non-inpatient", "not outpatient") books nothing. An order that states both settings is
 * read as unknown: it cannot be said to book an outpatient stay.
 */
export function readSetting(locationCode: unknown, valueSets: ValueSetLookup): Setting {
  const concepts = asArray(locationCode).filter((c) => asRecord(c) !== undefined);
  let inpatient = false;
  let outpatient = false;
  for (const coding of concepts.flatMap(codingsOf)) {
    if (valueSets.has('inpatient-setting', coding.system, coding.code)) inpatient = true;
    if (valueSets.has('outpatient-setting', coding.system, coding.code)) outpatient = true;
  }
  if (!inpatient && !outpatient) {
    for (const text of concepts.flatMap(conceptTexts)) {
      if (states(text, INPATIENT_WORDS)) inpatient = true;
      if (states(text, OUTPATIENT_WORDS)) outpatient = true;
    }
  }
  if (inpatient === outpatient) return 'unknown';
  return inpatient ? 'inpatient' : 'outpatient';
}
