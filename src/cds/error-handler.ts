import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AuthenticationError, BadRequestError, PreconditionFailedError, TemporarilyUnavailableError, UpstreamError, type Problem } from '../errors.js';
import { UnsupportedMediaTypeError } from './json-body.js';

/** The shape of errors thrown by express's body parser. */
interface ParserError {
  type?: string;
  status?: number;
  statusCode?: number;
}

function badRequestBody(message: string, problems: readonly Problem[]): object {
  return problems.length > 0 ? { error: message, problems } : { error: message };
}

/**
 * An unexpected error as it may be logged: its type and where it was thrown, not its message, which a
 * library may have filled with values from the chart.
 */
export function withoutMessage(err: unknown): { type: string; code?: string; frames?: string[] } {
  if (!(err instanceof Error)) return { type: typeof err };
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .map((line) => line.trim());
  // A system error's code (ENOSPC, EIO) tells operators what failed and is never chart data.
  const { code } = err as NodeJS.ErrnoException;
  return {
    type: err.name,
    ...(typeof code === 'string' && /^E[A-Z0-9_]{1,30}$/.test(code) ? { code } : {}),
    ...(frames.length > 0 ? { frames } : {}),
  };
}

/** FHIR OperationOutcome for a 412: the client must send more prefetch or a usable fhirServer. */
export function preconditionOutcome(message: string): object {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'incomplete', diagnostics: message }],
  };
}

/** What is wrong with a request that a library refused (never the library's message: it may quote the request). */
function refusal(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  // zlib's codes: a body whose Content-Encoding does not match its bytes.
  if (typeof e.code === 'string' && e.code.startsWith('Z_')) return 'the request body could not be decompressed as its Content-Encoding says';
  if (err instanceof URIError || (typeof e.message === 'string' && e.message.startsWith('Failed to decode param'))) return 'the URL path is not valid percent-encoding';
  return 'request refused';
}

/**
 * The one place that turns failures into HTTP answers. Messages of typed errors are written for the
 * caller and hold no PHI; anything unexpected gets a generic 500 and is logged for operators.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      // The answer is out (a 408 for a body that came too late, a client gone): nothing more to say to anyone.
      logger.warn({ error: withoutMessage(err), path: req.path, reqId: res.locals.requestId }, 'error after the answer was sent');
      return;
    }
    if (err instanceof BadRequestError) {
      res.status(400).json(badRequestBody(err.message, err.problems));
      return;
    }
    if (err instanceof PreconditionFailedError) {
      const log = res.locals.callLog as { precondition?: string } | undefined;
      if (log) log.precondition = err.message.slice(0, 200);
      res.status(412).json(preconditionOutcome(err.message));
      return;
    }
    if (err instanceof AuthenticationError) {
      logger.warn({ reason: err.reason, path: req.path }, 'CDS client not authenticated');
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'authentication failed' });
      return;
    }
    if (err instanceof TemporarilyUnavailableError) {
      logger.error({ error: withoutMessage(err.cause), path: req.path, reqId: res.locals.requestId }, err.message);
      res.status(503).set('Retry-After', String(err.retryAfterSeconds)).json({ error: err.message });
      return;
    }
    if (err instanceof UnsupportedMediaTypeError) {
      res.status(415).json({ error: err.message });
      return;
    }
    const parser = err as ParserError;
    switch (parser?.type) {
      case 'entity.parse.failed':
        // The parser's own message may quote the body, which can hold PHI: it is not echoed.
        res.status(400).json(badRequestBody('malformed JSON', [{ path: '(body)', message: 'is not valid JSON (or not a JSON object)' }]));
        return;
      case 'entity.too.large':
        res.status(413).json({ error: 'request body too large' });
        return;
      case 'charset.unsupported':
      case 'encoding.unsupported':
        res.status(415).json({ error: 'unsupported body charset or encoding' });
        return;
      case 'request.aborted':
        // The client closed the connection mid-body: there is no one to answer (the call is logged as abandoned).
        return;
      case 'request.size.invalid':
        res.status(400).json({ error: 'request body incomplete' });
        return;
    }
    if (err instanceof UpstreamError) {
      // Routes answer FHIR failures with a card; one that escapes is a bug, reported without detail.
      logger.error({ reason: err.reason }, 'FHIR failure escaped the hook route');
      res.status(502).json({ error: 'upstream FHIR server failed' });
      return;
    }
    const status = parser?.status ?? parser?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: refusal(err) });
      return;
    }
    logger.error({ error: withoutMessage(err), path: req.path, reqId: res.locals.requestId }, 'unexpected error');
    res.status(500).json({ error: 'internal error' });
  };
}

/** Any route the service does not have. */
export const notFound: RequestHandler = (_req, res) => {
  res.status(404).json({ error: 'not found' });
};
