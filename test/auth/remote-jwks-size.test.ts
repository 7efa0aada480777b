/**
 * Remote JWK Sets from a loopback server: a set larger than the bound is refused without being read whole,
 * however it is sent (declared length, chunked without end, compressed), and the timeout and the refusal
 * of redirects still hold.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { parseTrustedClients } from '../../src/auth/trusted-clients.js';
import { createJwtVerifier, type JwtVerifierOptions } from '../../src/auth/verify-jwt.js';
import { AuthenticationError } from '../../src/errors.js';
import { EHR, NOW_MS, SERVICE_URL, makeKey, signToken, type TestKey } from './helpers.js';

let key: TestKey;
let server: Server;
let base = '';
const hits: string[] = [];
/** Bytes the server managed to send per path before the client stopped reading. */
const sent = new Map<string, number>();

function pump(res: ServerResponse, path: string, chunk: Buffer, times: number, end?: string): void {
  let n = 0;
  const next = () => {
    while (n < times) {
      n++;
      sent.set(path, (sent.get(path) ?? 0) + chunk.length);
      if (!res.write(chunk)) return void res.once('drain', next);
    }
    res.end(end);
  };
  res.on('close', () => (n = times));
  next();
}

beforeAll(async () => {
  key = await makeKey('ES384');
  const set = JSON.stringify({ keys: [key.publicJwk] });
  // 5 MB of whitespace before the set, compressed to a few KB.
  const bomb = gzipSync(Buffer.concat([Buffer.alloc(5 * 1024 * 1024, 0x20), Buffer.from(set)]));
  server = createServer((req, res) => {
    const path = req.url ?? '';
    hits.push(path);
    const json = { 'Content-Type': 'application/json' };
    if (path === '/jwks') return void res.writeHead(200, json).end(set);
    // Under the bound: whitespace padding is valid JSON.
    if (path === '/padded') return void res.writeHead(200, json).end(`${' '.repeat(200 * 1024)}${set}`);
    if (path === '/declared') return void res.writeHead(200, { ...json, 'Content-Length': String(10 * 1024 * 1024) }).end(' '.repeat(1024));
    // 200 MB of whitespace before the set, chunked, as fast as loopback takes it.
    if (path === '/endless') return void (res.writeHead(200, json), pump(res, path, Buffer.alloc(1 << 20, 0x20), 200, set));
    if (path === '/gzip-bomb') {
      return void res.writeHead(200, { ...json, 'Content-Encoding': 'gzip' }).end(bomb);
    }
    // A byte every 50 ms: never too large, never done in time.
    if (path === '/trickle') {
      res.writeHead(200, json);
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (path === '/redirect') return void res.writeHead(302, { Location: '/jwks' }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function verifierFor(path: string, remote: JwtVerifierOptions['remote'] = {}) {
  const clients = parseTrustedClients(JSON.stringify([{ iss: EHR, jwksUrl: `${base}${path}` }]), 'test');
  return createJwtVerifier({ clients, now: () => NOW_MS, remote });
}

async function outcome(path: string, remote?: JwtVerifierOptions['remote']): Promise<string> {
  const token = await signToken({ key });
  try {
    await verifierFor(path, remote).verify(`Bearer ${token}`, SERVICE_URL);
    return 'accepted';
  } catch (err) {
    expect(err).toBeInstanceOf(AuthenticationError);
    return (err as AuthenticationError).reason;
  }
}

it('accepts a key set within the bound, padding included', async () => {
  expect(await outcome('/jwks')).toBe('accepted');
  expect(await outcome('/padded')).toBe('accepted');
  expect(await outcome('/padded', { maxBytes: 100 * 1024 })).toBe('jwks-unavailable');
});

it('refuses a key set that declares more than 256 KB at once, without reading it', async () => {
  const started = Date.now();
  expect(await outcome('/declared')).toBe('jwks-unavailable');
  // Not by waiting for the 2 s timeout on the body the server never finishes.
  expect(Date.now() - started).toBeLessThan(1000);
});

it('stops reading an endless key set soon after 256 KB, and refuses the token as for an unreachable set', async () => {
  const before = process.memoryUsage().rss;
  const started = Date.now();
  expect(await outcome('/endless')).toBe('jwks-unavailable');
  expect(Date.now() - started).toBeLessThan(1500);
  // Socket buffers let the server write a little more than was read, never the 200 MB.
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(sent.get('/endless')!).toBeLessThan(32 * 1024 * 1024);
  expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
});

it('bounds the decompressed size, not the compressed one', async () => {
  expect(await outcome('/gzip-bomb')).toBe('jwks-unavailable');
});

it('still times out a body that trickles in, and still does not follow redirects', async () => {
  const started = Date.now();
  expect(await outcome('/trickle', { timeoutMs: 300 })).toBe('jwks-unavailable');
  expect(Date.now() - started).toBeLessThan(1500);
  hits.length = 0;
  expect(await outcome('/redirect')).toBe('jwks-unavailable');
  expect(hits).toEqual(['/redirect']);
});
