import type cors from 'cors';

const ANY_ORIGIN = '*';
// A browser client may read why it was refused (401), when to come back (503) and which methods a path takes (405).
const EXPOSED_HEADERS = ['X-Request-Id', 'WWW-Authenticate', 'Retry-After', 'Allow'];

/**
 * CORS for browser-based CDS clients (the CDS Hooks Sandbox): any origin, bearer tokens in the Authorization header.
 * The headers a preflight asks for are allowed as asked (allowedHeaders left unset): a browser EHR may add its own
 * (`traceparent` from tracing, `Accept`), and with no cookies or other ambient credentials in play an allowlist of
 * request headers would protect nothing, while the bearer token is checked on every call.
 */
export const corsOptions: cors.CorsOptions = {
  origin: ANY_ORIGIN,
  methods: ['GET', 'POST', 'OPTIONS'],
  exposedHeaders: EXPOSED_HEADERS,
  optionsSuccessStatus: 204,
  maxAge: 600,
};

/**
 * The CORS headers of an answer written outside express (server-level refusals, src/client-error.ts), as the
 * `cors` middleware writes them on an actual (not preflight) request under corsOptions: the origin is `*` for
 * every request, so no Origin header needs to be read to answer it.
 */
export function corsHeadersOfAnswer(): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': ANY_ORIGIN,
    'Access-Control-Expose-Headers': EXPOSED_HEADERS.join(','),
  };
}
