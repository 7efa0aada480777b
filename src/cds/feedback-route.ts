import { Router } from 'express';
import { BadRequestError, TemporarilyUnavailableError, type Problem } from '../errors.js';
import type { FeedbackRecord, FeedbackStore, IssuedCard, OfferedReason } from '../feedback/store.js';
import type { Metrics } from '../ops/metrics.js';
import { parseFeedback } from './feedback-schema.js';
import { unknownService } from './hook-route.js';
import { overrideReasonsOf } from '../cards/card-parts.js';
import { callLog } from './request-log.js';
import type { ServiceRegistry } from './service-registry.js';

/**
 * The offered reason a feedback's override reason names (same system and code), or a problem saying why
 * there is none. Only reasons the card offered are taken: they are the service's own codes, so what is
 * stored is a known vocabulary, never a client's free text.
 */
function offeredReason(issued: IssuedCard, reason: { system?: string | undefined; code: string }, path: string): OfferedReason | Problem {
  // Cards recorded before the store kept their reasons: every card of a topic offered that topic's list.
  const offered = issued.overrideReasons ?? overrideReasonsOf(issued.topic).map(({ system, code }) => ({ system, code }));
  if (offered.length === 0) {
    return { path, message: 'this card offered no override reasons: give only a userComment, or no overrideReason' };
  }
  // A client that echoes the code without its system still names one reason: the card's codes are all distinct.
  const match = offered.find((r) => r.code === reason.code && (reason.system === undefined || r.system === reason.system));
  return match ?? { path, message: "is not one of the override reasons this card offered (the code, and system if given, of one of the card's overrideReasons)" };
}

/**
 * POST /cds-services/{id}/feedback. The whole body is checked (shape, then every card, suggestion and
 * override reason against what this service issued) before anything is stored, so a 400 leaves nothing
 * half-recorded.
 */
/** The next append retries the write (the store first cuts back what failed); a few seconds let a passing fault clear. */
const FEEDBACK_RETRY_SECONDS = 5;

export function feedbackRouter(deps: {
  registry: ServiceRegistry;
  feedbackStore: FeedbackStore;
  metrics?: Pick<Metrics, 'countFeedback'>;
}): Router {
  const router = Router();
  router.post('/cds-services/:id/feedback', async (req, res) => {
    const service = deps.registry.get(req.params.id);
    if (!service) return unknownService(res);
    callLog(res).service = service.id;

    const entries = parseFeedback(req.body);
    const problems: Problem[] = [];
    const records: FeedbackRecord[] = [];
    entries.forEach((entry, i) => {
      const issued = deps.feedbackStore.issuedCard(entry.card);
      if (!issued) {
        problems.push({ path: `feedback.${i}.card`, message: `is not the uuid of a card this service issued in the last ${deps.feedbackStore.windowHours} hours` });
        return;
      }
      (entry.acceptedSuggestions ?? []).forEach((s, j) => {
        if (!(issued.suggestions ?? []).includes(s.id)) {
          problems.push({ path: `feedback.${i}.acceptedSuggestions.${j}.id`, message: 'is not the uuid of a suggestion on this card' });
        }
      });
      let reason: OfferedReason | undefined;
      if (entry.overrideReason?.reason) {
        const found = offeredReason(issued, entry.overrideReason.reason, `feedback.${i}.overrideReason.reason`);
        if ('message' in found) problems.push(found);
        else reason = found;
      }
      // The userComment is not kept: free text may hold PHI, and the store holds none.
      records.push({
        card: entry.card,
        topic: issued.topic,
        outcome: entry.outcome,
        ...(entry.acceptedSuggestions ? { acceptedSuggestions: entry.acceptedSuggestions.map((s) => s.id) } : {}),
        ...(reason ? { overrideReasonCode: reason.code, overrideReasonSystem: reason.system } : {}),
        outcomeTimestamp: entry.outcomeTimestamp,
      });
    });
    if (problems.length > 0) throw new BadRequestError('feedback refers to unknown cards, suggestions or override reasons', problems);

    // All or nothing: a failed write acknowledged none of the batch, and the store is repaired before the next one.
    await deps.feedbackStore.recordFeedback(records).catch((error: unknown) => {
      throw new TemporarilyUnavailableError('the feedback could not be stored, none of it was kept: send it again', FEEDBACK_RETRY_SECONDS, { cause: error });
    });
    for (const r of records) deps.metrics?.countFeedback(r.topic, r.outcome);
    callLog(res).cardTopics = records.map((r) => r.topic);
    res.json({ received: records.length });
  });
  return router;
}
