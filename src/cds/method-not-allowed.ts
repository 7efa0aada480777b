import { Router, type NextFunction, type Request, type Response } from 'express';
import { unknownService } from './hook-route.js';
import type { ServiceRegistry } from './service-registry.js';

/**
 * The CDS API's paths asked with a method they do not take: 405 with the methods they do (RFC 9110 15.5.6),
 * rather than a 404 that says the service does not exist. Mounted before authentication and the body's
 * reading, so that a wrong method is told so whatever its body; an unknown service id stays a 404.
 */
export function methodNotAllowedRouter(registry: ServiceRegistry): Router {
  const router = Router();
  const only = (methods: string[], use: string, ofService: boolean) => (req: Request, res: Response, next: NextFunction) => {
    if (methods.includes(req.method)) return next();
    if (ofService && (typeof req.params.id !== 'string' || !registry.get(req.params.id))) return unknownService(res);
    res.set('Allow', methods.join(', ')).status(405).json({ error: `method not allowed here: use ${use}` });
  };
  router.all('/cds-services', only(['GET', 'HEAD', 'OPTIONS'], 'GET for the discovery document', false));
  router.all('/cds-services/:id', only(['POST', 'OPTIONS'], 'POST for a hook call', true));
  router.all('/cds-services/:id/feedback', only(['POST', 'OPTIONS'], 'POST for feedback', true));
  return router;
}
