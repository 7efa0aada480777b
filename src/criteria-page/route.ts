import { Router } from 'express';
import { CRITERIA_PAGE_PATH, criteriaPageResponse } from './criteria-page.js';

/** GET /criteria/lumbar-fusion-criteria: the criteria as a page, generated from cql-mappings/. */
export function criteriaPageRouter(opts: { cqlDir: string; baseUrl: string }): Router {
  const router = Router();
  router.get(CRITERIA_PAGE_PATH, (_req, res) => {
    const r = criteriaPageResponse(opts);
    res.status(r.status).set(r.headers).send(r.body);
  });
  return router;
}
