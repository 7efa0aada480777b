import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { networkReason } from './network-reason.js';

/**
 * An EHR stand-in for integrators, to check a production deployment's client authentication end to end:
 *
 *   npm run client -- keys --iss <issuer URL> --out <folder>
 *     writes <folder>/client-private-jwk.json (keep it private) and <folder>/trusted-clients.json, the file
 *     CDS_TRUSTED_CLIENTS names, with the public key under that issuer;
 *   npm run client -- call --key <folder>/client-private-jwk.json --url <endpoint URL> [--data <request.json>] [--aud <URL>]
 *     signs a CDS Hooks client JWT for that endpoint (ES384, typ JWT, kid, iss and sub = the issuer, aud = the URL,
 *     exp in 5 minutes, a fresh jti) and calls it: GET without --data, POST with it; prints the status and the body. --aud names the
 *     endpoint as the service knows it (PUBLIC_BASE_URL + path) when the call goes round the proxy.
 */

const USAGE = `usage:
  npm run client -- keys --iss <issuer URL> --out <folder>
  npm run client -- call --key <private JWK file> --url <endpoint URL> [--data <JSON request file>] [--aud <URL>]`;

const TOKEN_SECONDS = 300;

export interface ClientKeyFile {
  iss: string;
  privateJwk: JWK;
}

export class ClientUsageError extends Error {
  override name = 'ClientUsageError';
}

function httpUrl(value: string | undefined, flag: string): string {
  try {
    const url = new URL(value ?? '');
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
  } catch {
    // reported below
  }
  throw new ClientUsageError(`${flag} must be an absolute http(s) URL`);
}

/** A new ES384 key pair for `iss`: the private key file and the trusted-clients entry for the service. */
export async function makeClientKeys(iss: string, outDir: string): Promise<{ keyFile: string; trustedClientsFile: string }> {
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  const kid = `spine-cds-test-${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
  const common = { kid, alg: 'ES384', use: 'sig' };
  mkdirSync(outDir, { recursive: true });
  const keyFile = join(outDir, 'client-private-jwk.json');
  const trustedClientsFile = join(outDir, 'trusted-clients.json');
  // 'wx': an existing key is never overwritten (the EHR stand-in's identity would silently change).
  writeFileSync(keyFile, `${JSON.stringify({ iss, privateJwk: { ...(await exportJWK(privateKey)), ...common } } satisfies ClientKeyFile, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  writeFileSync(trustedClientsFile, `${JSON.stringify([{ iss, jwks: { keys: [{ ...(await exportJWK(publicKey)), ...common }] } }], null, 2)}\n`);
  return { keyFile, trustedClientsFile };
}

/** The client JWT for one call to `url`, as CDS Hooks 2.0 asks a CDS client to send it. */
export async function clientJwt(key: ClientKeyFile, url: string, now = new Date()): Promise<string> {
  const seconds = Math.floor(now.getTime() / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: String(key.privateJwk.kid) })
    .setIssuer(key.iss)
    // CDS Hooks 2.0: sub is the client's client_id; this stand-in is known by its issuer.
    .setSubject(key.iss)
    .setAudience(url)
    .setIssuedAt(seconds)
    .setExpirationTime(seconds + TOKEN_SECONDS)
    .sign(await importJWK(key.privateJwk, 'ES384'));
}

export async function signedCall(keyFile: string, url: string, dataFile?: string, aud = url): Promise<{ status: number; body: string }> {
  const key = JSON.parse(readFileSync(keyFile, 'utf8')) as ClientKeyFile;
  if (typeof key.iss !== 'string' || typeof key.privateJwk !== 'object') throw new ClientUsageError(`${keyFile} is not a key file written by "keys"`);
  const headers: Record<string, string> = { Authorization: `Bearer ${await clientJwt(key, aud)}` };
  const init: RequestInit = dataFile === undefined ? { headers } : { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: readFileSync(dataFile, 'utf8') };
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) }).catch((err: unknown) => {
    throw new Error(`cannot reach ${url} (${networkReason(err)})`, { cause: err });
  });
  return { status: res.status, body: await res.text() };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: { iss: { type: 'string' }, out: { type: 'string' }, key: { type: 'string' }, url: { type: 'string' }, data: { type: 'string' }, aud: { type: 'string' } } });
  if (command === 'keys') {
    if (!values.out) throw new ClientUsageError('--out is required');
    if (existsSync(join(values.out, 'client-private-jwk.json'))) throw new ClientUsageError(`${join(values.out, 'client-private-jwk.json')} exists: choose another --out`);
    const { keyFile, trustedClientsFile } = await makeClientKeys(httpUrl(values.iss, '--iss').replace(/\/$/, ''), values.out);
    process.stdout.write(`private key (keep it private): ${keyFile}\nfor the service, CDS_TRUSTED_CLIENTS=${trustedClientsFile}\n`);
    return 0;
  }
  if (command === 'call') {
    if (!values.key) throw new ClientUsageError('--key is required');
    const url = httpUrl(values.url, '--url');
    const { status, body } = await signedCall(values.key, url, values.data, values.aud === undefined ? url : httpUrl(values.aud, '--aud'));
    process.stdout.write(`HTTP ${status}\n${body}\n`);
    return status < 400 ? 0 : 1;
  }
  throw new ClientUsageError(command ? `unknown command ${command}` : 'a command is required');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      if (error instanceof ClientUsageError) process.stderr.write(`${USAGE}\n`);
      process.exit(error instanceof ClientUsageError ? 2 : 1);
    },
  );
}
