import { join } from 'node:path';
import type { RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import { projectRoot } from './cds/project-root.js';
import type { Config } from './config.js';

/** What runs beside the service outside production: a FHIR server with the fixtures, and the workbench. */
export interface EmbeddedDefault {
  fhirBaseUrl: string;
  routers: (Router | RequestHandler)[];
  close(): Promise<void>;
}

/**
 * The embedded default for newcomers and testers. Never in production (config refuses EMBEDDED_FHIR there),
 * and loaded lazily so that a production image without the dev-only FHIR server library still starts.
 */
export async function startEmbeddedDefault(config: Config, logger: Logger): Promise<EmbeddedDefault | undefined> {
  if (config.NODE_ENV === 'production' || !config.EMBEDDED_FHIR) return undefined;
  const { startEmbeddedFhirServer } = await import('./embedded-fhir/server.js');
  const fhir = await startEmbeddedFhirServer({
    port: config.EMBEDDED_FHIR_PORT,
    fixturesDir: join(projectRoot(), 'fixtures', 'patients'),
    logger,
  });
  logger.info({ fhirBaseUrl: fhir.baseUrl, patients: fhir.patientIds.length }, 'embedded FHIR server with the fixture patients');
  return { fhirBaseUrl: fhir.baseUrl, routers: [], close: () => fhir.close() };
}
