import { randomUUID } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Router } from 'express';

/** One condition for serving; throws (or rejects) when it does not hold. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void> | void;
}

/**
 * The data directory (feedback store) accepts writes: a probe file is created, synced and removed.
 * Permission bits alone say too little (root passes any access() check, a read-only mount or a full
 * disk fails only on the write, and a plain file at DATA_DIR passes access() too).
 */
export function dataDirWritable(dir: string): ReadinessCheck {
  return {
    name: 'data-dir-writable',
    check: async () => {
      const probe = join(dir, `.readyz-${randomUUID()}`);
      const handle = await open(probe, 'wx');
      try {
        await handle.write('ok');
        await handle.datasync();
      } finally {
        await handle.close();
        await rm(probe, { force: true });
      }
    },
  };
}

/**
 * The feedback store writes: after a failed append (a full disk, an I/O error) the service is not ready until
 * the store has cut its files back to whole records and can append again. Until then hook calls are answered
 * but their cards cannot be recorded, so feedback on them would be refused; the data directory's probe alone
 * would pass again as soon as the disk has room, while the store's own file might still be failing.
 */
export function feedbackStoreWrites(store: { check(): Promise<void> }): ReadinessCheck {
  return { name: 'feedback-store-writes', check: () => store.check() };
}

/** The evaluation threads have loaded the criteria library: before that, the first calls would wait for them. */
export function evaluationThreadsLoaded(engine: { readonly loaded: boolean }): ReadinessCheck {
  return {
    name: 'evaluation-threads-loaded',
    check: () => {
      if (!engine.loaded) throw new Error('the evaluation threads are still loading the criteria library');
    },
  };
}

/**
 * GET /healthz: the process answers HTTP (it says nothing about FHIR servers, which are the callers').
 * GET /readyz: every readiness check passes; 503 naming the failing checks otherwise.
 */
export function healthRouter(checks: readonly ReadinessCheck[] = []): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      checks.map(async (c) => {
        try {
          await c.check();
          return undefined;
        } catch {
          return c.name;
        }
      }),
    );
    const failing = results.filter((name): name is string => name !== undefined);
    res.set('Cache-Control', 'no-store');
    if (failing.length > 0) res.status(503).json({ status: 'not-ready', failing });
    else res.json({ status: 'ready' });
  });
  return router;
}
