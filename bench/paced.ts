import http from 'node:http';
import { figuresOf, type LoadFigures } from './load.js';

export interface PacedSpec {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  /** Calls started per second, evenly spaced. */
  rate: number;
  /** Seconds of calls. */
  duration: number;
  /** At most this many calls in flight; a call whose turn comes while all are busy waits, and its wait counts. */
  connections: number;
  /** Seconds to wait for one answer. */
  timeout: number;
}

/**
 * An open-loop load: call i starts at start + i / rate whatever the answers before it did, and its latency is
 * counted from that moment, so a slow answer delays the calls queued behind it and they show it (no coordinated
 * omission). autocannon's own rate limit sends each second's quota as a burst at the start of the second, which
 * measures the saturated service again; this measures the latency of a service given work at a steady rate.
 */
export async function runPaced(spec: PacedSpec): Promise<LoadFigures> {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const body = spec.body !== undefined ? Buffer.from(spec.body) : undefined;
  const total = Math.max(1, Math.round(spec.rate * spec.duration));
  const gap = 1000 / spec.rate;
  const times: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;

  const call = (scheduled: number) =>
    new Promise<void>((resolve) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: spec.method ?? 'GET',
          agent,
          headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {},
        },
        (res) => {
          res.resume();
          // A connection reset mid-answer ends the call as an error, never leaves it pending.
          res.on('error', () => {
            errors++;
            resolve();
          });
          res.on('end', () => {
            times.push(performance.now() - scheduled);
            if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx++;
            resolve();
          });
        },
      );
      let timedOut = false;
      req.setTimeout(spec.timeout * 1000, () => {
        timedOut = true;
        req.destroy(new Error('timeout'));
      });
      req.on('error', () => {
        if (timedOut) timeouts++;
        else errors++;
        resolve();
      });
      req.end(body);
    });

  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  let next = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && start + next * gap <= now) inFlight.push(call(start + next++ * gap));
    if (next < total) await new Promise((r) => setTimeout(r, Math.max(0, Math.min(gap, start + next * gap - performance.now()))));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return figuresOf(times, Math.round(seconds * 1000) / 1000, { non2xx, errors, timeouts });
}
