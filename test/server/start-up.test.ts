import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { clientToken, makeClient, trustedClientsFile, type TestClient } from '../security/support/client-tokens.js';
import { childrenPerTest, runUntilExit, stopChild } from './support/child.js';

/**
 * How the built service starts: in production with CDS client authentication on (and refusing to start
 * with it off or with no client to trust); outside production with it off, saying so loudly.
 */
const PUBLIC = 'https://cds.example.org/spine';

describe('start-up of the built service', () => {
  let ehr: TestClient;
  beforeAll(async () => {
    ehr = await makeClient();
  });
  const children = childrenPerTest('spine-cds-start-');

  it('in production, requires a token from a trusted client on the CDS routes only', async () => {
    const child = await children.start({ NODE_ENV: 'production', CDS_TRUSTED_CLIENTS: trustedClientsFile([ehr]), PUBLIC_BASE_URL: PUBLIC });
    expect(child.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('CDS client authentication required'))).toMatchObject({ level: 30 });

    const refused = await fetch(`${child.url}/cds-services`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="spine-cds"');
    const token = await clientToken(ehr, `${PUBLIC}/cds-services`);
    expect((await fetch(`${child.url}/cds-services`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    for (const path of ['/healthz', '/readyz', '/metrics', '/criteria/lumbar-fusion-criteria']) {
      expect({ path, status: (await fetch(`${child.url}${path}`)).status }).toEqual({ path, status: 200 });
    }
    expect(await stopChild(child)).toEqual({ code: 0, signal: null });
  });

  it('refuses to start in production with CDS_AUTH=off', async () => {
    const run = await runUntilExit({ NODE_ENV: 'production', PUBLIC_BASE_URL: PUBLIC, DATA_DIR: children.dataDir, CDS_AUTH: 'off', CDS_TRUSTED_CLIENTS: trustedClientsFile([ehr]) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CDS_AUTH: CDS_AUTH=off is not allowed when NODE_ENV=production');
  });

  it('refuses to start in production with no trusted client', async () => {
    const run = await runUntilExit({ NODE_ENV: 'production', PUBLIC_BASE_URL: PUBLIC, DATA_DIR: children.dataDir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CDS_TRUSTED_CLIENTS');
  });

  it('refuses to start when NODE_ENV is set but empty, rather than fall back to development with authentication off', async () => {
    const run = await runUntilExit({ NODE_ENV: '', DATA_DIR: children.dataDir, CDS_TRUSTED_CLIENTS: trustedClientsFile([ehr]) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('NODE_ENV: is set but empty');
  });

  it('with PORT=0 and no PUBLIC_BASE_URL, checks the JWT audience against the port actually bound', async () => {
    const child = await children.start({ CDS_AUTH: 'required', CDS_TRUSTED_CLIENTS: trustedClientsFile([ehr]) });
    const port = new URL(child.url).port;
    const token = await clientToken(ehr, `http://localhost:${port}/cds-services`);
    expect((await fetch(`${child.url}/cds-services`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('names DATA_DIR when it cannot hold the feedback store (here a plain file)', async () => {
    const file = path.join(children.dataDir, 'not-a-directory');
    writeFileSync(file, 'x');
    const run = await runUntilExit({ CDS_AUTH: 'off', DATA_DIR: file });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`DATA_DIR (${file}) cannot hold the feedback store`);
  });

  it('outside production, runs with authentication off and warns at start-up', async () => {
    const child = await children.start({ NODE_ENV: 'development', CDS_AUTH: 'off' });
    expect(child.lines[0]).toMatchObject({ level: 40, msg: expect.stringContaining('CDS_AUTH=off') });
    expect((await fetch(`${child.url}/cds-services`)).status).toBe(200);
  });

  it('answers 408 and closes a connection whose headers stall, within BODY_TIMEOUT_MS, not Node\'s minute', async () => {
    const child = await children.start({ CDS_AUTH: 'off', BODY_TIMEOUT_MS: '500' });
    const { port } = new URL(child.url);
    const started = Date.now();
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('POST /cds-services/lumbar-fusion-criteria HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
      let got = '';
      socket.setEncoding('utf8').on('data', (d: string) => (got += d));
      socket.on('error', reject);
      socket.on('close', () => resolve(got));
    });
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('answers headers over Node\'s bound (a 20 KB token) with a JSON 431 a browser can read, not Node\'s bare one', async () => {
    const child = await children.start({ CDS_AUTH: 'off' });
    const res = await fetch(`${child.url}/cds-services`, { headers: { Origin: 'https://sandbox.cds-hooks.org', Authorization: `Bearer ${'a'.repeat(20_000)}` } });
    expect(res.status).toBe(431);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toMatchObject({ error: 'request headers too large' });
    expect((await fetch(`${child.url}/cds-services`)).status).toBe(200);
  });
});
