import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SEED_PATIENT, searchset, seedChart } from '../../security/support/seed.js';

/**
 * A real HTTP FHIR server on loopback (a child process cannot see nock) holding the seed chart, answering
 * every request after `delayMs`, so that a hook call is still in flight when the test signals the service.
 */
export interface SlowFhir {
  base: string;
  /** Resolves when the first request has arrived. */
  firstRequest: Promise<void>;
  requests: () => number;
  close: () => Promise<void>;
}

export async function startSlowFhir(delayMs: number): Promise<SlowFhir> {
  const chart = seedChart();
  let count = 0;
  let arrived!: () => void;
  const firstRequest = new Promise<void>((resolve) => (arrived = resolve));
  const server: Server = createServer((req, res) => {
    count++;
    arrived();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, , type, id] = url.pathname.split('/');
    const body = id !== undefined ? chart.find((r) => r.resourceType === type && r.id === id) : url.searchParams.get('patient') === SEED_PATIENT ? searchset(chart.filter((r) => r.resourceType === type)) : searchset([]);
    setTimeout(() => {
      res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify(body ?? { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }));
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/fhir`,
    firstRequest,
    requests: () => count,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
