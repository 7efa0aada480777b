import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import { pino } from 'pino';
import { createApp, type AppParts } from '../../../src/app.js';
import { loadConfig, type Config } from '../../../src/config.js';
import { openFeedbackStore, type FeedbackStore } from '../../../src/feedback/store.js';
import { REDACTED_PATHS } from '../../../src/ops/logger.js';
import { FakeReviewer } from './fake-reviewer.js';

export const FHIR_BASE = 'http://fhir.test/r4';
export const PATIENT_ID = 'pt-1';
export const TOKEN = 'tok';

export interface TestApp {
  app: Express;
  config: Config;
  reviewer: FakeReviewer;
  store: FeedbackStore;
  dataDir: string;
  /** Every log line written so far, parsed. */
  logLines: () => Record<string, unknown>[];
  /** The raw log text, to search for what must never be logged. */
  logText: () => string;
  close: () => Promise<void>;
}

/** An app on a temporary DATA_DIR with the fake reviewer; `env` overrides the test configuration. */
export async function buildTestApp(env: Record<string, string | undefined> = {}, parts: Partial<AppParts> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spine-cds-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    FHIR_SERVER_ALLOWLIST: FHIR_BASE,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    CDS_AUTH: 'off',
    FHIR_REQUEST_TIMEOUT_MS: '500',
    HOOK_DEADLINE_MS: '2000',
    ...env,
  });
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
  const reviewer = new FakeReviewer();
  const store = await openFeedbackStore(dataDir);
  const app = createApp({ config, logger, reviewer, feedbackStore: store, ...parts });
  return {
    app,
    config,
    reviewer,
    store,
    dataDir,
    logLines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    logText: () => chunks.join(''),
    close: async () => {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
