/**
 * A garbage collection in the service, through the V8 inspector it opens on loopback for the soak
 * (`--inspect=127.0.0.1:0`), so that memory is compared without the garbage a run happens to leave.
 * Needs a WebSocket client: Node 20 has one behind --experimental-websocket (the bench script sets it).
 */
interface Reply {
  id?: number;
  result?: { usedSize?: number; totalSize?: number };
  error?: { message?: string };
}

type WebSocketLike = {
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'message' | 'error' | 'close', listener: (event: { data?: unknown }) => void): void;
};

export function inspectorAvailable(): boolean {
  return typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';
}

/** The debugger address the service printed on stderr ("Debugger listening on ws://..."). */
export function inspectorUrl(stderr: string): string | undefined {
  return /ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+/.exec(stderr)?.[0];
}

/** Collects garbage in the service's main thread and returns its heap in use afterwards, in bytes. */
export async function collectGarbage(url: string, timeoutMs = 10_000): Promise<number> {
  const WebSocketClass = (globalThis as unknown as { WebSocket: new (url: string) => WebSocketLike }).WebSocket;
  const ws = new WebSocketClass(url);
  const replies = new Map<number, (r: Reply) => void>();
  ws.addEventListener('message', (event) => {
    const reply = JSON.parse(String(event.data)) as Reply;
    if (reply.id !== undefined) replies.get(reply.id)?.(reply);
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', (event) => reject(new Error(`cannot reach the service's inspector at ${url}: ${String((event as { message?: string }).message ?? 'connection failed')}`)));
  });
  let next = 1;
  const call = (method: string) =>
    new Promise<Reply>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => reject(new Error(`${method} timed out`)), timeoutMs);
      replies.set(id, (r) => {
        clearTimeout(timer);
        if (r.error) reject(new Error(`${method}: ${r.error.message ?? 'failed'}`));
        else resolve(r);
      });
      ws.send(JSON.stringify({ id, method }));
    });
  try {
    await opened;
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.getHeapUsage');
    return usage.result?.usedSize ?? NaN;
  } finally {
    ws.close();
  }
}
