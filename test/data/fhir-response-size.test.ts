import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolvePatientRecord, type DataAccessConfig } from '../../src/data/patient-record.js';
import { readPrefetch } from '../../src/data/prefetch.js';
import { UpstreamError } from '../../src/errors.js';
import { loopbackOnly } from '../support/loopback-only.js';

/**
 * FHIR_MAX_RESPONSE_BYTES against a real HTTP server on loopback (not nock): the answers of one call must be
 * refused as soon as they pass the bound, whether the server announces a size or streams without end, and the
 * connections dropped rather than the rest read.
 */
const MAX = 256 * 1024;
const chunk = Buffer.alloc(64 * 1024, ' ');

type Handler = (res: http.ServerResponse, req: http.IncomingMessage) => void;
let handler: Handler = (res) => res.end();
let closed: Promise<void> = Promise.resolve();
let server: http.Server;
let base = '';

loopbackOnly();
beforeAll(async () => {
  server = http.createServer((req, res) => {
    closed = new Promise((resolve) => res.on('close', resolve));
    handler(res, req);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/r4`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const config = (): DataAccessConfig => ({
  NODE_ENV: 'test',
  FHIR_SERVER_ALLOWLIST: [base],
  FHIR_MAX_RESOURCES_PER_TYPE: 100,
  FHIR_MAX_RESPONSE_BYTES: MAX,
  // Far longer than the answer may take: a refusal before it is the bound's, not the timeout's.
  FHIR_REQUEST_TIMEOUT_MS: 10_000,
});

/** Conditions left out, to be read from the server, and observations too with `andObservations`. */
const prefetched = (andObservations = false) =>
  readPrefetch({
    patient: { resourceType: 'Patient', id: 'pt-1' },
    procedures: null,
    ...(andObservations ? {} : { observations: null }),
    imagingStudies: null,
    diagnosticReports: null,
  });

async function readConditions(andObservations = false): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await resolvePatientRecord({ patientId: 'pt-1', fhirServer: base, prefetched: prefetched(andObservations) }, config(), Date.now() + 15_000);
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('the record was read');
}

/** Writes the start of a searchset, then blanks (valid JSON whitespace) until the client hangs up. */
function endless(res: http.ServerResponse): void {
  res.write('{"resourceType":"Bundle","type":"searchset","entry":[');
  const more = () => {
    if (!res.destroyed && res.write(chunk)) setImmediate(more);
    else if (!res.destroyed) res.once('drain', more);
  };
  more();
}

describe('FHIR_MAX_RESPONSE_BYTES', () => {
  it('refuses a streamed answer once it passes the bound, and stops reading it', async () => {
    handler = (res) => {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      endless(res);
    };
    const { error, ms } = await readConditions();
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ reason: 'too-large' });
    expect(ms).toBeLessThan(5000);
    // The service hung up: the server sees its response closed instead of writing on for ever.
    await closed;
  });

  it('refuses an answer whose Content-Length is over the bound before its body comes', async () => {
    handler = (res) => {
      res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-length': String(MAX + 1) });
      // Headers only: the body never comes, so only the announced size can end the read early.
      res.flushHeaders();
    };
    const { error, ms } = await readConditions();
    expect(error).toMatchObject({ reason: 'too-large' });
    expect(ms).toBeLessThan(5000);
    await closed;
  });

  it('bounds the answers of one call together while they stream, each under the bound and none complete', async () => {
    const paths: string[] = [];
    const open: Promise<void>[] = [];
    handler = (res, req) => {
      paths.push(new URL(req.url ?? '', base).pathname);
      open.push(new Promise((resolve) => res.on('close', resolve)));
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      // Then nothing: counted only once whole, neither answer would ever be, and the reads would end in a timeout.
      res.write(`{"resourceType":"Bundle","type":"searchset","entry":[${' '.repeat(MAX * 0.6)}`);
    };
    const { error, ms } = await readConditions(true);
    expect(error).toMatchObject({ reason: 'too-large' });
    expect(ms).toBeLessThan(5000);
    expect(paths.sort()).toEqual(['/r4/Condition', '/r4/Observation']);
    // Both hung up on: the one that passed the budget, and the other, cut short with it.
    await Promise.all(open);
  });

  it('reads an answer of just the bound', async () => {
    const body = JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [] });
    const padded = body + ' '.repeat(MAX - Buffer.byteLength(body));
    handler = (res) => {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(padded);
    };
    const record = await resolvePatientRecord({ patientId: 'pt-1', fhirServer: base, prefetched: prefetched() }, config(), Date.now() + 15_000);
    expect(record.conditions).toEqual([]);
  });
});
