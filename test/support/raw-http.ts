import { connect } from 'node:net';

/**
 * Writes `bytes` on a fresh loopback connection and resolves, once the server closes it, with all that came back and
 * how long that took: for what supertest cannot send (a body that stalls, headers past Node's bound).
 */
export function rawExchange(port: number, bytes: string): Promise<{ text: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.setEncoding('utf8').on('data', (d: string) => (text += d));
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, ms: Date.now() - started }));
  });
}
