import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  duration?: number;
  amount?: number;
  /** Seconds to wait for one answer (default 10). */
  timeout?: number;
  /** Called about every 200 ms while the load runs (e.g. to sample memory). */
  onSample?: () => void;
}

export interface LoadFigures {
  requests: number;
  /** Completed requests per second over the measured time. */
  rps: number;
  /** Milliseconds, from every response (not only 2xx), at microsecond resolution. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** The figures of a run from every response time (ms, any order) and the run's length in seconds. */
export function figuresOf(times: number[], seconds: number, counts: Pick<LoadFigures, 'non2xx' | 'errors' | 'timeouts'>): LoadFigures {
  times.sort((a, b) => a - b);
  return {
    requests: times.length,
    rps: round(times.length / seconds, 1),
    p50: round(percentile(times, 50), 3),
    p90: round(percentile(times, 90), 3),
    p99: round(percentile(times, 99), 3),
    max: round(times[times.length - 1] ?? NaN, 3),
    mean: round(times.reduce((s, t) => s + t, 0) / Math.max(1, times.length), 3),
    ...counts,
    seconds,
  };
}

/**
 * One autocannon run. autocannon's own histogram has a 1 ms floor, too coarse for answers of a few
 * milliseconds, so each response time is also kept here and the percentiles are computed from those.
 */
export async function runLoad(spec: LoadSpec): Promise<LoadFigures> {
  const times: number[] = [];
  let finish: (err: Error | null, result: autocannon.Result) => void = () => undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (err, result) => (err ? reject(err) : resolve(result));
  });
  const instance = autocannon({
    url: spec.url,
    method: spec.method ?? 'GET',
    connections: spec.connections,
    ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.duration ?? 10 }),
    ...(spec.body !== undefined ? { body: spec.body, headers: { 'content-type': 'application/json' } } : {}),
    timeout: spec.timeout ?? 10,
  }, (err, result) => finish(err, result));
  instance.on('response', (_client, _status, _bytes, ms) => {
    times.push(ms);
  });
  const sampler = spec.onSample ? setInterval(spec.onSample, 200) : undefined;
  try {
    const result = await finished;
    return figuresOf(times, result.duration, { non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts });
  } finally {
    if (sampler) clearInterval(sampler);
  }
}
