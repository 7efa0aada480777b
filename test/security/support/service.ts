import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Router } from 'express';
import { createApp } from '../../../src/app.js';
import { createCdsAuth } from '../../../src/auth/cds-auth.js';
import type { OrderReviewer } from '../../../src/cds/order-reviewer.js';
import { projectRoot } from '../../../src/cds/project-root.js';
import { loadConfig, type Config } from '../../../src/config.js';
import { criteriaPageRouter } from '../../../src/criteria-page/route.js';
import { openFeedbackStore, type FeedbackStore } from '../../../src/feedback/store.js';
import { dataDirWritable, feedbackStoreWrites } from '../../../src/ops/health.js';
import { createLogger } from '../../../src/ops/logger.js';
import { createMetrics, metricsHandler, type Metrics } from '../../../src/ops/metrics.js';
import { realReviewer } from './seed.js';

/**
 * The service wired as src/server.ts wires it (config, logger, metrics, CDS client authentication,
 * feedback store, real reviewer, readiness, /metrics and the criteria page), listening on a loopback port
 * of its own, with its logs captured. The built server itself is exercised as a child process in test/server.
 */
export interface ServiceUnderTest {
  url: string;
  config: Config;
  metrics: Metrics;
  store: FeedbackStore;
  dataDir: string;
  logText(): string;
  logLines(): Record<string, unknown>[];
  metricsText(): Promise<string>;
  close(): Promise<void>;
}

export async function startService(env: Record<string, string> = {}, opts: { reviewer?: OrderReviewer } = {}): Promise<ServiceUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spine-cds-sec-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'info', EMBEDDED_FHIR: 'false', ...env });
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  const logger = createLogger(config, sink);
  const metrics = createMetrics();
  const auth = createCdsAuth(config, { logger, metrics });
  const store = await openFeedbackStore(config.DATA_DIR, logger);
  const metricsRoute = Router();
  metricsRoute.get('/metrics', metricsHandler(metrics));
  const app = createApp({
    config,
    logger,
    reviewer: opts.reviewer ?? realReviewer(),
    feedbackStore: store,
    metrics,
    authenticate: auth.middleware,
    readiness: [dataDirWritable(config.DATA_DIR), feedbackStoreWrites(store)],
    routers: [metricsRoute, criteriaPageRouter({ cqlDir: join(projectRoot(), 'cql-mappings'), baseUrl: config.PUBLIC_BASE_URL })],
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    metrics,
    store,
    dataDir,
    logText: () => text,
    logLines: () =>
      text
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    metricsText: () => metrics.registry.metrics(),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
