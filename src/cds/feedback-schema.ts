import { z } from 'zod';
import { BadRequestError, type Problem } from '../errors.js';
import { isRfc3339DateTime } from './rfc3339.js';
import { expected, problemsFrom } from './zod-problems.js';

/** The CDS Hooks 2.0 feedback body (https://cds-hooks.hl7.org/2.0/#feedback). */

const text = z.string({ error: expected('a non-empty string') }).min(1, 'must be a non-empty string');

const coding = z.object(
  {
    system: text.optional(),
    code: text,
    display: text.optional(),
  },
  { error: expected('a Coding (an object with a code)') },
);

const feedbackEntry = z.object(
  {
    card: text,
    outcome: z.enum(['accepted', 'overridden'], { error: expected('"accepted" or "overridden"') }),
    acceptedSuggestions: z
      .array(z.object({ id: text }, { error: expected('an object with the suggestion uuid in id') }), { error: expected('an array') })
      .min(1, 'must name at least one suggestion')
      .optional(),
    overrideReason: z
      .object(
        // The comment is never stored (free text may name the patient), so nothing in it refuses the feedback: empty,
        // null or long (MAX_BODY_BYTES bounds it), it is read as given or as no comment.
        { reason: coding.optional(), userComment: z.string({ error: expected('a string') }).nullable().optional() },
        { error: expected('an object') },
      )
      .refine((r) => r.reason !== undefined || (r.userComment !== undefined && r.userComment !== null), 'must hold a reason or a userComment')
      .optional(),
    outcomeTimestamp: z
      .string({ error: expected('an RFC 3339 date-time with a time zone (2026-11-23T10:00:00Z)') })
      .refine(isRfc3339DateTime, 'must be an RFC 3339 date-time with a time zone (2026-11-23T10:00:00Z)'),
  },
  { error: expected('a feedback object') },
);

const feedbackBody = z.object(
  { feedback: z.array(feedbackEntry, { error: expected('an array of feedback') }).min(1, 'must hold at least one feedback') },
  { error: expected('a JSON object') },
);

export type FeedbackEntry = z.output<typeof feedbackEntry>;

/** Parses a feedback body, checking the rules that tie fields to the outcome; throws BadRequestError naming each problem. */
export function parseFeedback(body: unknown): FeedbackEntry[] {
  const parsed = feedbackBody.safeParse(body);
  if (!parsed.success) throw new BadRequestError('invalid feedback', problemsFrom(parsed.error));
  const problems: Problem[] = [];
  parsed.data.feedback.forEach((entry, i) => {
    if (entry.outcome === 'accepted' && entry.acceptedSuggestions === undefined) {
      problems.push({ path: `feedback.${i}.acceptedSuggestions`, message: 'is required when the outcome is accepted' });
    }
    if (entry.outcome === 'overridden' && entry.acceptedSuggestions !== undefined) {
      problems.push({ path: `feedback.${i}.acceptedSuggestions`, message: 'must be absent when the card was overridden' });
    }
    if (entry.outcome === 'accepted' && entry.overrideReason !== undefined) {
      problems.push({ path: `feedback.${i}.overrideReason`, message: 'must be absent when suggestions were accepted' });
    }
  });
  if (problems.length > 0) throw new BadRequestError('invalid feedback', problems);
  return parsed.data.feedback;
}
