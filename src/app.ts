import { join } from 'node:path';
import cors from 'cors';
import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { corsOptions } from './cds/cors.js';
import { discoveryRouter } from './cds/discovery-route.js';
import { errorHandler, notFound } from './cds/error-handler.js';
import { methodNotAllowedRouter } from './cds/method-not-allowed.js';
import { feedbackRouter } from './cds/feedback-route.js';
import { hookRouter } from './cds/hook-route.js';
import { jsonBody } from './cds/json-body.js';
import type { OrderReviewer } from './cds/order-reviewer.js';
import { projectRoot } from './cds/project-root.js';
import { callLog, requestLog } from './cds/request-log.js';
import { loadServiceRegistry, type ServiceRegistry } from './cds/service-registry.js';
import type { FeedbackStore } from './feedback/store.js';
import { healthRouter, type ReadinessCheck } from './ops/health.js';
import type { Metrics } from './ops/metrics.js';

export interface AppParts {
  config: Config;
  logger: Logger;
  reviewer: OrderReviewer;
  feedbackStore: FeedbackStore;
  /** Service declarations; read from `hooksDir` (default: the project's hooks/) when not given. */
  registry?: ServiceRegistry;
  hooksDir?: string;
  /** CDS client authentication in front of discovery, hook and feedback calls (none when absent). */
  authenticate?: RequestHandler;
  metrics?: Metrics;
  /** Conditions for GET /readyz (the reviewer exists once the app is built, so its ELM is loaded). */
  readiness?: ReadinessCheck[];
  /** Further routes outside the CDS API (criteria page, metrics, readiness), mounted before the 404. */
  routers?: (Router | RequestHandler)[];
  /** The clock the review and the issued-card records use. */
  clock?: () => Date;
}

/**
 * A page on a public https origin (the CDS Hooks Sandbox) calling this service on localhost sends a
 * Private Network Access preflight in Chromium; without this header the browser drops the call.
 */
const allowPrivateNetworkPreflight: RequestHandler = (req, res, next) => {
  if (req.method === 'OPTIONS' && req.headers['access-control-request-private-network'] === 'true') {
    res.setHeader('Access-Control-Allow-Private-Network', 'true');
  }
  next();
};

/** Builds the express app from its parts, so tests build one with their own configuration and doubles. */
export function createApp(parts: AppParts): Express {
  const { config, logger, metrics } = parts;
  const registry = parts.registry ?? loadServiceRegistry(parts.hooksDir ?? join(projectRoot(), 'hooks'));
  const clock = parts.clock ?? (() => new Date());

  const app = express();
  app.disable('x-powered-by');
  // Every answer is computed for its request (cards carry fresh uuids): an ETag would only cost a hash of each body.
  app.set('etag', false);
  app.use(
    requestLog(logger, (res, seconds, status) => {
      const service = callLog(res).service;
      if (service !== undefined) metrics?.observeHookCall(service, status, seconds);
    }),
  );
  app.use(allowPrivateNetworkPreflight);
  app.use(cors(corsOptions));
  app.use(healthRouter(parts.readiness ?? []));
  for (const r of parts.routers ?? []) app.use(r);

  // A call refused before its route (401, 413, 415, malformed JSON) is still logged and counted under its service.
  app.use('/cds-services/:id', (req, res, next) => {
    const id = req.params.id;
    if (typeof id === 'string' && registry.get(id)) callLog(res).service = id;
    next();
  });
  app.use(methodNotAllowedRouter(registry));
  if (parts.authenticate) app.use('/cds-services', parts.authenticate);
  app.use('/cds-services', jsonBody({ maxBodyBytes: config.MAX_BODY_BYTES, bodyTimeoutMs: config.BODY_TIMEOUT_MS }));
  app.use(discoveryRouter(registry));
  app.use(
    hookRouter({
      config,
      registry,
      reviewer: parts.reviewer,
      feedbackStore: parts.feedbackStore,
      logger,
      ...(metrics ? { metrics } : {}),
      clock,
    }),
  );
  app.use(feedbackRouter({ registry, feedbackStore: parts.feedbackStore, ...(metrics ? { metrics } : {}) }));

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
