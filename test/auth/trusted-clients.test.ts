import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../src/config.js';
import { SANDBOX_ISSUER, SANDBOX_JKU, loadTrustedClients, parseTrustedClients } from '../../src/auth/trusted-clients.js';
import { makeKey, type TestKey } from './helpers.js';

let ec: TestKey;
let rsa: TestKey;
beforeAll(async () => {
  [ec, rsa] = await Promise.all([makeKey('ES384'), makeKey('RS384')]);
});

const FILE = '/etc/spine-cds/clients.json';
function load(content: unknown, nodeEnv: 'production' | 'development' | 'test' = 'production') {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  return loadTrustedClients({ NODE_ENV: nodeEnv, CDS_TRUSTED_CLIENTS: FILE }, (path) => {
    expect(path).toBe(FILE);
    return text;
  });
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    for (const p of problems) expect(p).toContain(`CDS_TRUSTED_CLIENTS (${FILE})`);
    return problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loading CDS_TRUSTED_CLIENTS', () => {
  it('reads inline and URL clients, normalising URLs', () => {
    const clients = load([
      { iss: 'https://ehr-a.example.org', jwks: { keys: [ec.publicJwk, rsa.publicJwk] } },
      { iss: 'https://ehr-b.example.org', jwksUrl: 'https://KEYS.ehr-b.example.org/jwks', jkuAllowlist: ['https://keys.ehr-b.example.org:443/jwks2'] },
      { iss: 'local-ehr', jwksUrl: 'http://127.0.0.1:8080/jwks' },
    ]);
    expect(clients).toEqual([
      { iss: 'https://ehr-a.example.org', jwks: { keys: [ec.publicJwk, rsa.publicJwk] }, jkuAllowlist: [] },
      { iss: 'https://ehr-b.example.org', jwksUrl: 'https://keys.ehr-b.example.org/jwks', jkuAllowlist: ['https://keys.ehr-b.example.org/jwks2'] },
      { iss: 'local-ehr', jwksUrl: 'http://127.0.0.1:8080/jwks', jkuAllowlist: [] },
    ]);
  });

  it('accepts an empty list', () => {
    expect(load([])).toEqual([]);
  });

  it('refuses private key material', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'k' };
    const problems = problemsOf(() => load([{ iss: 'x', jwks: { keys: [privateJwk] } }]));
    expect(problems).toEqual([expect.stringContaining('clients[0].jwks.keys[0]: private key material ("d")')]);
  });

  it('refuses symmetric keys', () => {
    const problems = problemsOf(() => load([{ iss: 'x', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'k' }] } }]));
    expect(problems).toEqual([expect.stringContaining('symmetric keys (kty "oct") are not allowed')]);
  });

  it('refuses weak, invalid or unusable keys', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weak = { ...publicKey.export({ format: 'jwk' }), kid: 'weak' };
    const problems = problemsOf(() =>
      load([
        {
          iss: 'x',
          jwks: {
            keys: [
              weak,
              { ...ec.publicJwk, kid: 'broken', x: 'AAAA' },
              { ...ec.publicJwk, kid: 'enc', use: 'enc' },
              { ...ec.publicJwk, kid: undefined },
              { ...ec.publicJwk, kid: 'hs', alg: 'HS256' },
              { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'ed' },
            ],
          },
        },
      ]),
    );
    expect(problems.join('\n')).toMatch(/keys\[0\]: RSA keys must be at least 2048 bits/);
    expect(problems.join('\n')).toMatch(/keys\[1\]: not a valid public key/);
    expect(problems.join('\n')).toMatch(/keys\[2\]: use must be "sig"/);
    expect(problems.join('\n')).toMatch(/keys\[3\]: kid is required/);
    expect(problems.join('\n')).toMatch(/keys\[4\]: alg must be one of/);
    expect(problems.join('\n')).toMatch(/keys\[5\]: kty must be "EC" or "RSA"/);
  });

  it('needs exactly one key source, https URLs, unique issuers and kids, and known fields only', () => {
    const problems = problemsOf(() =>
      load([
        { iss: 'a' },
        { iss: 'b', jwks: { keys: [ec.publicJwk] }, jwksUrl: 'https://keys.example.org/jwks' },
        { iss: 'c', jwksUrl: 'http://keys.example.org/jwks' },
        { iss: 'd', jwksUrl: 'https://keys.example.org/jwks', jkuAllowlist: ['https://user:pw@keys.example.org/jwks', 'not a url'] },
        { iss: 'e', jwks: { keys: [ec.publicJwk, { ...rsa.publicJwk, kid: ec.kid }] } },
        { iss: 'e', jwks_url: 'https://keys.example.org/jwks' },
        { jwksUrl: 'https://keys.example.org/jwks' },
      ]),
    ).join('\n');
    expect(problems).toMatch(/clients\[0\]: give exactly one of "jwks" \(inline public keys\) or "jwksUrl"/);
    expect(problems).toMatch(/clients\[1\]: give exactly one of/);
    expect(problems).toMatch(/clients\[2\]\.jwksUrl: must be an https URL/);
    expect(problems).toMatch(/clients\[3\]\.jkuAllowlist\[0\]: must not contain credentials/);
    expect(problems).toMatch(/clients\[3\]\.jkuAllowlist\[1\]: not a URL/);
    expect(problems).toMatch(/clients\[4\]\.jwks\.keys\[1\]\.kid: duplicate kid/);
    expect(problems).toMatch(/clients\[5\]: Unrecognized key: "jwks_url"/);
    expect(problems).toMatch(/clients\[6\]\.iss/);
  });

  it('refuses the same issuer twice', () => {
    const entry = { iss: 'https://ehr.example.org', jwksUrl: 'https://keys.example.org/jwks' };
    expect(problemsOf(() => load([entry, entry]))).toEqual([expect.stringContaining('clients[1].iss: duplicate iss "https://ehr.example.org"')]);
  });

  it('reports a file that is not JSON, not a list, or missing', () => {
    expect(problemsOf(() => load('{"iss": '))[0]).toMatch(/not valid JSON/);
    expect(problemsOf(() => load({ iss: 'x', jwksUrl: 'https://k.example.org' }))[0]).toMatch(/CDS_TRUSTED_CLIENTS \(.*\): clients: /);
    const err = (() => {
      try {
        loadTrustedClients({ NODE_ENV: 'production', CDS_TRUSTED_CLIENTS: '/nonexistent/spine-cds-clients.json' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/CDS_TRUSTED_CLIENTS \(\/nonexistent\/spine-cds-clients\.json\): cannot read the file: ENOENT/);
  });
});

describe('the CDS Hooks Sandbox', () => {
  const shipped = JSON.parse(readFileSync(new URL('../../src/auth/sandbox-jwks.json', import.meta.url), 'utf8'));

  it('is trusted out of the box outside production, with its inline key and its jku allowed', () => {
    for (const env of ['development', 'test'] as const) {
      const clients = loadTrustedClients({ NODE_ENV: env });
      expect(clients).toEqual([{ iss: SANDBOX_ISSUER, jwks: shipped, jkuAllowlist: [SANDBOX_JKU] }]);
    }
    expect(shipped.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', kid: '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f' });
    expect(shipped.keys[0]).not.toHaveProperty('d');
  });

  it('is not added to a clients file in any environment: exactly the listed clients are trusted', () => {
    for (const env of ['development', 'test', 'production'] as const) {
      expect(load([{ iss: 'https://ehr.example.org', jwks: { keys: [ec.publicJwk] } }], env).map((c) => c.iss)).toEqual(['https://ehr.example.org']);
      expect(load([], env)).toEqual([]);
    }
  });

  it('is trusted beside a clients file only when the file lists it, with the key the file gives', () => {
    const onPurpose = load([{ iss: 'https://ehr.example.org', jwks: { keys: [ec.publicJwk] } }, { iss: SANDBOX_ISSUER, jwks: shipped, jkuAllowlist: [SANDBOX_JKU] }], 'development');
    expect(onPurpose.map((c) => c.iss)).toEqual(['https://ehr.example.org', SANDBOX_ISSUER]);
    const replaced = load([{ iss: SANDBOX_ISSUER, jwks: { keys: [ec.publicJwk] } }], 'development');
    expect(replaced).toEqual([{ iss: SANDBOX_ISSUER, jwks: { keys: [ec.publicJwk] }, jkuAllowlist: [] }]);
  });

  it('is not trusted in production', () => {
    expect(loadTrustedClients({ NODE_ENV: 'production' })).toEqual([]);
    expect(load([{ iss: 'https://ehr.example.org', jwks: { keys: [ec.publicJwk] } }], 'production').map((c) => c.iss)).toEqual(['https://ehr.example.org']);
  });

  it('is refused in production even when a clients file lists it: its private key is published', () => {
    const ehr = { iss: 'https://ehr.example.org', jwks: { keys: [ec.publicJwk] } };
    const { kid: _kid, ...sandboxKey } = shipped.keys[0]!;
    for (const listed of [
      { iss: SANDBOX_ISSUER, jwks: shipped, jkuAllowlist: [SANDBOX_JKU] },
      { iss: `${SANDBOX_ISSUER}/`, jwks: { keys: [ec.publicJwk] } },
      // The Sandbox's key under another issuer and kid, or its key set by URL, is the Sandbox all the same.
      { iss: 'https://staging.example.org', jwks: { keys: [{ ...sandboxKey, kid: 'staging-1' }] } },
      { iss: 'https://staging.example.org', jwksUrl: SANDBOX_JKU },
    ]) {
      const problems = problemsOf(() => load([ehr, listed], 'production'));
      expect([listed, problems]).toEqual([listed, [expect.stringMatching(/private key is published: anyone could call as it\. Production refuses it/)]]);
      expect(load([ehr, listed], 'development').map((c) => c.iss)).toEqual([ehr.iss, listed.iss]);
    }
  });

  it('parses a list given as text with its source named', () => {
    expect(() => parseTrustedClients('[{}]', 'somewhere')).toThrow(/somewhere: clients\[0\]\.iss/);
  });
});
