import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { createApp } from './app.js';
import { answerClientErrors } from './client-error.js';
import { createCdsAuth } from './auth/cds-auth.js';
import { ConfigError, loadConfig, withBoundPort, type Config } from './config.js';
import { openFeedbackStore } from './feedback/store.js';
import { dataDirWritable, evaluationThreadsLoaded, feedbackStoreWrites } from './ops/health.js';
import { limitHeapGrowth } from './ops/heap.js';
import type { Logger } from 'pino';
import { createLogger } from './ops/logger.js';
import { createMetrics, metricsHandler, type Metrics } from './ops/metrics.js';
import { checkValueSetsAsRead, readCriteriaSources } from './decision/cql-library.js';
import { DecisionEngine } from './decision/engine.js';
import { orderReviewer } from './review/order-reviewer.js';
import { criteriaPageRouter } from './criteria-page/route.js';
import { loadValueSets } from './terminology/value-sets.js';
import { workbenchRouter } from './workbench/router.js';
import { startEmbeddedDefault, type EmbeddedDefault } from './embedded-default.js';

/** A configuration problem is the operator's to fix: say which variable, and stop. */
function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    exitOnConfigError(error);
  }
  limitHeapGrowth(config.HEAP_GROWTH_PERCENT);
  const logger = createLogger(config);
  const metrics = createMetrics();
  // Headers, then the whole request, within bounds of our own: Node's defaults (a minute, five minutes, checked
  // every 30 s) let a stalled client hold a connection that long. Node's bound on the whole request stays above
  // a large chart's wait for its place plus its body's time, so that the JSON 503 or 408 of json-body.ts comes first.
  const server: Server = createServer({
    headersTimeout: config.BODY_TIMEOUT_MS,
    requestTimeout: 3 * config.BODY_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(1000, config.BODY_TIMEOUT_MS),
  });
  // Headers over Node's bound get a JSON 431 a browser client can read (CORS headers), not Node's bare one.
  answerClientErrors(server, logger);
  // With PORT=0 and no PUBLIC_BASE_URL, the JWT audience and the card links need the port the system picks, so
  // the socket is bound first; nobody can call it before the 'listening' line names the port.
  let boundEarly: number | undefined;
  if (config.PORT === 0 && !config.PUBLIC_BASE_URL_GIVEN) {
    boundEarly = await bind(server, config, logger);
    config = withBoundPort(config, boundEarly);
  }
  let auth;
  try {
    auth = createCdsAuth(config, { logger, metrics });
  } catch (error) {
    exitOnConfigError(error);
  }
  const embedded: EmbeddedDefault | undefined = await startEmbeddedDefault(config, logger);
  const feedbackStore = await openFeedbackStore(config.DATA_DIR, logger, { windowHours: config.FEEDBACK_WINDOW_HOURS }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new Error(`DATA_DIR (${config.DATA_DIR}) cannot hold the feedback store (${code}): it must be a writable directory`);
  });
  // The store's counts are durable; the counter starts from them, so a restart is no reset to Prometheus.
  for (const c of feedbackStore.counts()) metrics.countFeedback(c.topic, c.outcome, c.count);
  // The CQL evaluations run on ENGINE_THREADS worker threads, beside the thread that serves HTTP (decision/engine-pool.ts).
  // The criteria are read once, here: the criteria page shows this CQL, and every evaluation thread, those that
  // replace a failed one included, runs this ELM; the service starts only when the two agree.
  const sources = readCriteriaSources();
  const valueSets = loadValueSets();
  checkValueSetsAsRead(sources);
  const engine = DecisionEngine.load({
    elm: sources.elm,
    threads: config.ENGINE_THREADS,
    valueSets,
    onThreadStopped: (e) => logger.error(e, e.wasLoaded ? 'evaluation thread stopped; restarting it' : 'evaluation thread could not start; retrying'),
  });
  // Not an error: every record then reaches the engine, and large charts cost more (README "Performance").
  if (engine.relevanceOff.length > 0) logger.warn({ reasons: engine.relevanceOff }, 'relevance filter off: the criteria select records in a way it cannot see');
  const reviewer = orderReviewer({ baseUrl: config.PUBLIC_BASE_URL, valueSets, engine });
  const app = createApp({
    config,
    logger,
    reviewer,
    feedbackStore,
    metrics,
    authenticate: auth.middleware,
    readiness: [dataDirWritable(config.DATA_DIR), feedbackStoreWrites(feedbackStore), evaluationThreadsLoaded(engine)],
    routers: [
      metricsRoute(metrics),
      // Built now from the files the engine loaded: the page shows the criteria that run, whatever is edited later.
      criteriaPageRouter({ files: sources, baseUrl: config.PUBLIC_BASE_URL }),
      ...(embedded?.routers ?? []),
      // The workbench serves testers, never production; without the embedded server the tester types a FHIR URL.
      ...(config.NODE_ENV !== 'production'
        ? [workbenchRouter({ fhirBaseUrl: embedded?.fhirBaseUrl, serviceBaseUrl: config.PUBLIC_BASE_URL, valueSets })]
        : []),
    ],
  });

  let stopping = false;
  // After the signal every answer, those of calls already in flight included, says Connection: close, so that a
  // keep-alive client does not send its next call down a connection about to be closed as idle (it would get a
  // reset instead of an answer). Decided when the headers go out (express's implicit headers go through
  // writeHead too); no list of responses is kept, since a pipelined response whose socket closes first never
  // emits an event that would take it off one.
  function writeHeadClosingWhenStopping(this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    if (stopping) this.shouldKeepAlive = false;
    return ServerResponse.prototype.writeHead.apply(this, args);
  }
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead = writeHeadClosingWhenStopping as ServerResponse['writeHead'];
  });
  server.on('request', app);
  const port = boundEarly ?? (await bind(server, config, logger));
  // Whoever started the process (with PORT=0 too) learns the port from this line, written once calls are served.
  logger.info({ host: config.HOST, port }, 'spine-cds listening');

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new calls, finishing those in flight');
    // Calls in flight end within the hook deadline; after that, idle and stuck connections are cut.
    const cut = setTimeout(() => server.closeAllConnections(), config.HOOK_DEADLINE_MS + 500);
    cut.unref();
    // A keep-alive connection whose call finishes after the signal would otherwise hold the exit until the cut.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    sweep.unref();
    server.close(() => {
      clearInterval(sweep);
      Promise.all([feedbackStore.close(), embedded?.close()])
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch((err: unknown) => {
          logger.error({ err }, 'feedback store did not close cleanly');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Listens on PORT and HOST; a port that cannot be had stops the process, naming the variables. */
function bind(server: Server, config: Config, logger: Logger): Promise<number> {
  return new Promise((resolve) => {
    const cannotListen = (error: NodeJS.ErrnoException) => {
      logger.fatal({ err: error }, `cannot listen on ${config.HOST}:${config.PORT} (PORT, HOST): ${error.code ?? error.message}`);
      process.exit(1);
    };
    server.once('error', cannotListen);
    server.listen(config.PORT, config.HOST, () => {
      // Once listening, an error (a failed accept when out of file handles) is reported, not a reason to stop.
      server.off('error', cannotListen);
      server.on('error', (error: NodeJS.ErrnoException) => logger.error({ code: error.code }, 'HTTP server error'));
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function metricsRoute(metrics: Metrics): Router {
  const router = Router();
  router.get('/metrics', metricsHandler(metrics));
  return router;
}

main().catch((error: unknown) => {
  process.stderr.write(`spine-cds failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
