/**
 * Why a fetch failed, in a word an operator can act on: undici reports only "fetch failed" and keeps the
 * reason (ECONNREFUSED, ENOTFOUND, a certificate error) in `cause`.
 */
export function networkReason(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer in time';
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
