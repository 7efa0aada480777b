import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'express';
import { pino } from 'pino';
import { createApp } from '../../../src/app.js';
import type { OrderReviewer } from '../../../src/cds/order-reviewer.js';
import { projectRoot } from '../../../src/cds/project-root.js';
import { loadConfig } from '../../../src/config.js';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../../src/embedded-fhir/server.js';
import { openFeedbackStore, type FeedbackStore } from '../../../src/feedback/store.js';
import { createMetrics, metricsHandler } from '../../../src/ops/metrics.js';
import { loadValueSets, type ValueSetIndex } from '../../../src/terminology/value-sets.js';
import { workbenchRouter } from '../../../src/workbench/router.js';

export interface WorkbenchStack {
  /** The service, e.g. http://127.0.0.1:40123 (the workbench is at /workbench). */
  serviceUrl: string;
  fhir: EmbeddedFhirServer;
  store: FeedbackStore;
  /** GET /metrics of the service, as Prometheus text. */
  metrics(): Promise<string>;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

/**
 * The whole stack in this process, as `npm start` runs it outside production: the embedded FHIR server with
 * the real fixture patients, and the real app (reviewer from `makeReviewer`, feedback store on a temporary
 * DATA_DIR, authentication off) with the workbench and /metrics mounted. Both listen on free ports.
 */
export async function startWorkbenchStack(
  makeReviewer: (opts: { baseUrl: string; valueSets: ValueSetIndex }) => OrderReviewer,
): Promise<WorkbenchStack> {
  const root = projectRoot();
  const fhir = await startEmbeddedFhirServer({ port: 0, fixturesDir: join(root, 'fixtures', 'patients') });
  const dataDir = mkdtempSync(join(tmpdir(), 'spine-cds-workbench-'));
  const server = createServer();
  const serviceUrl = await listen(server);
  const config = loadConfig({
    NODE_ENV: 'test',
    CDS_AUTH: 'off',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    PUBLIC_BASE_URL: serviceUrl,
    EMBEDDED_FHIR: 'false',
  });
  const valueSets = loadValueSets();
  const store = await openFeedbackStore(dataDir);
  const metrics = createMetrics();
  const metricsRoute = Router().get('/metrics', metricsHandler(metrics));
  const app = createApp({
    config,
    logger: pino({ level: 'silent' }),
    reviewer: makeReviewer({ baseUrl: serviceUrl, valueSets }),
    feedbackStore: store,
    metrics,
    routers: [workbenchRouter({ fhirBaseUrl: fhir.baseUrl, serviceBaseUrl: serviceUrl, valueSets }), metricsRoute],
  });
  server.on('request', app);
  return {
    serviceUrl,
    fhir,
    store,
    metrics: async () => (await fetch(`${serviceUrl}/metrics`)).text(),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await fhir.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
