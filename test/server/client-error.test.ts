import { once } from 'node:events';
import { createServer, maxHeaderSize, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerClientErrors } from '../../src/client-error.js';
import { buildTestApp, type TestApp } from '../cds/support/app-fixture.js';
import { loopbackOnly } from '../support/loopback-only.js';
import { rawExchange } from '../support/raw-http.js';

/**
 * Requests Node refuses before express sees them: headers over its bound get a 431 a browser client can read
 * (the service's JSON error shape, the CORS headers of every other answer); anything else Node's own answer.
 */
describe('answers to requests Node cannot take (clientError)', () => {
  loopbackOnly();
  let t: TestApp;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    t = await buildTestApp();
    server = createServer(t.app);
    answerClientErrors(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  /** Writes `bytes` on a fresh connection; resolves with all that comes back once the server closes it. */
  const exchange = async (bytes: string): Promise<string> => (await rawExchange(port, bytes)).text;

  function split(text: string): { status: string; headers: Record<string, string>; body: string } {
    const [head, body] = text.split('\r\n\r\n', 2) as [string, string];
    const [status, ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    return { status: status!, headers, body };
  }

  const token = 'a'.repeat(20_000);

  it.each([
    ['with an Origin', 'Origin: https://sandbox.cds-hooks.org\r\n'],
    ['without one', ''],
  ])('answers a 20 KB Authorization header (%s) with a JSON 431 carrying the CORS headers, and closes the connection', async (_name, origin) => {
    const text = await exchange(`GET /cds-services HTTP/1.1\r\nHost: 127.0.0.1\r\n${origin}Authorization: Bearer ${token}\r\n\r\n`);
    const { status, headers, body } = split(text);
    expect(status).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'X-Request-Id,WWW-Authenticate,Retry-After,Allow',
      connection: 'close',
    });
    expect(Number(headers['content-length'])).toBe(Buffer.byteLength(body));
    expect(JSON.parse(body)).toEqual({
      error: 'request headers too large',
      problems: [{ path: '(headers)', message: `are over the ${maxHeaderSize} bytes the server reads (an Authorization token this long cannot be read)` }],
    });
    expect(body).not.toContain('aaaa');
  });

  it('lets a fetch client (as a browser) read the 431 and its reason', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/cds-services`, { headers: { Origin: 'https://sandbox.cds-hooks.org', Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(431);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(((await res.json()) as { error: string }).error).toBe('request headers too large');
  });

  it.each([
    ['malformed HTTP', 'NOT HTTP AT ALL\r\n\r\n'],
    ['a bad header line', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'],
  ])('answers %s as Node does without a handler: a bare 400, connection closed', async (_name, bytes) => {
    expect(await exchange(bytes)).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  it('keeps serving after refusing', async () => {
    await exchange(`GET /cds-services HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    expect((await fetch(`http://127.0.0.1:${port}/cds-services`)).status).toBe(200);
  });
});
