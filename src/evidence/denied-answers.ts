import { asRecord, asString, type JsonRecord } from '../text/fhir-values.js';
import { isWhite, trimEnd } from '../trim-end.js';

/**
 * Whether an Observation's written answer denies the finding it names ("No", "absent", "Negative.", "not
 * detected", "normal", "false", "Denies"), in valueString or in the text of valueCodeableConcept. The coded answers (a
 * valueBoolean false, an Absent or Negative code, a negative interpretation) are read in CQL; the written ones are
 * read here, because a text test in CQL would have the relevance filter keep every record whose words contain "no"
 * ("diagnosis"), though such a test only ever leaves records out.
 */
const DENYING = new Set(['no', 'none', 'absent', 'negative', 'not present', 'not detected', 'normal', 'false', 'denies', 'denied', 'patient denies']);

export function deniesByWrittenAnswer(observation: JsonRecord): boolean {
  const written = [asString(observation.valueString), asString(asRecord(observation.valueCodeableConcept)?.text)];
  return written.some((w) => w !== undefined && DENYING.has(trimEnd(w.trim(), (c) => c === '.' || isWhite(c)).toLowerCase()));
}

