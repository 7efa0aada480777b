/**
 * Which FHIR servers the service may call. URLs are compared as parsed URLs (scheme, host, port,
 * path segments), never as strings, so that look-alikes such as `http://allowed.example.evil.test`,
 * `http://allowed.example@other.host`, `http://allowed.example:81` or `/fhir-other` for `/fhir`
 * are refused.
 */
import { isLoopbackHost } from '../loopback-host.js';
import { trimEnd } from '../trim-end.js';

export interface ServerPolicy {
  /** FHIR_SERVER_ALLOWLIST; undefined when the variable is unset. */
  allowlist?: readonly string[];
  production: boolean;
}

function parse(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function isHttp(url: URL): boolean {
  return url.protocol === 'http:' || url.protocol === 'https:';
}

/** `/fhir/` and `/fhir` name the same base; `/` is the whole server. */
function trimSlashes(path: string): string {
  return trimEnd(path, '/');
}

function sameServer(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.hostname === b.hostname && a.port === b.port;
}

/** True when `candidate` is `base` itself or lies under it, segment by segment. */
function pathWithin(candidatePath: string, basePath: string): boolean {
  const base = trimSlashes(basePath);
  if (base === '') return true;
  return candidatePath === base || candidatePath.startsWith(`${base}/`);
}

/**
 * True when `candidate` (any URL: a base or a page link) lies on the same server as `base` and under
 * its path. Credentials in the URL are never accepted: they would change who is asked.
 */
export function isWithinBase(candidate: string, base: string): boolean {
  const c = parse(candidate);
  const b = parse(base);
  if (!c || !b || !isHttp(c) || !isHttp(b)) return false;
  if (c.username !== '' || c.password !== '') return false;
  return sameServer(c, b) && pathWithin(c.pathname, b.pathname);
}

/** An absolute http(s) URL without credentials, query or fragment: something that can name a FHIR base. */
function asBase(value: string): URL | undefined {
  const url = parse(value);
  if (!url || !isHttp(url) || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return undefined;
  return url;
}

export function isBaseUrl(value: string): boolean {
  return asBase(value) !== undefined;
}

/**
 * True when `a` and `b` name the same FHIR base once normalised by the URL parser (scheme and host lower-cased,
 * a default port dropped) and a trailing slash set aside: `HTTP://Fhir.test:80/r4/` is `http://fhir.test/r4`.
 */
export function isSameBase(a: string, b: string): boolean {
  const x = asBase(a);
  const y = asBase(b);
  return x !== undefined && y !== undefined && sameServer(x, y) && trimSlashes(x.pathname) === trimSlashes(y.pathname);
}

/**
 * May the service call the FHIR server whose base URL is `fhirServer`? A base with credentials, a
 * query or a fragment is refused outright. With no allowlist: loopback servers outside production,
 * none in production.
 */
export function isServerAllowed(fhirServer: string, policy: ServerPolicy): boolean {
  const url = parse(fhirServer);
  if (!url || !isHttp(url)) return false;
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return false;
  if (policy.allowlist === undefined) return !policy.production && isLoopbackHost(url.hostname);
  return policy.allowlist.some((entry) => {
    const allowed = parse(entry);
    return allowed !== undefined && isHttp(allowed) && allowed.username === '' && sameServer(url, allowed) && pathWithin(url.pathname, allowed.pathname);
  });
}
