import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { clientToken, makeClient, trustedClientsFile, type TestClient } from '../security/support/client-tokens.js';
import { FEEDBACK_PATH, SEED_TOPICS, SERVICE_PATH, seedPrefetch, seedRequest } from '../security/support/seed.js';
import { startService, type ServiceUnderTest } from '../security/support/service.js';
import { launchChromium, type LaunchedBrowser } from './support/chromium.js';

/**
 * The CDS Hooks Sandbox and other browser-based clients call the service from a page of another origin, with
 * an Authorization header: every call is a CORS request, most of them preflighted. Header checks (test/cds/
 * cors.test.ts) cannot show that a browser accepts the answers; this drives Chromium's own CORS checks from a
 * page on another origin, with authentication on as in production.
 */
const PUBLIC = 'https://cds.example.org';

let service: ServiceUnderTest;
let ehr: TestClient;
let pageServer: Server;
let pageOrigin = '';
let chromium: LaunchedBrowser;
let page: Page;

beforeAll(async () => {
  chromium = await launchChromium();
  ehr = await makeClient('https://ehr.example.org');
  service = await startService({ CDS_AUTH: 'required', CDS_TRUSTED_CLIENTS: trustedClientsFile([ehr]), PUBLIC_BASE_URL: PUBLIC });
  pageServer = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>an EHR page</title>'));
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  page = await chromium.context.newPage();
  await page.goto(pageOrigin);
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  pageServer?.closeAllConnections();
  await new Promise((resolve) => pageServer?.close(resolve));
  await service?.close();
});

const token = (path: string) => clientToken(ehr, `${PUBLIC}${path}`);

interface Seen {
  ok: boolean;
  status?: number;
  headers?: Record<string, string | null>;
  body?: unknown;
  error?: string;
}

/** A fetch run by the page; a CORS refusal comes back as the browser's TypeError, not as a status. */
function browserFetch(url: string, init: { method: string; headers: Record<string, string>; body?: string }, read: string[] = []): Promise<Seen> {
  return page.evaluate(
    async ({ url, init, read }) => {
      try {
        const res = await fetch(url, init);
        const text = await res.text();
        return { ok: true, status: res.status, headers: Object.fromEntries(read.map((h) => [h, res.headers.get(h)])), body: text === '' ? undefined : JSON.parse(text) };
      } catch (e) {
        return { ok: false, error: String(e) };
      }
    },
    { url, init, read },
  );
}

it('the page and the service are of different origins', () => {
  expect(new URL(pageOrigin).origin).not.toBe(new URL(service.url).origin);
});

it('reads discovery with a bearer token', async () => {
  const seen = await browserFetch(`${service.url}/cds-services`, { method: 'GET', headers: { Authorization: `Bearer ${await token('/cds-services')}` } }, ['x-request-id']);
  expect(seen).toMatchObject({ ok: true, status: 200 });
  expect((seen.body as { services: { id: string }[] }).services.map((s) => s.id)).toEqual(['lumbar-fusion-criteria']);
  expect(seen.headers!['x-request-id']).toMatch(/\S/);
});

it('signs an order and sends feedback on a card it was given', async () => {
  const hook = await browserFetch(`${service.url}${SERVICE_PATH}`, {
    method: 'POST',
    // A header of the EHR's own (W3C trace context, as browser tracing adds it) must not break the preflight.
    headers: { Authorization: `Bearer ${await token(SERVICE_PATH)}`, 'Content-Type': 'application/json', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    body: JSON.stringify(seedRequest({ prefetch: seedPrefetch() })),
  });
  expect(hook).toMatchObject({ ok: true, status: 200 });
  const cards = (hook.body as { cards: { uuid: string; source: { topic: { code: string } }; overrideReasons?: unknown[] }[] }).cards;
  expect(cards.map((c) => c.source.topic.code)).toEqual(SEED_TOPICS);

  const card = cards.find((c) => (c.overrideReasons ?? []).length > 0)!;
  const feedback = await browserFetch(`${service.url}${FEEDBACK_PATH}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${await token(FEEDBACK_PATH)}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ feedback: [{ card: card.uuid, outcome: 'overridden', overrideReason: { reason: card.overrideReasons![0] }, outcomeTimestamp: new Date().toISOString() }] }),
  });
  expect(feedback).toMatchObject({ ok: true, status: 200 });
});

it('lets the page read why a call without a token was refused', async () => {
  const seen = await browserFetch(
    `${service.url}${SERVICE_PATH}`,
    { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(seedRequest({ prefetch: seedPrefetch() })) },
    ['www-authenticate'],
  );
  expect(seen).toMatchObject({ ok: true, status: 401 });
  expect(seen.headers!['www-authenticate']).toBe('Bearer realm="spine-cds"');
});
