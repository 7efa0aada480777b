import type { ValueSetIndex } from '../terminology/value-sets.js';
import { asArray, asRecord, codingsOf, conceptTexts } from '../text/fhir-values.js';
import type { Setting } from './types.js';

export type ValueSetLookup = Pick<ValueSetIndex, 'has'>;

const INPATIENT_WORDS = /(?<![A-Za-z])in-?patient(?![A-Za-z])/i;
const OUTPATIENT_WORDS = /(?<![A-Za-z])(?:out-?patient|ambulatory|same[- ]day)(?![A-Za-z])/i;

/**
 * The setting a draft order books (fhir-conventions.md, "The order"): locationCode codings in the
 * inpatient-setting / outpatient-setting value sets first, then the words of locationCode text and displays.
 * An order that states both settings is read as unknown: it cannot be said to book an outpatient stay.
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
      if (INPATIENT_WORDS.test(text)) inpatient = true;
      if (OUTPATIENT_WORDS.test(text)) outpatient = true;
    }
  }
  if (inpatient === outpatient) return 'unknown';
  return inpatient ? 'inpatient' : 'outpatient';
}
