import { Router } from 'express';
import type { ServiceRegistry } from './service-registry.js';

/** GET /cds-services: the CDS Hooks 2.0 discovery document. */
export function discoveryRouter(registry: ServiceRegistry): Router {
  const router = Router();
  const body = registry.discovery();
  router.get('/cds-services', (_req, res) => {
    res.json(body);
  });
  return router;
}
