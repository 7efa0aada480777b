import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** A CDS client (an EHR) with its own ES384 key pair, and the trusted-clients file naming it. */
export interface TestClient {
  iss: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeClient(iss = 'https://ehr.example.org', kid = `k-${randomUUID()}`): Promise<TestClient> {
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  return { iss, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig' } };
}

/** Writes CDS_TRUSTED_CLIENTS for these clients (inline JWKS) and returns its path. */
export function trustedClientsFile(clients: readonly TestClient[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'spine-cds-clients-')), 'trusted-clients.json');
  writeFileSync(file, JSON.stringify(clients.map((c) => ({ iss: c.iss, jwks: { keys: [c.publicJwk] } }))));
  return file;
}

/** A token for a call to `aud`, valid now; `claims` and `header` override (undefined removes a member). */
export async function clientToken(
  client: TestClient,
  aud: string,
  opts: { claims?: Record<string, unknown>; header?: Record<string, unknown>; signWith?: CryptoKey } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { iss: client.iss, aud, iat: now, exp: now + 300, jti: randomUUID(), ...opts.claims };
  const header: Record<string, unknown> = { alg: 'ES384', typ: 'JWT', kid: client.kid, ...opts.header };
  for (const o of [payload, header]) for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(opts.signWith ?? client.privateKey);
}
