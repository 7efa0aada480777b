import { randomUUID } from 'node:crypto';
import { onCallEnd } from './call-end.js';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

/** What a route adds to its call's log line. Never PHI: no patient id, no resource content. */
export interface CallLog {
  service?: string;
  hookInstance?: string;
  cardTopics?: string[];
  /** Why the CDS client was refused (auth/middleware.ts), so that a 401's X-Request-Id leads to its reason. */
  authRefusal?: string;
  /** What a 412 said was missing: our own words about prefetch keys and fhirServer, never request content. */
  precondition?: string;
  /** Why the FHIR data could not be had (UpstreamError reason), when an evaluation-unavailable card was sent. */
  fhirFailure?: string;
  /** FHIR requests made for the call, and their summed latency. */
  fhirCalls?: number;
  fhirMs?: number;
}

export function callLog(res: Response): CallLog {
  return res.locals.callLog as CallLog;
}

/**
 * A caller's id is logged only in the two shapes that carry nothing of a person: a UUID, or a W3C trace id (32 hex
 * digits). Anything looser lets a client put a name, a birth date ("1958-07-22-12345678") or a record number
 * ("4111111111111111") in the log as sent.
 */
const IDENTIFIER = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

/** hookInstance as logged: the caller's UUID, or a mark that it was something else. */
export function loggedHookInstance(hookInstance: string): string {
  return IDENTIFIER.test(hookInstance) ? hookInstance : '(not a uuid)';
}

/**
 * One log line per call when the response is finished: request id, route, status, latency and
 * what the route recorded (service, hookInstance, card topics). The query string is left out.
 */
/** The status counted for a call whose client closed the connection before the answer (as nginx counts it). */
export const CLIENT_CLOSED_STATUS = 499;

export function requestLog(logger: Logger, onFinished?: (res: Response, seconds: number, status: number) => void): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.get('x-request-id');
    const requestId = incoming !== undefined && IDENTIFIER.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.locals.callLog = {} satisfies CallLog;
    res.setHeader('X-Request-Id', requestId);
    const lineOf = (seconds: number) => ({
      reqId: requestId,
      method: req.method,
      path: req.originalUrl.split('?')[0]!.slice(0, 200),
      latencyMs: Math.round(seconds * 1e4) / 10,
      ...callLog(res),
    });
    onCallEnd(req, res, {
      answered: () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const line = { ...lineOf(seconds), status: res.statusCode };
        if (res.statusCode >= 500) logger.error(line, 'call');
        else logger.info(line, 'call');
        onFinished?.(res, seconds, res.statusCode);
      },
      // A client that leaves before the answer still gets its line: operators see abandoned calls (timeouts upstream).
      abandoned: () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        logger.info({ ...lineOf(seconds), clientClosed: true }, 'call abandoned by the client');
        onFinished?.(res, seconds, CLIENT_CLOSED_STATUS);
      },
    });
    next();
  };
}
