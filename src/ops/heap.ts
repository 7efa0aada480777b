import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets a thread's heap grow past what survived its last full collection, for every thread of the
 * process (V8's flags are process-wide, so the evaluation threads follow too).
 *
 * Left to itself, V8 grows a heap by up to four times its live size when collections are cheap: under
 * load, a review's parsed chart lives for the whole call and is promoted, and the old generation swells
 * far beyond what is alive (the 2,000-resource chart of `npm run bench`: 350 to 440 MB of RSS). A fixed
 * factor keeps the heap near its live size: 100 (a factor of 2) brought that chart under 300 MB for about
 * 1% more CPU per seed call and 12% per 2,000-resource call (more full collections; README, Performance).
 * V8 reads the factor at each full collection, so setting it at start-up takes effect.
 *
 * @param percent 0 leaves V8's own adaptive factor.
 */
export function limitHeapGrowth(percent: number, set: (flags: string) => void = setFlagsFromString): void {
  if (percent > 0) set(`--heap-growing-percent=${percent}`);
}
