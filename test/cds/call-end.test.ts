import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { onCallEnd } from '../../src/cds/call-end.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const socket = () => Object.assign(new EventEmitter(), { closed: false });
const call = (s: EventEmitter) => ({ req: { socket: s } as unknown as IncomingMessage, res: new EventEmitter() as unknown as ServerResponse & EventEmitter });

describe('onCallEnd', () => {
  it('says answered on finish, once, and nothing more when the connection closes later', () => {
    const s = socket();
    const { req, res } = call(s);
    const seen: string[] = [];
    onCallEnd(req, res, { answered: () => seen.push('answered'), abandoned: () => seen.push('abandoned') });
    res.emit('finish');
    res.emit('close');
    s.emit('close');
    expect(seen).toEqual(['answered']);
  });

  it('says abandoned on close without finish, or when the connection closes first (a queued pipelined call)', () => {
    const s = socket();
    const first = call(s);
    const queued = call(s);
    const seen: string[] = [];
    onCallEnd(first.req, first.res, { abandoned: () => seen.push('first') });
    onCallEnd(queued.req, queued.res, { abandoned: () => seen.push('queued') });
    first.res.emit('close');
    s.emit('close');
    expect(seen).toEqual(['first', 'queued']);
    expect(s.listenerCount('close')).toBe(0);
  });

  it('keeps one listener per connection however many calls it carries', () => {
    const s = socket();
    for (let i = 0; i < 50; i++) {
      const { req, res } = call(s);
      onCallEnd(req, res, { abandoned: () => {} });
      if (i % 2 === 0) res.emit('finish');
    }
    expect(s.listenerCount('close')).toBe(1);
  });

  it('holds nothing of an answered call while its keep-alive connection stays open', async () => {
    const s = socket();
    let ref: WeakRef<object> | undefined;
    (() => {
      const { req, res } = call(s);
      const chart = { resources: new Array(1000).fill('x') };
      ref = new WeakRef(chart);
      onCallEnd(req, res, { answered: () => void chart.resources.length, abandoned: () => void chart });
      res.emit('finish');
    })();
    await new Promise((r) => setImmediate(r));
    gc();
    expect(ref!.deref()).toBeUndefined();
    expect(s.listenerCount('close')).toBe(1);
  });
});
