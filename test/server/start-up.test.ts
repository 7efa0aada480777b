import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientToken, makeClient, trustedClientsFile, type TestClient } from '../security/support/client-tokens.js';
import { startChild, runUntilExit, stopChild, type Child } from './support/child.js';

/**
 * How the built service starts: in production with CDS client authentication on (and refusing to start
 * with it off or with no client to trust); outside production with it off, saying so loudly.
 */
const PUBLIC = 'https://cds.example.org/spine';

describe('start-up of the built service', () => {
  let dataDir: string;
  let ehr: TestClient;
  let child: Child | undefined;
  beforeAll(async () => {
    ehr = await makeClient();
  });
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'spine-cds-start-'));
  });
  afterEach(async () => {
    if (child) await stopChild(child, 'SIGKILL');
    child = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('in production, requires a token from a trusted client on the CDS routes only', async () => {
    child = await startChild({ NODE_ENV: 'production', DATA_DIR: dataDir, CDS_TRUSTED_CLIENTS: trustedClientsFile([ehr]), PUBLIC_BASE_URL: PUBLIC });
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
    const run = await runUntilExit({ NODE_ENV: 'production', DATA_DIR: dataDir, CDS_AUTH: 'off', CDS_TRUSTED_CLIENTS: trustedClientsFile([ehr]) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CDS_AUTH: CDS_AUTH=off is not allowed when NODE_ENV=production');
  });

  it('refuses to start in production with no trusted client', async () => {
    const run = await runUntilExit({ NODE_ENV: 'production', DATA_DIR: dataDir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CDS_TRUSTED_CLIENTS');
  });

  it('outside production, runs with authentication off and warns at start-up', async () => {
    child = await startChild({ NODE_ENV: 'development', DATA_DIR: dataDir, CDS_AUTH: 'off' });
    expect(child.lines[0]).toMatchObject({ level: 40, msg: expect.stringContaining('CDS_AUTH=off') });
    expect((await fetch(`${child.url}/cds-services`)).status).toBe(200);
  });
});
