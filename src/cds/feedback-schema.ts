import { z } from 'zod';
import { BadRequestError, type Problem } from '../errors.js';
import { problemsFrom } from './zod-problems.js';

/** The CDS Hooks 2.0 feedback body (https://cds-hooks.hl7.org/2.0/#feedback). */

const text = z.string({ error: 'must be a non-empty string' }).min(1, 'must be a non-empty string');

const coding = z.object(
  {
    system: text.optional(),
    code: text,
    display: text.optional(),
  },
  { error: 'must be a Coding (an object with a code)' },
);

const feedbackEntry = z.object(
  {
    card: text,
    outcome: z.enum(['accepted', 'overridden'], { error: 'must be "accepted" or "overridden"' }),
    acceptedSuggestions: z
      .array(z.object({ id: text }, { error: 'must be an object with the suggestion uuid in id' }), { error: 'must be an array' })
      .min(1, 'must name at least one suggestion')
      .optional(),
    overrideReason: z
      .object({ reason: coding.optional(), userComment: text.optional() }, { error: 'must be an object' })
      .refine((r) => r.reason !== undefined || r.userComment !== undefined, 'must hold a reason or a userComment')
      .optional(),
    outcomeTimestamp: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone' }),
  },
  { error: 'must be a feedback object' },
);

const feedbackBody = z.object(
  { feedback: z.array(feedbackEntry, { error: 'must be an array of feedback' }).min(1, 'must hold at least one feedback') },
  { error: 'must be a JSON object' },
);

export type FeedbackEntry = z.output<typeof feedbackEntry>;

const requiredWhenMissing = (issue: { code: string; input?: unknown }) =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined;

/** Parses a feedback body, checking the rules that tie fields to the outcome; throws BadRequestError naming each problem. */
export function parseFeedback(body: unknown): FeedbackEntry[] {
  const parsed = feedbackBody.safeParse(body, { error: requiredWhenMissing });
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
