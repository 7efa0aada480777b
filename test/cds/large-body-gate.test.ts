import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { largeBodyGate } from '../../src/cds/large-body-gate.js';

/** A request with the given headers and a response that can finish or close, as far as the gate looks at them. */
function call(headers: Record<string, string>): { req: Request; res: Response & EventEmitter; admitted: () => boolean; next: () => void } {
  const res = new EventEmitter() as Response & EventEmitter;
  let admitted = false;
  return { req: { headers } as unknown as Request, res, admitted: () => admitted, next: () => (admitted = true) };
}

const large = () => call({ 'content-length': String(2_000_000) });

describe('largeBodyGate', () => {
  it('lets small bodies through at once, however many large ones run', () => {
    const gate = largeBodyGate(1, 1000);
    const big = large();
    gate(big.req, big.res, big.next);
    const small = call({ 'content-length': '500' });
    gate(small.req, small.res, small.next);
    expect([big.admitted(), small.admitted()]).toEqual([true, true]);
  });

  it('holds large bodies beyond the limit and admits them in arrival order as calls finish', () => {
    const gate = largeBodyGate(2, 1000);
    const calls = [large(), large(), large(), call({ 'transfer-encoding': 'chunked' })];
    for (const c of calls) gate(c.req, c.res, c.next);
    expect(calls.map((c) => c.admitted())).toEqual([true, true, false, false]);
    calls[0]!.res.emit('finish');
    calls[0]!.res.emit('close'); // finish and close of one call free one place, not two
    expect(calls.map((c) => c.admitted())).toEqual([true, true, true, false]);
    calls[1]!.res.emit('close');
    expect(calls[3]!.admitted()).toBe(true);
  });

  it('drops a waiting call whose client went away, without losing its place to the next', () => {
    const gate = largeBodyGate(1, 1000);
    const [a, gone, b] = [large(), large(), large()];
    for (const c of [a, gone, b]) gate(c.req, c.res, c.next);
    gone.res.emit('close');
    a.res.emit('finish');
    expect([gone.admitted(), b.admitted()]).toEqual([false, true]);
    b.res.emit('finish');
    const c = large();
    gate(c.req, c.res, c.next);
    expect(c.admitted()).toBe(true);
  });
});
