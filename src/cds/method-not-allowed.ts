import { Router, type Response } from 'express';
import { unknownService } from './hook-route.js';
import type { ServiceRegistry } from './service-registry.js';

/**
 * The CDS API's paths asked with a method they do not answer: 405 with the methods they do (RFC 9110 15.5.6),
 * rather than a 404 that says the service does not exist. Mounted after the routes, so only what they left
 * reaches it; an unknown service id stays a 404.
 */
export function methodNotAllowedRouter(registry: ServiceRegistry): Router {
  const router = Router();
  const refuse = (res: Response, allow: string, use: string) => {
    res.set('Allow', allow).status(405).json({ error: `method not allowed here: use ${use}` });
  };
  router.all('/cds-services', (_req, res) => refuse(res, 'GET, HEAD, OPTIONS', 'GET for the discovery document'));
  router.all('/cds-services/:id', (req, res) => {
    if (typeof req.params.id !== 'string' || !registry.get(req.params.id)) return unknownService(res);
    refuse(res, 'POST, OPTIONS', 'POST for a hook call');
  });
  router.all('/cds-services/:id/feedback', (req, res) => {
    if (typeof req.params.id !== 'string' || !registry.get(req.params.id)) return unknownService(res);
    refuse(res, 'POST, OPTIONS', 'POST for feedback');
  });
  return router;
}
