import type { RequestHandler, Response } from 'express';
import { onCallEnd } from './call-end.js';

/** Bodies above this size are large charts: a seed chart's call is about 15 KB, 2,000 resources about 1 MB. */
export const LARGE_BODY_BYTES = 256 * 1024;

export interface LargeBodyGateOptions {
  /** Calls with a large body read, parsed and reviewed at once. */
  concurrent: number;
  /** Longest wait for a place; a call still waiting then gets 503 with Retry-After. */
  maxWaitMs: number;
  /** Bodies larger than this are refused by the parser (413) without taking a place. */
  maxBodyBytes: number;
  thresholdBytes?: number;
}

const WORK = 'largeBodyGateWork';

/**
 * Marks the start of a route's work on a call; the function it returns marks the end (call it in `finally`).
 * A call whose client left keeps its place in the gate until then, since its review still takes memory and CPU.
 */
export function beginWork(res: Response): () => void {
  let end: () => void = () => {};
  res.locals[WORK] = new Promise<void>((resolve) => (end = resolve));
  return end;
}

/**
 * Lets at most `concurrent` calls with a large body be read, parsed and reviewed at once; the others wait,
 * unread, in arrival order. A parsed chart of thousands of resources takes tens of MB of heap while its call
 * runs; eight of them at once set the process's peak memory, and every step of a review is CPU work, so
 * running more at once than the threads can work on makes no call faster. Small calls never wait; a chunked
 * or compressed body, whose size is unknown until read, counts as large.
 * A place is given back when the answer is sent. When the client goes away first, a review under way goes
 * on until it ends (or its deadline stops it): the place is kept until the route says its work is over
 * (`beginWork`); a call whose body never fully arrived had no review, and gives its place back at once.
 * A call that waits longer than `maxWaitMs` is answered 503 (before Node's own request timeout cuts it
 * without an answer); one whose client leaves while waiting leaves the queue.
 */
export function largeBodyGate(options: LargeBodyGateOptions): RequestHandler {
  const threshold = options.thresholdBytes ?? LARGE_BODY_BYTES;
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    running--;
    const next = waiting.shift();
    if (next) next();
  };
  return (req, res, next) => {
    const length = Number(req.headers['content-length'] ?? 0);
    // Chunked, or compressed (a 55 KB gzip body can inflate to a 5 MB chart): the size that matters is unknown.
    const encoding = req.headers['content-encoding']?.trim().toLowerCase();
    const sizeUnknown = req.headers['transfer-encoding'] !== undefined || (encoding !== undefined && encoding !== '' && encoding !== 'identity');
    if ((!sizeUnknown && length <= threshold) || length > options.maxBodyBytes) {
      next();
      return;
    }
    const admit = () => {
      running++;
      let released = false;
      const done = () => {
        if (released) return;
        released = true;
        release();
      };
      onCallEnd(req, res, {
        answered: done,
        abandoned: () => {
          const work = res.locals[WORK] as Promise<void> | undefined;
          if (work && req.complete) void work.finally(done);
          else done();
        },
      });
      next();
    };
    if (running < options.concurrent) {
      admit();
      return;
    }
    const timer = setTimeout(() => {
      leave();
      // The body was never read: the connection closes rather than carry it into the next request.
      res.set({ 'Retry-After': '1', Connection: 'close' });
      res.status(503).json({ error: 'busy: too many large charts are being reviewed; retry shortly' });
    }, options.maxWaitMs);
    timer.unref();
    const enter = () => {
      clearTimeout(timer);
      res.off('close', leave);
      admit();
    };
    const leave = () => {
      clearTimeout(timer);
      const i = waiting.indexOf(enter);
      if (i >= 0) waiting.splice(i, 1);
    };
    res.once('close', leave);
    waiting.push(enter);
  };
}
