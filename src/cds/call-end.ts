import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How a call ends for the gate and the call log: answered ('finish'), or abandoned. Abandoned is the
 * response's 'close' without 'finish' (an answer written to a connection the client had closed is marked
 * finished but emits no 'finish'), or its connection closing first: a pipelined call still queued behind
 * another gets neither event when the client goes. Exactly one of the two callbacks runs, once.
 */
export function onCallEnd(req: IncomingMessage, res: ServerResponse, on: { answered?: () => void; abandoned: () => void }): void {
  let ended = false;
  let forgetSocket: () => void = () => {};
  const end = (answered: boolean) => {
    if (ended) return;
    ended = true;
    res.off('finish', onFinish);
    res.off('close', onClose);
    forgetSocket();
    if (answered) on.answered?.();
    else on.abandoned();
  };
  const onFinish = () => end(true);
  const onClose = () => end(false);
  res.once('finish', onFinish);
  res.once('close', onClose);
  if (req.socket) forgetSocket = whenSocketCloses(req.socket, onClose);
}

/** One 'close' listener per connection, however many calls are queued on it (no listener-count warnings). */
const waiting = new WeakMap<Socket, Set<() => void>>();

function whenSocketCloses(socket: Socket, fn: () => void): () => void {
  if (socket.closed) {
    queueMicrotask(fn);
    return () => {};
  }
  const callbacks = waiting.get(socket) ?? watch(socket);
  callbacks.add(fn);
  return () => callbacks.delete(fn);
}

/**
 * The connection's one listener, made in a scope of its own: a closure shares its function's context, so a
 * listener made beside `fn` would keep the first call of every keep-alive connection (its parsed chart
 * included) alive as long as the connection (measured: about 30 MB more at the 2,000-resource benchmark).
 */
function watch(socket: Socket): Set<() => void> {
  const callbacks = new Set<() => void>();
  waiting.set(socket, callbacks);
  socket.once('close', () => {
    waiting.delete(socket);
    for (const f of callbacks) f();
  });
  return callbacks;
}
