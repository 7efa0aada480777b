import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { Router } from 'express';

/** One condition for serving; throws (or rejects) when it does not hold. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void> | void;
}

/** The data directory (feedback store) accepts writes. */
export function dataDirWritable(dir: string): ReadinessCheck {
  return { name: 'data-dir-writable', check: () => access(dir, constants.W_OK) };
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
