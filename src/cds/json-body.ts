import express, { type RequestHandler } from 'express';
import { BadRequestError } from '../errors.js';

/** Far deeper than any FHIR resource nests; deeper bodies are hostile and would strain recursive readers. */
export const MAX_JSON_DEPTH = 100;

/** The nesting depth of a parsed JSON value, counted without recursion so hostile input cannot overflow the stack. */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** The body is not JSON (wrong Content-Type): 415. */
export class UnsupportedMediaTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedMediaTypeError';
  }
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * JSON body parsing for the CDS routes. A body with another Content-Type is refused with 415 rather
 * than read as nothing; malformed JSON and bodies over `limitBytes` reach the error handler as
 * body-parser errors (400, 413).
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    if (hasBody && req.is(JSON_TYPES) === false) {
      next(new UnsupportedMediaTypeError('the request body must be JSON (Content-Type: application/json)'));
      return;
    }
    next();
  };
  const limitDepth: RequestHandler = (req, _res, next) => {
    if (jsonDepth(req.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      next(new BadRequestError('JSON nested too deeply', [{ path: '(body)', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }]));
      return;
    }
    next();
  };
  return [requireJson, express.json({ limit: limitBytes, type: JSON_TYPES, strict: true }), limitDepth];
}
