import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { FixtureError, readFixtureBundles, type FixtureFile } from '../embedded-fhir/fixture-files.js';
import { networkReason } from './network-reason.js';

/**
 * `npm run fixtures:load -- --fhir <base URL> [--token <bearer>] [--dir fixtures/patients]`
 *
 * Posts every fixture patient Bundle as a transaction to any FHIR R4 server (HAPI, the CDS Hooks Sandbox's,
 * the embedded one) and prints the ids of the patients loaded, one a line on stdout; the summary and any
 * error go to stderr, so the ids can be piped. The token is only ever sent, never printed.
 */

const USAGE = `usage: npm run fixtures:load -- --fhir <FHIR R4 base URL> [--token <bearer token>] [--dir <folder>]
  --fhir   base URL of the FHIR server, e.g. http://localhost:8080/fhir
  --token  bearer token sent as Authorization (default: the FHIR_TOKEN environment variable, if set)
  --dir    folder of <patientId>.json transaction Bundles (default: fixtures/patients)`;

const REQUEST_TIMEOUT_MS = 60_000;

export interface LoadOptions {
  fhirBaseUrl: string;
  token?: string;
  dir: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Called after each file, so a long run shows progress. */
  onLoaded?: (fixture: FixtureFile) => void;
}

export interface LoadFailure {
  file: string;
  message: string;
}

export interface LoadResult {
  loaded: FixtureFile[];
  failed: LoadFailure[];
  /** Files not tried because the server cannot be reached or refused the credentials. */
  skipped: string[];
}

/** A problem that stops the whole run before anything is sent: a bad URL (`usage`) or unusable fixtures. */
export class LoadError extends Error {
  override name = 'LoadError';
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
  }
}

/** The base URL without credentials or query, fit to print. */
export function printableUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Parses and checks the base URL; a FHIR base is http(s) with no query or fragment. */
export function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LoadError(`--fhir "${value}" is not a URL; expected e.g. http://localhost:8080/fhir`, true);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LoadError(`--fhir must be an http or https URL (got ${url.protocol})`, true);
  if (url.search || url.hash) throw new LoadError('--fhir must be a base URL, without query or fragment', true);
  if (url.username || url.password) throw new LoadError('--fhir must not carry credentials; use --token', true);
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

interface Issue {
  diagnostics?: string;
  details?: { text?: string };
}

function issuesText(body: unknown): string | undefined {
  const issues = (body as { resourceType?: string; issue?: Issue[] } | undefined)?.resourceType === 'OperationOutcome'
    ? ((body as { issue?: Issue[] }).issue ?? [])
    : [];
  const text = issues.map((i) => i.diagnostics ?? i.details?.text).filter((t): t is string => !!t);
  return text.length > 0 ? text.join('; ') : undefined;
}

/** Entries of a transaction-response that did not succeed (a server may answer 200 and fail entries). */
function failedEntries(body: unknown): string[] {
  const entries = (body as { resourceType?: string; entry?: { response?: { status?: string; outcome?: unknown } }[] } | undefined);
  if (entries?.resourceType !== 'Bundle') return [];
  return (entries.entry ?? []).flatMap((e, i) => {
    const status = e.response?.status ?? '';
    if (/^2\d\d/.test(status.trim())) return [];
    return [`entry[${i}] ${status || 'no status'}${issuesText(e.response?.outcome) ? `: ${issuesText(e.response?.outcome)}` : ''}`];
  });
}

/** Loads every fixture file; throws LoadError before sending anything when the URL or a file is unusable. */
export async function loadFixtures(opts: LoadOptions): Promise<LoadResult> {
  const base = parseBaseUrl(opts.fhirBaseUrl);
  let fixtures: FixtureFile[];
  try {
    fixtures = await readFixtureBundles(opts.dir);
  } catch (err) {
    if (err instanceof FixtureError) throw new LoadError(err.message);
    throw err;
  }
  const doFetch = opts.fetch ?? fetch;
  const headers: Record<string, string> = { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };
  if (opts.token) headers['Authorization'] = `Bearer ${opts.token}`;
  const result: LoadResult = { loaded: [], failed: [], skipped: [] };

  for (const [index, fixture] of fixtures.entries()) {
    const skipRest = (message: string): LoadResult => {
      result.failed.push({ file: fixture.file, message });
      result.skipped.push(...fixtures.slice(index + 1).map((f) => f.file));
      return result;
    };
    let response: Response;
    try {
      response = await doFetch(base.href, {
        method: 'POST',
        headers,
        body: JSON.stringify(fixture.bundle),
        signal: AbortSignal.timeout(opts.timeoutMs ?? REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      return skipRest(`cannot reach ${printableUrl(base)} (${networkReason(err)})`);
    }
    const text = await response.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const detail = issuesText(body) ?? (text.trim().slice(0, 200) || 'no details');
      const message = `refused with ${[response.status, response.statusText].filter(Boolean).join(' ')}: ${detail}`;
      if (response.status === 401 || response.status === 403) {
        return skipRest(`${message} (${opts.token ? 'the token was not accepted' : 'the server may need --token'})`);
      }
      result.failed.push({ file: fixture.file, message });
      continue;
    }
    const failed = failedEntries(body);
    if (failed.length > 0) {
      result.failed.push({ file: fixture.file, message: `accepted with ${response.status} but entries failed: ${failed.join('; ')}` });
      continue;
    }
    result.loaded.push(fixture);
    opts.onLoaded?.(fixture);
  }
  return result;
}

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

/** Runs the command; resolves to the exit code (0 all loaded, 1 a load failed, 2 usage). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let values: { fhir?: string; token?: string; dir?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { fhir: { type: 'string' }, token: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.err(`fixtures:load: ${(err as Error).message}`);
    io.err(USAGE);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.fhir) {
    io.err('fixtures:load: --fhir <base URL> is required');
    io.err(USAGE);
    return 2;
  }
  const dir = values.dir ?? 'fixtures/patients';
  let result: LoadResult;
  try {
    result = await loadFixtures({
      fhirBaseUrl: values.fhir,
      token: values.token ?? io.env.FHIR_TOKEN,
      dir,
      ...(io.fetch ? { fetch: io.fetch } : {}),
      onLoaded: (f) => io.out(f.patientId),
    });
  } catch (err) {
    if (!(err instanceof LoadError)) throw err;
    io.err(`fixtures:load: ${err.message}`);
    return err.usage ? 2 : 1;
  }
  const target = printableUrl(parseBaseUrl(values.fhir));
  for (const f of result.failed) io.err(`fixtures:load: ${f.file}: ${f.message}`);
  if (result.skipped.length > 0) io.err(`fixtures:load: not tried: ${result.skipped.join(', ')}`);
  const resources = result.loaded.reduce((n, f) => n + f.resourceCount, 0);
  const total = result.loaded.length + result.failed.length + result.skipped.length;
  io.err(`Loaded ${result.loaded.length} of ${total} patients (${resources} resources) from ${dir} into ${target}`);
  return result.failed.length > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`fixtures:load: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
