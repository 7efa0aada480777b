import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { SEED_TOPICS, SERVICE_PATH, seedPrefetch, seedRequest } from '../security/support/seed.js';
import { childrenPerTest, postJson, stopChild } from './support/child.js';
import { startSlowFhir, type SlowFhir } from './support/slow-fhir.js';

/**
 * SIGTERM against the built service: it stops accepting connections at once, finishes the calls in flight
 * (their cards reviewed and recorded), closes the feedback store and exits 0.
 */
interface CardsBody {
  cards: { uuid: string; source: { topic: { code: string } } }[];
}

function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });
}

/** A POST on a keep-alive connection, with the Connection header of its answer. */
function postKeepAlive(url: string, body: unknown): Promise<{ status: number; body: unknown; connection: string | undefined }> {
  const agent = new Agent({ keepAlive: true });
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => {
        agent.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown, connection: res.headers.connection });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

describe('SIGTERM', () => {
  const run = childrenPerTest('spine-cds-sigterm-');
  let fhir: SlowFhir | undefined;
  afterEach(async () => {
    await fhir?.close();
    fhir = undefined;
  });

  it('finishes the call in flight, refuses new connections, records the cards and exits 0', async () => {
    fhir = await startSlowFhir(700);
    // A long deadline, so that the connections cut after it cannot be what ends the process.
    const child = await run.start({ HOOK_DEADLINE_MS: '20000' });
    // No prefetch: the service reads the chart from the slow server, so the call is in flight for about 700 ms.
    const inFlight = postKeepAlive(`${child.url}${SERVICE_PATH}`, seedRequest({ fhirServer: fhir.base }));
    await fhir.firstRequest;
    child.process.kill('SIGTERM');

    expect(await eventually(() => refusesConnections(child.url))).toBe(true);
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    // Told not to send another call down this connection: it is about to close.
    expect(answer.connection).toBe('close');
    const cards = (answer.body as CardsBody).cards;
    expect(cards.map((c) => c.source.topic.code).sort()).toEqual(SEED_TOPICS);

    const answered = Date.now();
    expect(await child.exited).toEqual({ code: 0, signal: null });
    // The client's keep-alive connection is closed once its call is answered, not held open until the cut.
    expect(Date.now() - answered).toBeLessThan(5000);
    expect(child.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['stopping: no new calls, finishing those in flight', 'stopped']));
    const issued = readFileSync(join(run.dataDir, 'issued-cards.jsonl'), 'utf8');
    for (const card of cards) expect(issued).toContain(card.uuid);
  });

  it('exits 0 at once when idle, keep-alive connections included', async () => {
    const child = await run.start({ HOOK_DEADLINE_MS: '20000' });
    const res = await postJson(`${child.url}${SERVICE_PATH}`, seedRequest({ prefetch: seedPrefetch() }));
    expect(res.status).toBe(200);
    const started = Date.now();
    expect(await stopChild(child)).toEqual({ code: 0, signal: null });
    // Far under the 20 s after which stuck connections are cut: the idle keep-alive socket did not hold it up.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
