import { createServer, type AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { clientJwt, makeClientKeys, signedCall, type ClientKeyFile } from '../../src/cli/test-client.js';
import { childrenPerTest } from '../server/support/child.js';

const CLI = path.resolve(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'test-client.js');
const REQUEST = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'cases', 'seed-revision-fusion-inpatient', 'request.json');
const ISS = 'https://ehr.example.org';

describe('npm run client: an EHR stand-in for checking client authentication', () => {
  const children = childrenPerTest('spine-cds-client-');

  it('writes a private key file only its owner can read, and the trusted-clients file for it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'spine-cds-keys-'));
    const { keyFile, trustedClientsFile } = await makeClientKeys(ISS, dir);
    expect(statSync(keyFile).mode & 0o077).toBe(0);
    const key = JSON.parse(readFileSync(keyFile, 'utf8')) as ClientKeyFile;
    const [client] = JSON.parse(readFileSync(trustedClientsFile, 'utf8')) as { iss: string; jwks: { keys: Record<string, unknown>[] } }[];
    expect(client!.iss).toBe(ISS);
    expect(client!.jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', kid: key.privateJwk.kid });
    expect(client!.jwks.keys[0]).not.toHaveProperty('d');
    await expect(makeClientKeys(ISS, dir)).rejects.toThrow(/EEXIST/);
    expect(JSON.parse(readFileSync(keyFile, 'utf8'))).toEqual(key);
  });

  it('says why a service cannot be reached, not only "fetch failed"', async () => {
    const { keyFile } = await makeClientKeys(ISS, mkdtempSync(path.join(tmpdir(), 'spine-cds-keys-')));
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    await expect(signedCall(keyFile, `http://127.0.0.1:${closed}/cds-services`)).rejects.toThrow(`cannot reach http://127.0.0.1:${closed}/cds-services (ECONNREFUSED)`);
  });

  it('signs tokens as CDS Hooks asks: ES384, typ JWT, kid, aud the endpoint, five minutes, a fresh jti', async () => {
    const { keyFile } = await makeClientKeys(ISS, mkdtempSync(path.join(tmpdir(), 'spine-cds-keys-')));
    const key = JSON.parse(readFileSync(keyFile, 'utf8')) as ClientKeyFile;
    const url = 'https://cds.example.org/cds-services';
    const [a, b] = [await clientJwt(key, url, new Date('2026-11-24T10:00:00Z')), await clientJwt(key, url, new Date('2026-11-24T10:00:00Z'))];
    expect(decodeProtectedHeader(a)).toEqual({ alg: 'ES384', typ: 'JWT', kid: key.privateJwk.kid });
    expect(decodeJwt(a)).toMatchObject({ iss: ISS, sub: ISS, aud: url, iat: 1795514400, exp: 1795514700 });
    expect(decodeJwt(a).jti).not.toBe(decodeJwt(b).jti);
  });

  it('passes a production service\'s client authentication with the keys it made, from the command line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'spine-cds-keys-'));
    await promisify(execFile)(process.execPath, [CLI, 'keys', '--iss', ISS, '--out', dir]);
    const PUBLIC = 'https://cds.example.org/spine';
    const child = await children.start({ NODE_ENV: 'production', CDS_TRUSTED_CLIENTS: path.join(dir, 'trusted-clients.json'), PUBLIC_BASE_URL: PUBLIC, FHIR_SERVER_ALLOWLIST: 'http://127.0.0.1:9/fhir' });
    const keyFile = path.join(dir, 'client-private-jwk.json');
    // Called round the proxy: the token names the endpoint by its public URL.
    expect((await signedCall(keyFile, `${child.url}/cds-services`, undefined, `${PUBLIC}/cds-services`)).status).toBe(200);
    expect((await signedCall(keyFile, `${child.url}/cds-services`)).status).toBe(401);
    const hook = '/cds-services/lumbar-fusion-criteria';
    const call = await promisify(execFile)(process.execPath, [CLI, 'call', '--key', keyFile, '--url', `${child.url}${hook}`, '--aud', `${PUBLIC}${hook}`, '--data', REQUEST]).catch((e: { stdout: string }) => e);
    // Authenticated: the request then fails on its fhirServer (not allowlisted here), not on the token.
    expect(call.stdout).toMatch(/^HTTP 412\n/);
    expect((await fetch(`${child.url}/cds-services`)).status).toBe(401);
  });
});
