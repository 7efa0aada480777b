import { Router } from 'express';
import { BadRequestError, type Problem } from '../errors.js';
import type { FeedbackRecord, FeedbackStore } from '../feedback/store.js';
import type { Metrics } from '../ops/metrics.js';
import { parseFeedback } from './feedback-schema.js';
import { unknownService } from './hook-route.js';
import { callLog } from './request-log.js';
import type { ServiceRegistry } from './service-registry.js';

/**
 * POST /cds-services/{id}/feedback. The whole body is checked (shape, then every card and suggestion
 * against what this service issued) before anything is stored, so a 400 leaves nothing half-recorded.
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
      const reason = entry.overrideReason?.reason;
      records.push({
        card: entry.card,
        topic: issued.topic,
        outcome: entry.outcome,
        ...(entry.acceptedSuggestions ? { acceptedSuggestions: entry.acceptedSuggestions.map((s) => s.id) } : {}),
        ...(reason ? { overrideReasonCode: reason.code } : {}),
        ...(reason?.system ? { overrideReasonSystem: reason.system } : {}),
        outcomeTimestamp: entry.outcomeTimestamp,
      });
    });
    if (problems.length > 0) throw new BadRequestError('feedback refers to unknown cards or suggestions', problems);

    await deps.feedbackStore.recordFeedback(records);
    for (const r of records) deps.metrics?.countFeedback(r.topic, r.outcome);
    callLog(res).cardTopics = records.map((r) => r.topic);
    res.json({ received: records.length });
  });
  return router;
}
