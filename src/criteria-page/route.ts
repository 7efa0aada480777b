import { Router } from 'express';
import { CRITERIA_PAGE_PATH, criteriaPageResponse, type CriteriaPageOptions } from './criteria-page.js';

/**
 * GET /criteria/lumbar-fusion-criteria: the criteria as a page. Built here, when the service starts, from the
 * files it loaded (`files`): a CQL file edited afterwards is shown nowhere until the next start, as it runs nowhere.
 */
export function criteriaPageRouter(opts: CriteriaPageOptions): Router {
  const r = criteriaPageResponse(opts);
  const router = Router();
  router.get(CRITERIA_PAGE_PATH, (_req, res) => {
    res.status(r.status).set(r.headers).send(r.body);
  });
  return router;
}
