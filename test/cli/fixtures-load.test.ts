import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nock from 'nock';
import type { Bundle } from 'fhir/r4.js';
import { loadFixtures, main, type Io } from '../../src/cli/fixtures-load.js';
import { startEmbeddedFhirServer } from '../../src/embedded-fhir/server.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI_FIXTURES = join(HERE, 'fixture-patients');
const EMBEDDED_FIXTURES = join(HERE, '..', 'embedded-fhir', 'fixture-patients');
const REMOTE = 'http://fhir.example.test';
const TOKEN = 's3cret-token-value';

function captureIo(env: NodeJS.ProcessEnv = {}): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env };
}

const transactionResponse = (n: number, status = '200 OK'): Bundle => ({
  resourceType: 'Bundle',
  type: 'transaction-response',
  entry: Array.from({ length: n }, () => ({ response: { status } })),
});

afterEach(() => {
  nock.cleanAll();
});

describe('fixtures:load against the embedded FHIR server', () => {
  it('loads each patient as a transaction, prints the ids, and the data is then searchable there', async () => {
    const server = await startEmbeddedFhirServer({ port: 0, fixturesDir: EMBEDDED_FIXTURES });
    try {
      expect((await fetch(`${server.baseUrl}/Patient/cli-pt-c`)).status).toBe(404);
      const io = captureIo();
      const code = await main(['--fhir', server.baseUrl, '--dir', CLI_FIXTURES], io);
      expect(code).toBe(0);
      expect(io.stdout).toEqual(['cli-pt-c']);
      expect(io.stderr.at(-1)).toBe(`Loaded 1 of 1 patients (3 resources) from ${CLI_FIXTURES} into ${server.baseUrl}`);
      const found = (await (await fetch(`${server.baseUrl}/Condition?patient=cli-pt-c`)).json()) as Bundle;
      expect(found.entry?.map((e) => e.resource?.id)).toEqual(['cli-c-cond-1', 'cli-c-cond-2']);
    } finally {
      await server.close();
    }
  });

  it('accepts a base URL with a trailing slash', async () => {
    const server = await startEmbeddedFhirServer({ port: 0, fixturesDir: EMBEDDED_FIXTURES });
    try {
      const result = await loadFixtures({ fhirBaseUrl: `${server.baseUrl}/`, dir: EMBEDDED_FIXTURES });
      expect(result.loaded.map((f) => f.patientId)).toEqual(['emb-pt-a', 'emb-pt-b']);
      expect(result.failed).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('fixtures:load against another FHIR server', () => {
  it('sends the bearer token and FHIR JSON, and never prints the token', async () => {
    const scope = nock(REMOTE, { reqheaders: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/fhir+json' } })
      .post('/r4', (body: Bundle) => body.type === 'transaction' && body.entry?.[0]?.request?.url === 'Patient/cli-pt-c')
      .reply(200, transactionResponse(3));
    const io = captureIo();
    const code = await main(['--fhir', `${REMOTE}/r4`, '--token', TOKEN, '--dir', CLI_FIXTURES], io);
    expect(code).toBe(0);
    expect(scope.isDone()).toBe(true);
    expect(io.stdout).toEqual(['cli-pt-c']);
    expect([...io.stdout, ...io.stderr].join('\n')).not.toContain(TOKEN);
  });

  it('takes the token from FHIR_TOKEN when --token is not given', async () => {
    const scope = nock(REMOTE, { reqheaders: { authorization: `Bearer ${TOKEN}` } }).post('/r4').reply(200, transactionResponse(3));
    expect(await main(['--fhir', `${REMOTE}/r4`, '--dir', CLI_FIXTURES], captureIo({ FHIR_TOKEN: TOKEN }))).toBe(0);
    expect(scope.isDone()).toBe(true);
  });

  it('sends no Authorization header without a token', async () => {
    const scope = nock(REMOTE, { badheaders: ['authorization'] }).post('/r4').reply(200, transactionResponse(3));
    expect(await main(['--fhir', `${REMOTE}/r4`, '--dir', CLI_FIXTURES], captureIo())).toBe(0);
    expect(scope.isDone()).toBe(true);
  });

  it('reports a refusal with its status and the OperationOutcome diagnostics, and exits 1', async () => {
    nock(REMOTE)
      .post('/r4')
      .reply(422, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: 'Condition.code: unknown code system' }] });
    const io = captureIo();
    expect(await main(['--fhir', `${REMOTE}/r4`, '--dir', CLI_FIXTURES], io)).toBe(1);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.join('\n')).toContain('cli-pt-c.json: refused with 422 Unprocessable Entity: Condition.code: unknown code system');
    expect(io.stderr.at(-1)).toMatch(/^Loaded 0 of 1 patients/);
  });

  it('stops at a 401, says a token may be needed, and lists the files not tried', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fixtures-load-'));
    try {
      await copyFile(join(CLI_FIXTURES, 'cli-pt-c.json'), join(dir, 'cli-pt-c.json'));
      await copyFile(join(EMBEDDED_FIXTURES, 'emb-pt-a.json'), join(dir, 'emb-pt-a.json'));
      const scope = nock(REMOTE).post('/r4').once().reply(401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', diagnostics: 'Unauthorized' }] });
      const io = captureIo();
      expect(await main(['--fhir', `${REMOTE}/r4`, '--dir', dir], io)).toBe(1);
      expect(scope.isDone()).toBe(true);
      const err = io.stderr.join('\n');
      expect(err).toContain('refused with 401 Unauthorized: Unauthorized (the server may need --token)');
      expect(err).toContain('not tried: emb-pt-a.json');
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('treats a 200 whose entries failed as a failure', async () => {
    nock(REMOTE)
      .post('/r4')
      .reply(200, {
        resourceType: 'Bundle',
        type: 'transaction-response',
        entry: [
          { response: { status: '201 Created' } },
          { response: { status: '400 Bad Request', outcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'bad subject' }] } } },
        ],
      });
    const io = captureIo();
    expect(await main(['--fhir', `${REMOTE}/r4`, '--dir', CLI_FIXTURES], io)).toBe(1);
    expect(io.stderr.join('\n')).toContain('entries failed: entry[1] 400 Bad Request: bad subject');
  });

  it('says plainly when the server cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const io = captureIo();
    expect(await main(['--fhir', `http://127.0.0.1:${port}/fhir`, '--dir', CLI_FIXTURES], io)).toBe(1);
    expect(io.stderr.join('\n')).toContain(`cli-pt-c.json: cannot reach http://127.0.0.1:${port}/fhir (ECONNREFUSED)`);
  });
});

describe('fixtures:load refuses bad input before sending anything', () => {
  it.each([
    [['--fhir', 'not a url'], /--fhir "not a url" is not a URL/],
    [['--fhir', 'ftp://fhir.example.test/r4'], /must be an http or https URL/],
    [['--fhir', `${REMOTE}/r4?x=1`], /without query or fragment/],
    [['--fhir', `http://user:pw@fhir.example.test/r4`], /must not carry credentials/],
    [[], /--fhir <base URL> is required/],
    [['--fhir', `${REMOTE}/r4`, '--colour', 'blue'], /Unknown option '--colour'/],
  ])('exits 2 on %j', async (argv, message) => {
    const scope = nock(REMOTE).post(/.*/).reply(200, transactionResponse(3));
    const io = captureIo();
    expect(await main([...argv, '--dir', CLI_FIXTURES], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(message);
    expect(io.stderr.join('\n')).not.toContain('pw@');
    expect(scope.isDone()).toBe(false);
  });

  it('exits 1 naming each unreadable or malformed file, and posts none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fixtures-load-'));
    try {
      await copyFile(join(CLI_FIXTURES, 'cli-pt-c.json'), join(dir, 'cli-pt-c.json'));
      await writeFile(join(dir, 'half.json'), '{"resourceType": "Bundle", "type": "transaction", "entry": [');
      await writeFile(join(dir, 'batch.json'), JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [] }));
      const scope = nock(REMOTE).post(/.*/).reply(200, transactionResponse(3));
      const io = captureIo();
      expect(await main(['--fhir', `${REMOTE}/r4`, '--dir', dir], io)).toBe(1);
      const err = io.stderr.join('\n');
      expect(err).toMatch(/half\.json: not valid JSON/);
      expect(err).toMatch(/batch\.json: type must be "transaction"/);
      expect(err).toMatch(/batch\.json: entry must be a non-empty array/);
      expect(scope.isDone()).toBe(false);
      expect(io.stdout).toEqual([]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('exits 1 when the folder cannot be read', async () => {
    const io = captureIo();
    expect(await main(['--fhir', `${REMOTE}/r4`, '--dir', join(tmpdir(), 'no-such-dir-4712')], io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/no-such-dir-4712: cannot read the directory \(ENOENT\)/);
  });

  it('prints usage with --help', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/usage: npm run fixtures:load -- --fhir/);
  });
});
