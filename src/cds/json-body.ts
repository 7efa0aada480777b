import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import { largeBodyGate } from './large-body-gate.js';
import { BadRequestError } from '../errors.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../json-depth.js';

/** The body is not JSON (wrong Content-Type): 415. */
export class UnsupportedMediaTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedMediaTypeError';
  }
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/** One large chart on the HTTP thread while another is evaluated: more at once only adds memory (large-body-gate.ts). */
export const LARGE_BODIES_AT_ONCE = 2;

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
}

/**
 * A body that has not arrived within `ms` gets a 408 and the connection is closed: a client that stalls
 * mid-upload must not hold a connection until Node's own five-minute limit, which closes without an answer.
 */
function bodyDeadline(ms: number): RequestHandler {
  return (req, res, next) => {
    if (req.readableEnded || !hasBody(req)) {
      next();
      return;
    }
    const timer = setTimeout(() => {
      if (res.headersSent || req.readableEnded) return;
      res.set('Connection', 'close');
      res.status(408).json({ error: 'request body not received in time', problems: [{ path: '(body)', message: `was not complete within ${ms} ms` }] });
      res.once('finish', () => req.socket.destroy());
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    req.once('end', clear);
    req.once('close', clear);
    res.once('finish', clear);
    next();
  };
}

/** The error body-parser reports for a charset it will not read (error-handler.ts: 415). */
class UnsupportedCharsetError extends Error {
  readonly type = 'charset.unsupported';
}

/**
 * body-parser's check of the raw bytes (after any Content-Encoding is undone), before they are decoded. Its decoder
 * turns bytes that are not UTF-8 into U+FFFD, so a draft order would be reviewed, and given back in an update
 * action, other than the EHR sent it: such a body is refused with 400. JSON exchanged between systems is UTF-8
 * (RFC 8259 8.1); body-parser would also decode UTF-16, UTF-32 and UTF-7 with no such check, so another charset
 * gets 415. A UTF-8 byte order mark is valid UTF-8 and is still dropped by the decoder.
 */
function utf8Only(_req: IncomingMessage, _res: unknown, body: Buffer, encoding: string | null): void {
  if (encoding !== null && encoding !== 'utf-8') throw new UnsupportedCharsetError('unsupported charset');
  if (!isUtf8(body)) throw new BadRequestError('the body is not valid UTF-8', [{ path: '(body)', message: 'holds bytes that are not UTF-8' }]);
}

export interface JsonBodyOptions {
  maxBodyBytes: number;
  /** Time to receive the body once its call is let in (BODY_TIMEOUT_MS); also the longest wait to be let in. */
  bodyTimeoutMs: number;
  largeBodiesAtOnce?: number;
}

/**
 * JSON body parsing for the CDS routes. A body with another Content-Type is refused with 415 rather
 * than read as nothing; malformed JSON and bodies over `maxBodyBytes` reach the error handler as
 * body-parser errors (400, 413), and a body that is not UTF-8 is refused (utf8Only: 400, or 415 for another charset). Large bodies pass the gate of large-body-gate.ts first, and every body must
 * arrive within `bodyTimeoutMs` (408).
 */
export function jsonBody(options: JsonBodyOptions): RequestHandler[] {
  const limitBytes = options.maxBodyBytes;
  const requireJson: RequestHandler = (req, _res, next) => {
    if (hasBody(req) && req.is(JSON_TYPES) === false) {
      next(new UnsupportedMediaTypeError('the request body must be JSON (Content-Type: application/json)'));
      return;
    }
    next();
  };
  const limitDepth: RequestHandler = (req, res, next) => {
    // The body came in after its 408 was sent: the call is over.
    if (res.headersSent) return;
    if (nestsDeeperThan(req.body, MAX_JSON_DEPTH)) {
      next(new BadRequestError('JSON nested too deeply', [{ path: '(body)', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }]));
      return;
    }
    next();
  };
  const gate = largeBodyGate({
    concurrent: options.largeBodiesAtOnce ?? LARGE_BODIES_AT_ONCE,
    maxWaitMs: options.bodyTimeoutMs,
    maxBodyBytes: limitBytes,
  });
  return [requireJson, gate, bodyDeadline(options.bodyTimeoutMs), express.json({ limit: limitBytes, type: JSON_TYPES, strict: true, verify: utf8Only }), limitDepth];
}
