import { join } from 'node:path';
import express, { Router } from 'express';
import type { ValueSetIndex } from '../terminology/value-sets.js';
import { workbenchConfig } from './page-config.js';
import { workbenchStaticDir } from './static-dir.js';

export interface WorkbenchOptions {
  /** The embedded FHIR server's base URL; undefined when none runs (the tester types one on the page). */
  fhirBaseUrl: string | undefined;
  serviceBaseUrl: string;
  valueSets: ValueSetIndex;
  /** Where index.html, workbench.css and workbench.js live (default: src/workbench/static). */
  staticDir?: string;
}

/**
 * The page is a CDS client of its own service: it reads FHIR servers and calls the hook from the browser,
 * so connect-src must allow any http(s) origin; everything else comes from this origin only. Card text is
 * put into the page as text nodes, and the policy forbids inline script as a second line of defence.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  'connect-src http: https:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const setPageHeaders: express.RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
  next();
};

/**
 * GET /workbench (the page), /workbench/config.json and /workbench/static/*: a test EHR for procedure orders.
 * Mounted only outside production: it reads and displays synthetic patient charts without authentication.
 */
export function workbenchRouter(opts: WorkbenchOptions): Router {
  const dir = opts.staticDir ?? workbenchStaticDir();
  // Built once: the value sets do not change while the service runs.
  const config = workbenchConfig(opts);
  const router = Router();
  router.use('/workbench', setPageHeaders);
  router.get(['/workbench', '/workbench/'], (_req, res) => {
    res.sendFile(join(dir, 'index.html'));
  });
  router.get('/workbench/config.json', (_req, res) => {
    res.json(config);
  });
  router.use('/workbench/static', express.static(dir, { index: false, redirect: false, dotfiles: 'deny' }));
  return router;
}
