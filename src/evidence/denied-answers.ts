import { asRecord, asString, type JsonRecord } from '../text/fhir-values.js';

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
  return written.some((w) => w !== undefined && DENYING.has(withoutTrailingStops(w.trim()).toLowerCase()));
}

/**
 * "Negative. " -> "Negative". Not `/[\s.]+$/`: tried from every dot of a long run not at the end ("a....b"), it
 * takes time quadratic in the length, 11 s for a 100,000-character answer on the HTTP thread.
 */
function withoutTrailingStops(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '.' || /\s/.test(text[end - 1]!))) end--;
  return end === text.length ? text : text.slice(0, end);
}
