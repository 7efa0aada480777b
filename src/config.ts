import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { isLoopbackHost } from './loopback-host.js';

/**
 * An absolute http(s) base URL. Zod runs the refinement after a failed z.url too, so an unparsable value passes it
 * and is reported once, by z.url. Read on the text too: a bare "?", "#" or "@" leaves the parsed parts empty.
 */
const baseUrl = (why: string) =>
  z
    .url({ protocol: /^https?$/ })
    .refine((u) => !URL.canParse(u) || !/[?#]|^[^/]*\/\/[^/]*@/.test(u), `a base URL has no query, fragment or credentials: ${why}`);

/**
 * A comma-separated list, each entry trimmed. An empty entry (`,`, `a,,b`, a comma before the first or after the
 * last) is refused: it is a mistake (a template that rendered nothing, a value cut short), and `,` read as no
 * entries at all would quietly change what the variable means (an allowlist of nothing, unlike the unset default).
 */
const commaList = z.string().transform((s, ctx) => {
  const entries = s.split(',').map((x) => x.trim());
  const empty = entries.flatMap((x, i) => (x === '' ? [i + 1] : []));
  if (empty.length > 0) {
    const which = empty.length === 1 ? `entry ${empty[0]} is` : `entries ${empty.join(', ')} are`;
    ctx.addIssue({ code: 'custom', message: `${which} empty (of ${entries.length}): separate entries with single commas, none before the first or after the last` });
    return z.NEVER;
  }
  return entries;
});

/** A comma-separated list of absolute http(s) base URLs. */
const urlList = (why: string) => commaList.pipe(z.array(baseUrl(why)));

/**
 * A whole number written in decimal digits: z.coerce.number alone would also take " " (as 0), "0x1F" and
 * "1e3", which are never what an operator meant.
 */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\s*\d+\s*$/, 'expected a whole number in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/**
 * An http (not https) URL to a host other than loopback. Read from the parsed URL, so HTTP://… counts too; a value
 * that does not parse is left to its own check (superRefine runs even when z.url has refused the value).
 */
function isPlainHttpOffLoopback(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'http:' && !isLoopbackHost(url.hostname);
}

const boolean = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const fields = z.object({
  NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
  PORT: wholeNumber(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Base URL the service is reached at by clients (JWT `aud`, card links). Defaults to http://localhost:PORT. */
  PUBLIC_BASE_URL: baseUrl('JWT aud and card links are built by appending paths to it')
    // Kept as written, but for a trailing slash: JWT aud is checked against this spelling and its usual one.
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  /** FHIR base URLs the service may call; unset: loopback only outside production, none in production. */
  FHIR_SERVER_ALLOWLIST: urlList('the service never calls a FHIR server named with them, so the entry would allow nothing').optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Hours an issued card accepts feedback; older cards are forgotten (memory stays bounded). */
  FEEDBACK_WINDOW_HOURS: wholeNumber(1, 24 * 366).default(168),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Upper bound on resources read per resource type; a larger chart is not evaluated. */
  FHIR_MAX_RESOURCES_PER_TYPE: wholeNumber(1, 1_000_000).default(10_000),
  /** Upper bound on the bytes of all FHIR answers of one hook call together (announced or streamed); past it nothing more is read. */
  FHIR_MAX_RESPONSE_BYTES: wholeNumber(1024, 1024 * 1024 * 1024).default(32 * 1024 * 1024),
  /** Deadline for a whole hook call, FHIR reads included. */
  HOOK_DEADLINE_MS: wholeNumber(100, 60_000).default(3000),
  /** Timeout for one FHIR HTTP request (bounded again by what is left of the hook deadline). */
  FHIR_REQUEST_TIMEOUT_MS: wholeNumber(50, 60_000).default(2000),
  MAX_BODY_BYTES: wholeNumber(1024, 100 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Time a client has to send a request's headers, and again its body: a stalled upload gets a 408, not a held connection. */
  BODY_TIMEOUT_MS: wholeNumber(100, 120_000).default(10_000),
  /** CDS client authentication: required (default in production) or off (refused in production). */
  CDS_AUTH: z.enum(['required', 'off']).optional(),
  /** Path to the JSON list of trusted CDS clients. */
  CDS_TRUSTED_CLIENTS: z.string().min(1).optional(),
  /** Extra JWT algorithms allowed beside ES384 and RS384. */
  CDS_AUTH_EXTRA_ALGS: commaList.pipe(z.array(z.enum(['ES256', 'RS256']))).optional(),
  /** Start the embedded FHIR server with the fixture patients (never in production). */
  EMBEDDED_FHIR: boolean.optional(),
  EMBEDDED_FHIR_PORT: wholeNumber(0, 65535).default(8090),
  /** Worker threads for the CQL evaluations (0: on the HTTP thread); default one per core beside the HTTP thread's, up to 4. */
  ENGINE_THREADS: wholeNumber(0, 64).default(Math.min(4, availableParallelism() - 1)),
  /** How far a thread's heap may grow past its live size, in percent (ops/heap.ts); 0: V8's own adaptive factor. */
  HEAP_GROWTH_PERCENT: wholeNumber(0, 1000).default(100),
});

const schema = fields.superRefine((env, ctx) => {
  if (env.NODE_ENV === 'production' && env.CDS_AUTH === 'off') {
    ctx.addIssue({ code: 'custom', path: ['CDS_AUTH'], message: 'CDS_AUTH=off is not allowed when NODE_ENV=production' });
  }
  if (env.NODE_ENV === 'production' && env.EMBEDDED_FHIR === true) {
    ctx.addIssue({ code: 'custom', path: ['EMBEDDED_FHIR'], message: 'the embedded FHIR server never runs when NODE_ENV=production' });
  }
  if (env.NODE_ENV === 'production') {
    // Without it, the JWT audience would be http://localhost:PORT and every correctly addressed token refused.
    if (env.PUBLIC_BASE_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: 'required when NODE_ENV=production: the https URL the EHR calls (the JWT aud and card links are built from it)' });
    } else if (isPlainHttpOffLoopback(env.PUBLIC_BASE_URL)) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: `${env.PUBLIC_BASE_URL} is not https: CDS Hooks requires TLS in production (terminate it in front of the service and give its URL)` });
    }
    // CDS Hooks: https whenever production data is exchanged; the hook's access token rides on every FHIR read.
    for (const url of env.FHIR_SERVER_ALLOWLIST ?? []) {
      if (isPlainHttpOffLoopback(url)) {
        ctx.addIssue({ code: 'custom', path: ['FHIR_SERVER_ALLOWLIST'], message: `${url} is not https: in production the hook's access token is sent over TLS only (loopback excepted)` });
      }
    }
  }
  const embedded = env.EMBEDDED_FHIR ?? env.NODE_ENV !== 'production';
  if (embedded && env.PORT !== 0 && env.EMBEDDED_FHIR_PORT === env.PORT) {
    ctx.addIssue({ code: 'custom', path: ['EMBEDDED_FHIR_PORT'], message: `must differ from PORT (${env.PORT}): the service and the embedded FHIR server each need their own port` });
  }
});

export type RawConfig = z.output<typeof schema>;

export interface Config extends Omit<RawConfig, 'CDS_AUTH' | 'PUBLIC_BASE_URL' | 'EMBEDDED_FHIR'> {
  CDS_AUTH: 'required' | 'off';
  PUBLIC_BASE_URL: string;
  /** False when PUBLIC_BASE_URL is the default built from PORT. */
  PUBLIC_BASE_URL_GIVEN: boolean;
  EMBEDDED_FHIR: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment once at start-up; every problem names its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
  // An empty value is a mistake, never a request for the default: `docker run -e NODE_ENV=` or a template that
  // rendered nothing would otherwise turn a production image into a development service with authentication off.
  const empty = Object.keys(fields.shape).filter((name) => typeof present[name] === 'string' && present[name].trim() === '');
  if (empty.length > 0) {
    throw new ConfigError(empty.map((name) => `${name}: is set but empty; give it a value or unset it`));
  }
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(environment)'}: ${i.message}`),
    );
  }
  const c = parsed.data;
  const production = c.NODE_ENV === 'production';
  return {
    ...c,
    CDS_AUTH: c.CDS_AUTH ?? (production ? 'required' : 'off'),
    PUBLIC_BASE_URL: c.PUBLIC_BASE_URL ?? `http://localhost:${c.PORT}`,
    PUBLIC_BASE_URL_GIVEN: c.PUBLIC_BASE_URL !== undefined,
    EMBEDDED_FHIR: c.EMBEDDED_FHIR ?? !production,
  };
}

/** With PORT=0 the system picks the port; a base URL left to its default must name the port actually bound. */
export function withBoundPort(config: Config, port: number): Config {
  return config.PUBLIC_BASE_URL_GIVEN ? config : { ...config, PUBLIC_BASE_URL: `http://localhost:${port}` };
}
