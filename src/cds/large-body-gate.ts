import type { RequestHandler } from 'express';

/** Bodies above this size are large charts: a seed chart's call is about 15 KB, 2,000 resources about 1 MB. */
export const LARGE_BODY_BYTES = 256 * 1024;

/**
 * Lets at most `concurrent` calls with a large body be read, parsed and reviewed at once; the others wait,
 * unread, in arrival order. A parsed chart of thousands of resources takes tens of MB of heap while its call
 * runs; eight of them at once set the process's peak memory, and every step of a review is CPU work, so
 * running more at once than the threads can work on makes no call faster. Small calls never wait.
 * A call whose client goes away while waiting leaves the queue.
 */
export function largeBodyGate(concurrent: number, thresholdBytes = LARGE_BODY_BYTES): RequestHandler {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    running--;
    const next = waiting.shift();
    if (next) next();
  };
  return (req, res, next) => {
    const length = Number(req.headers['content-length'] ?? 0);
    // A chunked body's size is unknown until read: it is treated as large.
    const large = req.headers['transfer-encoding'] !== undefined || length > thresholdBytes;
    if (!large) {
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
      res.once('finish', done);
      res.once('close', done);
      next();
    };
    if (running < concurrent) {
      admit();
      return;
    }
    const enter = () => {
      res.off('close', leave);
      admit();
    };
    const leave = () => {
      const i = waiting.indexOf(enter);
      if (i >= 0) waiting.splice(i, 1);
    };
    res.once('close', leave);
    waiting.push(enter);
  };
}
