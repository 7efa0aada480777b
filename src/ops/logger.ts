import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.js';

/**
 * Paths never written to the logs, whatever a caller passes: credentials (the CDS client's JWT, the
 * FHIR bearer token) would let a log reader act as the client or read the chart.
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'access_token',
  '*.access_token',
  'accessToken',
  '*.accessToken',
  'fhirAuthorization',
  '*.fhirAuthorization',
];

/** The service's logger: JSON lines, level from LOG_LEVEL, credentials redacted. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.LOG_LEVEL,
    base: { name: 'spine-cds' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
