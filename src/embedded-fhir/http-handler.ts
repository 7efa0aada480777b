import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { capabilityStatement } from './capability.js';
import type { FhirStore } from './fhir-store.js';
import { outcomeReply, type FhirReply } from './outcomes.js';
import { LOOPBACK_NAMES } from './search-params.js';

/** Large enough for a big chart's transaction Bundle, small enough to refuse a runaway upload. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Any origin may read: the workbench page and the CDS Hooks Sandbox run on other origins. */
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Location, ETag, Last-Modified, Content-Location',
};

export interface HandlerOptions {
  store: FhirStore;
  baseUrl: string;
  latencyMs: number;
  logger: Logger;
}

/** A request refused before it reaches the store (body or URL unusable). */
class RequestError extends Error {
  constructor(readonly reply: FhirReply) {
    super(String((reply.body as { issue?: { diagnostics?: string }[] }).issue?.[0]?.diagnostics));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  }
  if (tooLarge) throw new RequestError(outcomeReply(413, 'too-costly', `request body exceeds ${MAX_BODY_BYTES} bytes`));
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim().length === 0) throw new RequestError(outcomeReply(400, 'invalid', 'request body is empty; a FHIR JSON resource is expected'));
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RequestError(outcomeReply(400, 'invalid', `request body is not valid JSON: ${(err as Error).message}`));
  }
}

/** Splits `<base path>/...` into decoded path segments; undefined outside the base path. */
function fhirSegments(basePath: string, pathname: string): string[] | undefined {
  if (pathname !== basePath && !pathname.startsWith(`${basePath}/`)) return undefined;
  try {
    return pathname.slice(basePath.length).split('/').filter((s) => s.length > 0).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/**
 * The base URL as the client named this server, when it did so by a loopback name and this server's port
 * (localhost, 127.0.0.1, [::1]); else the base it listens on. Its links (a search's next page, a created
 * resource's Location) must be on the host the client called: the service follows a next link only there, so
 * a Sandbox told "localhost" got an unreadable chart from links written "127.0.0.1".
 */
export function baseAsCalled(hostHeader: string | undefined, baseUrl: string): string {
  const listening = new URL(baseUrl);
  const host = hostHeader?.trim().toLowerCase();
  if (!host || !LOOPBACK_NAMES.some((name) => host === `${name}:${listening.port}`)) return baseUrl;
  return `${listening.protocol}//${host}${listening.pathname}`;
}

/** The node http listener of the embedded FHIR server: routing, bodies, CORS, latency and error mapping. */
export function createRequestListener(opts: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, latencyMs, logger } = opts;
  const basePath = new URL(opts.baseUrl).pathname;
  const metadata = new Map<string, object>();

  async function route(req: IncomingMessage, url: URL): Promise<{ reply: FhirReply; interaction: string }> {
    const baseUrl = baseAsCalled(req.headers.host, opts.baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const segments = fhirSegments(basePath, url.pathname);
    if (segments === undefined) return { reply: outcomeReply(404, 'not-found', `no FHIR endpoint here; the base URL is ${baseUrl}`), interaction: 'unknown' };
    const [type, id, ...rest] = segments;
    const notAllowed = (): FhirReply => outcomeReply(405, 'not-supported', `${method} is not supported on this path`);

    if (type === undefined) {
      if (method === 'POST') return { reply: await store.postBundle(await readJson(req)), interaction: 'transaction' };
      return { reply: outcomeReply(400, 'not-supported', 'system-level search is not supported; search one resource type'), interaction: 'search-system' };
    }
    if (type === 'metadata' && id === undefined) {
      if (method !== 'GET') return { reply: notAllowed(), interaction: 'capabilities' };
      if (!metadata.has(baseUrl)) metadata.set(baseUrl, capabilityStatement(baseUrl, store.resourceTypes));
      return { reply: { status: 200, body: metadata.get(baseUrl)! }, interaction: 'capabilities' };
    }
    if (!store.resourceTypes.has(type)) return { reply: outcomeReply(404, 'not-supported', `unknown resource type "${type}"`), interaction: 'unknown' };

    if (id === undefined) {
      if (method === 'GET') return { reply: await store.search(type, url.searchParams, baseUrl), interaction: `search ${type}` };
      if (method === 'POST') return { reply: await store.forward('POST', type, await readJson(req), req.headers, baseUrl), interaction: `create ${type}` };
      return { reply: notAllowed(), interaction: type };
    }
    if (id === '_search' && rest.length === 0) {
      if (method !== 'POST') return { reply: notAllowed(), interaction: `search ${type}` };
      // Parameters may come in the URL, in a form body, or both (FHIR R4 3.1.1.2).
      const query = new URLSearchParams(url.searchParams);
      for (const [k, v] of new URLSearchParams(await readBody(req))) query.append(k, v);
      return { reply: await store.search(type, query, baseUrl), interaction: `search ${type}` };
    }
    const path = [type, id, ...rest].map(encodeURIComponent).join('/');
    const interaction = rest.length === 0 ? `${method.toLowerCase()} ${type}` : `history ${type}`;
    if (rest.length === 0 && (method === 'GET' || method === 'DELETE')) return { reply: await store.forward(method, path, undefined, req.headers, baseUrl), interaction };
    if (rest.length === 0 && (method === 'PUT' || method === 'PATCH')) {
      return { reply: await store.forward(method, path, await readJson(req), req.headers, baseUrl), interaction };
    }
    if (rest[0] === '_history' && rest.length <= 2 && method === 'GET') return { reply: await store.forward('GET', path, undefined, req.headers, baseUrl), interaction };
    return { reply: notAllowed(), interaction };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    if (req.method === 'OPTIONS') {
      if (latencyMs > 0) await delay(latencyMs);
      res.writeHead(204, {
        ...CORS_HEADERS,
        'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'Authorization, Content-Type, Accept, If-Match, Prefer',
        'Access-Control-Max-Age': '600',
        // Chromium's Private Network Access preflight, sent when the https Sandbox page reads this loopback server.
        ...(req.headers['access-control-request-private-network'] === 'true' ? { 'Access-Control-Allow-Private-Network': 'true' } : {}),
      });
      res.end();
      return;
    }
    let reply: FhirReply;
    let interaction = 'unknown';
    try {
      const url = URL.canParse(req.url ?? '', opts.baseUrl) ? new URL(req.url ?? '', opts.baseUrl) : undefined;
      if (url === undefined) throw new RequestError(outcomeReply(400, 'invalid', 'the request URL cannot be parsed'));
      ({ reply, interaction } = await route(req, url));
    } catch (err) {
      if (err instanceof RequestError) {
        reply = err.reply;
      } else {
        reply = store.errorReply(err);
        if (reply.status >= 500) logger.error({ err }, 'embedded FHIR server failed a request');
      }
    }
    // The benchmark's stand-in for a remote FHIR server: every answer waits, errors included.
    if (latencyMs > 0) await delay(latencyMs);
    res.writeHead(reply.status, { ...CORS_HEADERS, 'Content-Type': FHIR_JSON, ...reply.headers });
    res.end(JSON.stringify(reply.body));
    logger.debug({ method: req.method, interaction, status: reply.status, ms: Math.round(performance.now() - started) }, 'embedded FHIR request');
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err }, 'embedded FHIR server could not answer');
      if (!res.headersSent) res.writeHead(500, { ...CORS_HEADERS, 'Content-Type': FHIR_JSON });
      res.end();
    });
  };
}
