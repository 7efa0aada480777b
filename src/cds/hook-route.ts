import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Card } from '../cards/types.js';
import type { Config } from '../config.js';
import { resolvePatientRecord, type RequestObserver } from '../data/patient-record.js';
import { readPrefetch } from '../data/prefetch.js';
import { UpstreamError } from '../errors.js';
import type { FeedbackStore } from '../feedback/store.js';
import type { Metrics } from '../ops/metrics.js';
import { beginWork } from './large-body-gate.js';
import { pruneEmpty } from './no-empty.js';
import type { OrderReviewer } from './order-reviewer.js';
import { callLog, loggedHookInstance } from './request-log.js';
import { parseHookRequest } from './request-schema.js';
import type { ServiceDeclaration, ServiceRegistry } from './service-registry.js';

export interface HookRouteDeps {
  config: Pick<
    Config,
    'NODE_ENV' | 'FHIR_SERVER_ALLOWLIST' | 'FHIR_MAX_RESOURCES_PER_TYPE' | 'FHIR_MAX_RESPONSE_BYTES' | 'FHIR_REQUEST_TIMEOUT_MS' | 'HOOK_DEADLINE_MS'
  >;
  registry: ServiceRegistry;
  reviewer: OrderReviewer;
  feedbackStore: FeedbackStore;
  logger: Logger;
  metrics?: Pick<Metrics, 'countCard' | 'countFhirFailure' | 'observeFhirFetch'>;
  clock: () => Date;
}

/**
 * The share of HOOK_DEADLINE_MS kept for the review itself: the FHIR reads must be over by the rest. The
 * review is CPU-bound and cannot be cut short once started, so it is given its time up front instead.
 */
export const REVIEW_SHARE_OF_DEADLINE = 0.2;

/** True when draftOrders holds at least one resource of a type that may trigger the service. */
function mayTrigger(draftOrders: { entry?: { resource: { resourceType: string } }[] }, service: ServiceDeclaration): boolean {
  const types = service.triggers.draftOrderResourceTypes;
  return (draftOrders.entry ?? []).some((e) => types.includes(e.resource.resourceType));
}

function topicOf(card: Card): string {
  return card.source?.topic?.code ?? 'unknown';
}

/** The service answered 404 for an id it does not have. */
export function unknownService(res: Response): void {
  res.status(404).json({ error: 'no CDS service with this id' });
}

/**
 * POST /cds-services/{id}: validate, find the plans in the draft orders, and only when there is one
 * gather the record and review it. FHIR failures become one evaluation-unavailable card.
 */
export function hookRouter(deps: HookRouteDeps): Router {
  const router = Router();
  router.post('/cds-services/:id', async (req, res) => {
    const endWork = beginWork(res);
    try {
      await answerHook(req, res);
    } finally {
      endWork();
    }
  });

  function clientLeft(res: Response): void {
    deps.logger.info({ reqId: res.locals.requestId }, 'the client left before its answer; no review, no card recorded');
  }

  async function answerHook(req: Request, res: Response): Promise<void> {
    const started = Date.now();
    const id = req.params.id;
    const service = typeof id === 'string' ? deps.registry.get(id) : undefined;
    if (!service) return unknownService(res);
    const log = callLog(res);
    log.service = service.id;

    const request = parseHookRequest(req.body);
    log.hookInstance = loggedHookInstance(request.hookInstance);
    const prefetched = readPrefetch(request.prefetch);

    const draftOrders = request.context.draftOrders;
    const plans = mayTrigger(draftOrders, service) ? deps.reviewer.plansFor(draftOrders) : [];
    if (plans.length === 0) {
      log.cardTopics = [];
      res.json({ cards: [] });
      return;
    }

    const observe: RequestObserver = (resourceType, seconds, failure) => {
      log.fhirCalls = (log.fhirCalls ?? 0) + 1;
      log.fhirMs = Math.round(((log.fhirMs ?? 0) + seconds * 1000) * 10) / 10;
      if (failure === undefined) deps.metrics?.observeFhirFetch(resourceType, seconds);
    };
    const readsDeadline = started + Math.round(deps.config.HOOK_DEADLINE_MS * (1 - REVIEW_SHARE_OF_DEADLINE));
    let cards: Card[];
    try {
      const record = await resolvePatientRecord(
        {
          patientId: request.context.patientId,
          prefetched,
          ...(request.fhirServer !== undefined ? { fhirServer: request.fhirServer } : {}),
          ...(request.fhirAuthorization !== undefined ? { accessToken: request.fhirAuthorization.access_token } : {}),
        },
        deps.config,
        readsDeadline,
        observe,
      );
      // A client that has left (its own timeout) will never read the cards: the review's CPU goes to the calls still waiting.
      if (res.destroyed) return clientLeft(res);
      // Reads that end just at their deadline leave nothing to review with: the card says the record came too late.
      if (Date.now() >= readsDeadline) throw new UpstreamError('FHIR reads ended past their deadline', 'timeout');
      cards = await deps.reviewer.review(plans, record, deps.clock(), {
        deadlineAt: started + deps.config.HOOK_DEADLINE_MS,
        userId: request.context.userId,
        ...(request.context.encounterId !== undefined ? { encounterId: request.context.encounterId } : {}),
      });
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      log.fhirFailure = error.reason;
      // A fault of the service's own (the criteria library failed on this chart): where, for operators, never the chart.
      if (error.detail) deps.logger.error({ reqId: res.locals.requestId, reason: error.reason, ...error.detail }, 'the review failed; evaluation-unavailable card sent');
      deps.metrics?.countFhirFailure(error.reason);
      cards = [deps.reviewer.unavailable(error.reason)];
    }

    // Nor is a card recorded that its client never received (it left while the record was read or reviewed).
    if (res.destroyed) return clientLeft(res);
    const clean = cards.map((c) => pruneEmpty(c));
    log.cardTopics = clean.map(topicOf);
    try {
      await deps.feedbackStore.recordIssued(
        clean.map((c) => ({
          uuid: c.uuid,
          topic: topicOf(c),
          suggestions: (c.suggestions ?? []).map((s) => s.uuid),
          overrideReasons: (c.overrideReasons ?? []).map((r) => ({ system: r.system, code: r.code })),
        })),
        deps.clock(),
      );
    } catch (error) {
      // The cards matter more than their later feedback: answer anyway, and tell the operators.
      deps.logger.error({ err: error, reqId: res.locals.requestId }, 'issued cards could not be recorded; feedback on them will be refused');
    }
    for (const c of clean) deps.metrics?.countCard(topicOf(c));
    res.json({ cards: clean });
  }
  return router;
}
