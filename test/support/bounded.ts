import vm from 'node:vm';

/**
 * Runs `fn` and stops it after `ms`, throwing ERR_SCRIPT_EXECUTION_TIMEOUT. Jest's own timeout cannot stop code that
 * never yields: a regular expression that backtracks for a minute ends, and the test then passes. V8 interrupts a
 * script run with a timeout wherever it is, inside a regular expression too. A hang bound, not a speed test: the
 * inputs it guards take milliseconds.
 */
export function runBounded<T>(fn: () => T, ms = 5_000): T {
  return vm.runInNewContext('fn()', { fn }, { timeout: ms }) as T;
}
