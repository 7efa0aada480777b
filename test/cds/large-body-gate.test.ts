import { jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { beginWork, largeBodyGate, type LargeBodyGateOptions } from '../../src/cds/large-body-gate.js';

interface FakeCall {
  req: Request;
  res: Response & EventEmitter;
  admitted: () => boolean;
  answered: () => { status: number; body: unknown; headers: Record<string, string> } | undefined;
  next: () => void;
  /** The answer was sent. */
  finish: () => void;
  /** The client went away before the answer. */
  leave: () => void;
}

/** A request with the given headers and a response that can finish or close, as far as the gate looks at them. */
function call(headers: Record<string, string>): FakeCall {
  const emitter = new EventEmitter();
  let admitted = false;
  let status = 200;
  const headersSet: Record<string, string> = {};
  let answer: ReturnType<FakeCall['answered']>;
  const res = Object.assign(emitter, {
    writableFinished: false,
    locals: {},
    status(code: number) {
      status = code;
      return res;
    },
    set(h: Record<string, string>) {
      Object.assign(headersSet, h);
      return res;
    },
    json(body: unknown) {
      answer = { status, body, headers: headersSet };
      return res;
    },
  }) as unknown as Response & EventEmitter;
  return {
    req: { headers, complete: true } as unknown as Request,
    res,
    admitted: () => admitted,
    answered: () => answer,
    next: () => (admitted = true),
    finish: () => {
      (res as unknown as { writableFinished: boolean }).writableFinished = true;
      res.emit('finish');
      res.emit('close');
    },
    leave: () => res.emit('close'),
  };
}

const large = () => call({ 'content-length': String(2_000_000) });
const options = (o: Partial<LargeBodyGateOptions> = {}): LargeBodyGateOptions => ({
  concurrent: 2,
  maxWaitMs: 10_000,
  maxBodyBytes: 5_000_000,
  thresholdBytes: 1000,
  ...o,
});

describe('largeBodyGate', () => {
  afterEach(() => jest.useRealTimers());

  it('lets small bodies, and bodies the parser will refuse as too large, through at once', () => {
    const gate = largeBodyGate(options({ concurrent: 1 }));
    const calls = [large(), call({ 'content-length': '500' }), call({ 'content-length': String(6_000_000) })];
    for (const c of calls) gate(c.req, c.res, c.next);
    expect(calls.map((c) => c.admitted())).toEqual([true, true, true]);
  });

  it('holds large bodies beyond the limit and admits them in arrival order as answers are sent', () => {
    const gate = largeBodyGate(options());
    const calls = [large(), large(), large(), call({ 'transfer-encoding': 'chunked' })];
    for (const c of calls) gate(c.req, c.res, c.next);
    expect(calls.map((c) => c.admitted())).toEqual([true, true, false, false]);
    calls[0]!.finish(); // finish and close of one call free one place, not two
    expect(calls.map((c) => c.admitted())).toEqual([true, true, true, false]);
    calls[1]!.finish();
    expect(calls[3]!.admitted()).toBe(true);
  });

  it('counts a compressed body as large whatever its Content-Length: it may inflate to a large chart', () => {
    const gate = largeBodyGate(options({ concurrent: 1 }));
    const calls = [large(), call({ 'content-length': '500', 'content-encoding': 'gzip' }), call({ 'content-length': '500', 'content-encoding': 'identity' })];
    for (const c of calls) gate(c.req, c.res, c.next);
    expect(calls.map((c) => c.admitted())).toEqual([true, false, true]);
  });

  it('gives the place back when an answer is marked written but never sent (the client had closed the socket)', () => {
    const gate = largeBodyGate(options({ concurrent: 1 }));
    const [gone, b] = [large(), large()];
    for (const c of [gone!, b!]) gate(c.req, c.res, c.next);
    // What Node does for a 400 written after the client left mid-body: writableFinished, 'close', no 'finish'.
    (gone!.req as unknown as { complete: boolean }).complete = false;
    (gone!.res as unknown as { writableFinished: boolean }).writableFinished = true;
    gone!.leave();
    expect(b!.admitted()).toBe(true);
  });

  it('drops a waiting call whose client went away, without losing its place to the next', () => {
    const gate = largeBodyGate(options({ concurrent: 1 }));
    const [a, gone, b] = [large(), large(), large()];
    for (const c of [a!, gone!, b!]) gate(c.req, c.res, c.next);
    gone!.leave();
    a!.finish();
    expect([gone!.admitted(), b!.admitted()]).toEqual([false, true]);
  });

  it('keeps the place of a call whose client left mid-review until the review ends: it still takes memory', async () => {
    const gate = largeBodyGate(options({ concurrent: 1 }));
    const [a, b] = [large(), large()];
    for (const c of [a!, b!]) gate(c.req, c.res, c.next);
    const endWork = beginWork(a!.res);
    a!.leave();
    await Promise.resolve();
    expect(b!.admitted()).toBe(false);
    endWork();
    await new Promise((r) => setImmediate(r));
    expect(b!.admitted()).toBe(true);
  });

  it('gives the place back at once when the client left before its body arrived: no review ran', () => {
    const gate = largeBodyGate(options({ concurrent: 1 }));
    const [a, b] = [large(), large()];
    for (const c of [a!, b!]) gate(c.req, c.res, c.next);
    beginWork(a!.res);
    (a!.req as unknown as { complete: boolean }).complete = false;
    a!.leave();
    expect(b!.admitted()).toBe(true);
  });

  it('answers 503 with Retry-After to a call that waited too long, and forgets it', () => {
    jest.useFakeTimers();
    const gate = largeBodyGate(options({ concurrent: 1, maxWaitMs: 500 }));
    const [a, late, c] = [large(), large(), large()];
    gate(a!.req, a!.res, a!.next);
    gate(late!.req, late!.res, late!.next);
    jest.advanceTimersByTime(500);
    expect(late!.answered()).toMatchObject({ status: 503, headers: { 'Retry-After': '1', Connection: 'close' } });
    gate(c!.req, c!.res, c!.next);
    a!.finish();
    expect([late!.admitted(), c!.admitted()]).toEqual([false, true]);
  });
});
