import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { isLoopbackHost } from '../loopback-host.js';
import { FixtureError, readFixtureBundles } from './fixture-files.js';

const FHIR_BASE_PATH = '/fhir';

export interface EmbeddedFhirServerOptions {
  /** Loopback only (127.0.0.0/8, ::1 or localhost); anything else is refused. Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Folder of `<patientId>.json` transaction Bundles, all loaded at start. */
  fixturesDir: string;
  /** Delay added to every answer, to stand in for a remote server in the benchmark. */
  latencyMs?: number;
  logger?: Logger;
}

export interface EmbeddedFhirServer {
  /** e.g. `http://127.0.0.1:8090/fhir` */
  baseUrl: string;
  /** Ids of the fixture patients loaded at start, in file-name order. */
  patientIds: string[];
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new Error(`embedded FHIR server cannot listen on ${host}:${port} (EMBEDDED_FHIR_PORT): ${err.code ?? err.message}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Starts a FHIR R4 server on loopback holding every fixture patient: Medplum's FhirRouter over its in-memory
 * repository, served over node http at `/fhir`. Start-up is dominated by indexing the R4 search parameters
 * (tens of milliseconds); Medplum is imported only here, so a process that never starts the server never
 * loads it.
 */
export async function startEmbeddedFhirServer(opts: EmbeddedFhirServerOptions): Promise<EmbeddedFhirServer> {
  const started = performance.now();
  const host = opts.host ?? '127.0.0.1';
  const latencyMs = opts.latencyMs ?? 0;
  const logger = opts.logger ?? pino({ level: 'silent' });
  // The fixture data is synthetic, but the server is unauthenticated and writable: it must never face a network.
  if (!isLoopbackHost(host)) throw new Error(`the embedded FHIR server listens on loopback only; refusing host "${host}"`);
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error(`invalid port ${opts.port}`);
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error(`invalid latencyMs ${latencyMs}`);

  const [{ FhirStore }, { createRequestListener }, fixtures] = await Promise.all([
    import('./fhir-store.js'),
    import('./http-handler.js'),
    readFixtureBundles(opts.fixturesDir),
  ]);
  const store = new FhirStore();
  for (const fixture of fixtures) {
    const reply = await store.postBundle(fixture.bundle);
    if (reply.status >= 300) {
      const issues = (reply.body as { issue?: { diagnostics?: string }[] }).issue ?? [];
      throw new FixtureError(issues.map((i) => `${fixture.file}: ${i.diagnostics ?? 'not loaded'}`));
    }
  }

  const server = createServer();
  const address = await listen(server, opts.port, host);
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : host === 'localhost' ? host : address.address;
  const baseUrl = `http://${hostPart}:${address.port}${FHIR_BASE_PATH}`;
  // Attached in the same tick as 'listening', before the event loop can accept a connection.
  server.on('request', createRequestListener({ store, baseUrl, latencyMs, logger }));

  const resources = fixtures.reduce((n, f) => n + f.resourceCount, 0);
  logger.info(
    { baseUrl, patients: fixtures.length, resources, latencyMs, startupMs: Math.round(performance.now() - started) },
    'embedded FHIR server listening',
  );
  return {
    baseUrl,
    patientIds: fixtures.map((f) => f.patientId),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
