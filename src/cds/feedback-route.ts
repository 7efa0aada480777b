import { Router } from 'express';
import { BadRequestError, TemporarilyUnavailableError, type Problem } from '../errors.js';
import type { FeedbackRecord, FeedbackStore, IssuedCard, OfferedReason } from '../feedback/store.js';
import type { Metrics } from '../ops/metrics.js';
import { parseFeedback } from './feedback-schema.js';
import { unknownService } from './hook-route.js';
import { OVERRIDE_REASON_SYSTEM, overrideReasonsOf } from '../cards/card-parts.js';
import { callLog } from './request-log.js';
import type { ServiceRegistry } from './service-registry.js';

/** A stored override reason: the card's own, or one the EHR added to the card's list. */
type StoredReason = OfferedReason & { offered: boolean };

/**
 * CDS Hooks 2.0 lets the EHR add reasons of its own to a card's list, so a reason the card did not offer is
 * taken too, but only as a code: a system (an http(s) URL without query, a urn:oid or a urn:uuid) and a short
 * token. Display and userComment are never kept, and a code with spaces or of sentence length is refused, so that
 * a clinician's words cannot reach the store dressed as a Coding; an identifier an EHR chose to put in a code
 * cannot be told from a code.
 */
const CLIENT_SYSTEM = /^(?:https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~%/-]*)?|urn:oid:[0-2](?:\.\d+)+|urn:uuid:[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})$/;
const CLIENT_SYSTEM_MAX = 200;
const CLIENT_CODE = /^[A-Za-z0-9._:-]{1,64}$/;

function storedReason(issued: IssuedCard, reason: { system?: string | undefined; code: string }, path: string): StoredReason | Problem {
  // Cards recorded before the store kept their reasons: every card of a topic offered that topic's list.
  const offered = issued.overrideReasons ?? overrideReasonsOf(issued.topic).map(({ system, code }) => ({ system, code }));
  // A client that echoes the code without its system still names one reason: the card's codes are all distinct.
  const match = offered.find((r) => r.code === reason.code && (reason.system === undefined || r.system === reason.system));
  if (match) return { ...match, offered: true };
  if (reason.system === OVERRIDE_REASON_SYSTEM) {
    return { path, message: "names this service's own reason code system, but is not one of the override reasons this card offered" };
  }
  const system = reason.system;
  if (system !== undefined && system.length <= CLIENT_SYSTEM_MAX && CLIENT_SYSTEM.test(system) && CLIENT_CODE.test(reason.code)) {
    return { system, code: reason.code, offered: false };
  }
  return {
    path,
    message:
      "is neither one of this card's override reasons nor a reason of the EHR's own: those need a system (an http(s) URL, urn:oid or urn:uuid) and a code of " +
      "up to 64 letters, digits, '.', '_', ':' or '-' (free text goes in userComment, which is not stored)",
  };
}

/** The next append retries the write (the store first cuts back what failed); a few seconds let a passing fault clear. */
const FEEDBACK_RETRY_SECONDS = 5;

/**
 * POST /cds-services/{id}/feedback. The whole body is checked (shape, then every card, suggestion and
 * override reason against what this service issued) before anything is stored, so a 400 leaves nothing
 * half-recorded.
 */
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
      let reason: StoredReason | undefined;
      if (entry.overrideReason?.reason) {
        const found = storedReason(issued, entry.overrideReason.reason, `feedback.${i}.overrideReason.reason`);
        if ('message' in found) problems.push(found);
        else reason = found;
      }
      // The userComment is not kept: free text may hold PHI, and the store holds none.
      records.push({
        card: entry.card,
        topic: issued.topic,
        outcome: entry.outcome,
        ...(entry.acceptedSuggestions ? { acceptedSuggestions: entry.acceptedSuggestions.map((s) => s.id) } : {}),
        ...(reason ? { overrideReasonCode: reason.code, overrideReasonSystem: reason.system, overrideReasonOffered: reason.offered } : {}),
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
