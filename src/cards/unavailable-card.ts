import { makeCard } from './card-parts.js';
import type { Card } from './types.js';

export type UnavailableReason =
  | 'timeout'
  | 'refused'
  | 'error-status'
  | 'unreadable'
  | 'other-patient'
  | 'too-large'
  | 'incomplete'
  | 'unreachable'
  | 'review-timeout'
  | 'review-failed';

/** Why the record could not be read, in general terms: never a URL, status body or anything from the record. */
const REASON: Record<UnavailableReason, { short: string; sentence: string }> = {
  timeout: { short: 'the patient record did not arrive in time', sentence: 'The FHIR server did not answer within the time this service allows.' },
  'review-timeout': { short: 'the review did not finish in time', sentence: 'The patient record could not be reviewed within the time this service allows.' },
  'review-failed': { short: 'the review stopped inside this service', sentence: 'The review stopped inside this service before it reached a conclusion.' },
  refused: { short: 'access to the patient record was refused', sentence: 'The FHIR server refused this service access to the patient record.' },
  'error-status': { short: 'the FHIR server returned an error', sentence: 'The FHIR server answered with an error instead of the patient record.' },
  unreadable: { short: 'the FHIR server answer could not be read', sentence: 'The FHIR server answer was not a FHIR resource this service could read.' },
  'other-patient': {
    short: "the FHIR server sent another patient's records",
    sentence: "Asked for this patient's record, the FHIR server answered with records of another patient.",
  },
  'too-large': {
    short: 'the patient record is too large to review',
    sentence: 'The patient record is larger than this service reads in one review, and it never judges on part of a record.',
  },
  incomplete: {
    short: 'the FHIR server sent only part of the patient record',
    sentence: 'The FHIR server sent fewer resources than its search says it found, and this service never judges on part of a record.',
  },
  unreachable: { short: 'the FHIR server could not be reached', sentence: 'The FHIR server could not be reached.' },
};

/** evaluation-unavailable: the data could not be obtained, so no judgment was made. */
export function unavailableCardFor(reason: UnavailableReason, baseUrl: string): Card {
  const r = REASON[reason] ?? REASON.unreadable;
  return makeCard(
    'evaluation-unavailable',
    {
      summary: `Lumbar fusion criteria not checked: ${r.short}`,
      detail: [
        `**No judgment was made about this lumbar spine order.** ${r.sentence}`,
        'The revision criteria were not applied, so this card neither supports nor questions the order. Sign again later, or check the criteria on the criteria page.',
      ].join('\n\n'),
      indicator: 'info',
    },
    baseUrl,
  );
}
