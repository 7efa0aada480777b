import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export const NOW_MS = Date.parse('2026-11-23T12:00:00Z');
export const NOW = Math.floor(NOW_MS / 1000);
export const BASE = 'https://cds.example.org';
export const SERVICE_URL = `${BASE}/cds-services/lumbar-fusion-criteria`;
export const DISCOVERY_URL = `${BASE}/cds-services`;
export const EHR = 'https://ehr.example.org';

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(alg: 'ES384' | 'RS384' | 'ES256' | 'RS256', kid = `${alg.toLowerCase()}-key`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk };
}

let counter = 0;
export const freshJti = () => `jti-${++counter}-${Math.random().toString(36).slice(2)}`;

export interface TokenOptions {
  key: TestKey;
  /** Header values to set (undefined members are left out). */
  header?: Record<string, unknown>;
  /** Claims merged over the defaults; a member set to undefined is removed. */
  claims?: Record<string, unknown>;
}

/** A CDS client token for SERVICE_URL from EHR, valid at NOW, with the overrides given. */
export async function signToken({ key, header = {}, claims = {} }: TokenOptions): Promise<string> {
  const payload: Record<string, unknown> = { iss: EHR, aud: SERVICE_URL, iat: NOW - 5, exp: NOW + 300, jti: freshJti(), ...claims };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  const protectedHeader: Record<string, unknown> = { alg: key.alg, typ: 'JWT', kid: key.kid, ...header };
  for (const k of Object.keys(protectedHeader)) if (protectedHeader[k] === undefined) delete protectedHeader[k];
  return new SignJWT(payload as JWTPayload).setProtectedHeader(protectedHeader as { alg: string }).sign(key.privateKey);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with any header and payload and the given signature bytes, for algorithms jose refuses to produce. */
export function rawToken(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  return `${b64url(header)}.${b64url(payload)}.${signature}`;
}

export function defaultClaims(): Record<string, unknown> {
  return { iss: EHR, aud: SERVICE_URL, iat: NOW - 5, exp: NOW + 300, jti: freshJti() };
}
