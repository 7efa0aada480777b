import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** 1 ms to 3 s: the service aims at single-digit milliseconds and its hook deadline defaults to 3 s. */
export const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3];

/**
 * Distinct values kept per label before further ones are folded into "other": a caller that passes
 * something client-controlled (an unknown service id, a made-up topic) must not grow the registry without end.
 */
export const MAX_LABEL_VALUES = 64;
export const OVERFLOW_LABEL = 'other';

export interface Metrics {
  /** Own registry (not prom-client's global one), so several apps can live in one process. */
  readonly registry: Registry;
  /** One finished hook call (or discovery/feedback call) with its HTTP status and duration. */
  observeHookCall(service: string, status: number, seconds: number): void;
  /** One FHIR read or search page that completed, with its duration. */
  observeFhirFetch(resourceType: string, seconds: number): void;
  /** One FHIR read that failed; reason as in UpstreamError (timeout, refused, error-status, ...). */
  countFhirFailure(reason: string): void;
  /** One card returned, by card topic code. */
  countCard(topic: string): void;
  /** Feedback items accepted (one unless given), by card topic and outcome (accepted / overridden). */
  countFeedback(topic: string, outcome: string, items?: number): void;
  /** One CDS client refused, by internal reason (see AuthenticationError.reason). */
  countAuthRefusal(reason: string): void;
}

/** Folds label values beyond the first MAX_LABEL_VALUES seen into OVERFLOW_LABEL. */
function boundedLabel(): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= MAX_LABEL_VALUES) return OVERFLOW_LABEL;
    seen.add(value);
    return value;
  };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const hookCalls = new Counter({
    name: 'spine_cds_hook_calls_total',
    help: 'CDS Hooks calls by service and HTTP status',
    labelNames: ['service', 'status'] as const,
    registers,
  });
  const hookDuration = new Histogram({
    name: 'spine_cds_hook_duration_seconds',
    help: 'CDS Hooks call latency in seconds, by service and HTTP status',
    labelNames: ['service', 'status'] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers,
  });
  const fhirDuration = new Histogram({
    name: 'spine_cds_fhir_fetch_duration_seconds',
    help: 'FHIR fetch latency in seconds, by resource type',
    labelNames: ['resource_type'] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers,
  });
  const fhirFailures = new Counter({
    name: 'spine_cds_fhir_fetch_failures_total',
    help: 'FHIR fetches that failed, by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const cards = new Counter({
    name: 'spine_cds_cards_total',
    help: 'Cards returned, by topic',
    labelNames: ['topic'] as const,
    registers,
  });
  const feedback = new Counter({
    name: 'spine_cds_feedback_total',
    help: 'Feedback items stored, by card topic and outcome, since the feedback store began',
    labelNames: ['topic', 'outcome'] as const,
    registers,
  });
  const authRefusals = new Counter({
    name: 'spine_cds_auth_refusals_total',
    help: 'CDS client calls refused by authentication, by reason',
    labelNames: ['reason'] as const,
    registers,
  });

  const service = boundedLabel();
  const resourceType = boundedLabel();
  const fhirReason = boundedLabel();
  const topic = boundedLabel();
  const outcome = boundedLabel();
  const authReason = boundedLabel();

  return {
    registry,
    observeHookCall(s, status, seconds) {
      const labels = { service: service(s), status: String(status) };
      hookCalls.inc(labels);
      hookDuration.observe(labels, seconds);
    },
    observeFhirFetch(type, seconds) {
      fhirDuration.observe({ resource_type: resourceType(type) }, seconds);
    },
    countFhirFailure(reason) {
      fhirFailures.inc({ reason: fhirReason(reason) });
    },
    countCard(t) {
      cards.inc({ topic: topic(t) });
    },
    countFeedback(t, o, items = 1) {
      feedback.inc({ topic: topic(t), outcome: outcome(o) }, items);
    },
    countAuthRefusal(reason) {
      authRefusals.inc({ reason: authReason(reason) });
    },
  };
}

/** `GET /metrics` in the Prometheus text format (text/plain; version=0.0.4). */
export function metricsHandler(metrics: Metrics): RequestHandler {
  return async (_req, res, next) => {
    try {
      const body = await metrics.registry.metrics();
      res.set('Content-Type', metrics.registry.contentType).send(body);
    } catch (err) {
      next(err);
    }
  };
}
