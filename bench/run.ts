import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { FhirResource } from 'fhir/r4.js';
import { projectRoot } from '../src/cds/project-root.js';
import { startEmbeddedFhirServer } from '../src/embedded-fhir/server.js';
import { growChart, prefetchOf, readChart } from './chart.js';
import { checkAnswer, type ExpectedCard } from './checks.js';
import { runLoad, type LoadFigures } from './load.js';
import { runPaced } from './paced.js';
import { collectGarbage, inspectorAvailable, inspectorUrl } from './inspector.js';
import { describeMachine } from './machine.js';
import { parseOptions, UsageError, type BenchOptions } from './options.js';
import { formatSummary, summariseFile, type ProfileSummary } from './profile-summary.js';
import { freePort, startService, type RunningService } from './service.js';

const SEED_PATIENT = 'seed-revision-l34';
const SEED_CASE = 'seed-revision-fusion-inpatient';
const HOOK_PATH = '/cds-services/lumbar-fusion-criteria';

interface Scenario {
  name: string;
  description: string;
  path: string;
  body?: string;
  expected: readonly ExpectedCard[] | 'ok';
  resources?: number;
}

interface ScenarioResult extends LoadFigures {
  name: string;
  description: string;
  /** CPU the service spent per request (all its threads): steadier than latency on a shared machine. */
  serviceCpuMsPerRequest: number;
  /** CPU time of the benchmark process itself (autocannon) per request: it shares the machine's cores with the service. */
  loadGeneratorCpuMsPerRequest: number;
  /** 1-minute load average after the scenario: others' work on the machine skews latency. */
  loadAverage1m: number;
  /** Highest resident memory of the service sampled during the scenario (every 200 ms). */
  maxRssMB: number;
  resources?: number;
  requestBytes?: number;
  /** Each figure divided by the floor's (GET /healthz). */
  vsFloor?: { p50: number; p99: number; rps: number };
  /** The same calls at a steady rate below capacity (bench/paced.ts): the latency of a busy, unsaturated service. */
  paced?: { offeredRps: number; rps: number; p50: number; p99: number; non2xx: number; errors: number; timeouts: number };
}

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
const ratio = (a: number, b: number): number => Math.round((a / b) * 10) / 10;

function scenarios(root: string, fhirBaseUrl: string, o: BenchOptions): Scenario[] {
  const chart: FhirResource[] = readChart(join(root, 'fixtures', 'patients'), SEED_PATIENT);
  const request = JSON.parse(readFileSync(join(root, 'fixtures', 'cases', SEED_CASE, 'request.json'), 'utf8')) as Record<string, unknown>;
  const expected = (JSON.parse(readFileSync(join(root, 'fixtures', 'cases', SEED_CASE, 'expected.json'), 'utf8')) as { cards: ExpectedCard[] }).cards;
  const grown = growChart(chart, o.chartSize);
  const all: Scenario[] = [
    { name: 'healthz', description: 'GET /healthz, the floor', path: '/healthz', expected: 'ok' },
    {
      name: 'seed-prefetch',
      description: `seed patient, order-sign with full prefetch (${chart.length} resources)`,
      path: HOOK_PATH,
      body: JSON.stringify({ ...request, fhirServer: fhirBaseUrl, prefetch: prefetchOf(chart) }),
      expected,
      resources: chart.length,
    },
    {
      name: `chart-${o.chartSize}`,
      description: `seed chart grown to ${grown.length} resources (vital signs, chronic conditions), full prefetch`,
      path: HOOK_PATH,
      body: JSON.stringify({ ...request, fhirServer: fhirBaseUrl, prefetch: prefetchOf(grown) }),
      expected,
      resources: grown.length,
    },
    {
      name: 'seed-fhir',
      description: `seed patient without prefetch, FHIR server adding ${o.fhirLatencyMs} ms per request`,
      path: HOOK_PATH,
      body: JSON.stringify({ ...request, fhirServer: fhirBaseUrl }),
      expected,
      resources: chart.length,
    },
  ];
  return o.only.length === 0 ? all : all.filter((s) => o.only.some((n) => s.name.startsWith(n)));
}

function serviceEnv(port: number, dataDir: string, o: BenchOptions): Record<string, string> {
  // A clean environment: nothing of the caller's shell (an allowlist, NODE_OPTIONS) changes what is measured.
  // NODE_ENV=test because CDS_AUTH=off is refused in production; the code path of a call is the same.
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'test',
    CDS_AUTH: 'off',
    EMBEDDED_FHIR: 'false',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: o.logLevel,
    // As the Docker image sets it (Dockerfile): fewer glibc malloc arenas for the evaluation threads.
    MALLOC_ARENA_MAX: '2',
    ...(o.threads !== undefined ? { ENGINE_THREADS: String(o.threads) } : {}),
  };
}

function table(results: ScenarioResult[]): string {
  const head = ['scenario', 'p50 ms', 'p99 ms', 'req/s', 'CPU ms/req', 'RSS MB', 'p50 x', 'p99 x', 'req/s x', 'non-2xx', 'errors', 'paced req/s', 'paced p50', 'paced p99'];
  const rows = results.map((r) => [
    r.name,
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    r.rps.toFixed(0),
    r.serviceCpuMsPerRequest.toFixed(2),
    r.maxRssMB.toFixed(0),
    r.vsFloor ? r.vsFloor.p50.toFixed(1) : '',
    r.vsFloor ? r.vsFloor.p99.toFixed(1) : '',
    r.vsFloor ? r.vsFloor.rps.toFixed(3) : '',
    String(r.non2xx),
    String(r.errors + r.timeouts),
    r.paced ? String(r.paced.offeredRps) : '',
    r.paced ? r.paced.p50.toFixed(2) : '',
    r.paced ? r.paced.p99.toFixed(2) : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

function profileSummaries(dir: string | undefined): { file: string; summary: ProfileSummary }[] {
  if (!dir) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ file: join(dir, f), summary: summariseFile(join(dir, f), 30) }));
}

async function measureScenarios(service: RunningService, list: Scenario[], o: BenchOptions): Promise<{ results: ScenarioResult[]; maxRss: number }> {
  let maxRss = 0;
  let scenarioRss = 0;
  const sample = () => {
    const rss = service.rssBytes();
    maxRss = Math.max(maxRss, rss);
    scenarioRss = Math.max(scenarioRss, rss);
  };
  const results: ScenarioResult[] = [];
  for (const s of list) {
    const spec = {
      url: service.baseUrl + s.path,
      connections: o.connections,
      timeout: o.timeout,
      onSample: sample,
      ...(s.body !== undefined ? { method: 'POST' as const, body: s.body } : {}),
    };
    process.stdout.write(`${s.name}: ${s.description} ... `);
    if (o.warmup > 0) await runLoad({ ...spec, duration: o.warmup });
    scenarioRss = 0;
    const cpuBefore = service.cpuMs();
    const loaderBefore = process.cpuUsage();
    const figures = await runLoad({ ...spec, duration: o.duration });
    const loader = process.cpuUsage(loaderBefore);
    const loaderCpuPerRequest = Math.round(((loader.user + loader.system) / 1000 / Math.max(1, figures.requests)) * 100) / 100;
    const cpuPerRequest = Math.round(((service.cpuMs() - cpuBefore) / Math.max(1, figures.requests)) * 100) / 100;
    process.stdout.write(`p50 ${figures.p50} ms, ${figures.rps} req/s, ${cpuPerRequest} ms CPU per request (autocannon ${loaderCpuPerRequest} ms)\n`);
    results.push({
      name: s.name,
      description: s.description,
      ...(s.resources ? { resources: s.resources } : {}),
      ...(s.body ? { requestBytes: Buffer.byteLength(s.body) } : {}),
      ...figures,
      serviceCpuMsPerRequest: cpuPerRequest,
      loadGeneratorCpuMsPerRequest: loaderCpuPerRequest,
      loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
      maxRssMB: mb(scenarioRss),
    });
    if (o.pacedShare > 0 && s.name !== 'healthz') {
      const rate = Math.max(1, Math.round(figures.rps * o.pacedShare));
      process.stdout.write(`${s.name}: paced at ${rate} calls/s ... `);
      const paced = await runPaced({ ...spec, rate, duration: o.duration });
      process.stdout.write(`p50 ${paced.p50} ms, p99 ${paced.p99} ms${paced.non2xx + paced.errors + paced.timeouts > 0 ? `, non-2xx ${paced.non2xx}, errors ${paced.errors + paced.timeouts}` : ''}\n`);
      results[results.length - 1]!.paced = {
        offeredRps: rate,
        rps: paced.rps,
        p50: paced.p50,
        p99: paced.p99,
        non2xx: paced.non2xx,
        errors: paced.errors,
        timeouts: paced.timeouts,
      };
    }
  }
  const floor = results.find((r) => r.name === 'healthz');
  if (floor) {
    for (const r of results) r.vsFloor = { p50: ratio(r.p50, floor.p50), p99: ratio(r.p99, floor.p99), rps: Math.round((r.rps / floor.rps) * 1000) / 1000 };
  }
  return { results, maxRss };
}

/** A collection in the service, tried three times; a reading without it rather than no soak at all. */
async function collectGarbageOrNot(url: string): Promise<number | undefined> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await collectGarbage(url);
    } catch (e) {
      if (attempt === 3) console.warn(`  no garbage collection for this reading: ${(e as Error).message}`);
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  return undefined;
}

interface SoakPoint {
  calls: number;
  rssMB: number;
  /** The service's main-thread heap in use after a forced collection (when the inspector is reachable). */
  heapAfterGcMB?: number;
  p50: number;
  rps: number;
  non2xx: number;
}

/**
 * 50,000 seed calls in five chunks; after each, a second of quiet, a garbage collection in the service
 * (through its loopback inspector) and a memory reading. Growth shows as a rising heap after GC.
 */
async function soak(service: RunningService, seed: Scenario, o: BenchOptions) {
  const spec = { url: service.baseUrl + seed.path, method: 'POST' as const, body: seed.body!, connections: o.connections, timeout: o.timeout };
  const url = inspectorAvailable() ? inspectorUrl(service.stderr()) : undefined;
  const reading = async (calls: number, f?: LoadFigures): Promise<SoakPoint> => {
    await new Promise((r) => setTimeout(r, 1000));
    const heap = url ? await collectGarbageOrNot(url) : undefined;
    return {
      calls,
      rssMB: mb(service.rssBytes()),
      ...(heap !== undefined ? { heapAfterGcMB: mb(heap) } : {}),
      p50: f?.p50 ?? NaN,
      rps: f?.rps ?? NaN,
      non2xx: f ? f.non2xx + f.errors + f.timeouts : 0,
    };
  };
  const show = (p: SoakPoint) =>
    console.log(`  after ${p.calls} calls: RSS ${p.rssMB} MB${p.heapAfterGcMB !== undefined ? `, heap after GC ${p.heapAfterGcMB} MB` : ''}${Number.isFinite(p.p50) ? `, p50 ${p.p50} ms, ${p.rps} req/s, non-2xx/errors ${p.non2xx}` : ''}`);
  if (!url) console.log('  (no inspector: run with node --experimental-websocket for a GC before each reading)');
  const warm = Math.min(5000, o.soakCalls);
  const warmFigures = await runLoad({ ...spec, amount: warm });
  const before = await reading(0, warmFigures);
  console.log(`  warmed up with ${warm} calls`);
  show(before);
  const checkpoints: SoakPoint[] = [before];
  const chunk = Math.max(1, Math.ceil(o.soakCalls / 5));
  let done = 0;
  while (done < o.soakCalls) {
    const n = Math.min(chunk, o.soakCalls - done);
    const f = await runLoad({ ...spec, amount: n });
    done += n;
    checkpoints.push(await reading(done, f));
    show(checkpoints.at(-1)!);
  }
  const after = checkpoints.at(-1)!;
  return {
    calls: done,
    warmupCalls: warm,
    rssBeforeMB: before.rssMB,
    rssAfterMB: after.rssMB,
    growthMB: Math.round((after.rssMB - before.rssMB) * 10) / 10,
    ...(before.heapAfterGcMB !== undefined && after.heapAfterGcMB !== undefined
      ? { heapAfterGcBeforeMB: before.heapAfterGcMB, heapAfterGcAfterMB: after.heapAfterGcMB, heapGrowthMB: Math.round((after.heapAfterGcMB - before.heapAfterGcMB) * 10) / 10 }
      : {}),
    peakRssMB: mb(service.peakRssBytes()),
    non2xx: checkpoints.reduce((n, p) => n + p.non2xx, 0),
    checkpoints,
  };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const root = projectRoot();
  const machine = describeMachine();
  const fhir = await startEmbeddedFhirServer({ port: 0, fixturesDir: join(root, 'fixtures', 'patients'), latencyMs: o.fhirLatencyMs });
  const dataDir = mkdtempSync(join(tmpdir(), 'spine-cds-bench-'));
  const profileDir = o.profile ? mkdtempSync(join(tmpdir(), 'spine-cds-prof-')) : undefined;
  const port = await freePort();
  let service: RunningService | undefined;
  try {
    const list = scenarios(root, fhir.baseUrl, o);
    console.log(`spine-cds benchmark on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, load ${machine.loadAverage1m}`);
    service = await startService({
      root,
      env: serviceEnv(port, dataDir, o),
      nodeArgs: [
        ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
        // The soak collects garbage in the service through its inspector, on loopback only.
        ...(o.soak && inspectorAvailable() ? ['--inspect=127.0.0.1:0'] : []),
      ],
    });
    console.log(`service ready ${Math.round(service.readyMs)} ms after spawn (pid ${service.pid})`);
    for (const s of list) await checkAnswer(service.baseUrl + s.path, s.body, s.expected);
    console.log(`answers checked: ${list.map((s) => s.name).join(', ')}`);

    let output: Record<string, unknown>;
    if (o.soak) {
      const seed = list.find((s) => s.name === 'seed-prefetch');
      if (!seed) throw new UsageError('--soak needs the seed-prefetch scenario');
      console.log(`soak: ${o.soakCalls} seed calls at ${o.connections} connections`);
      const figures = await soak(service, seed, o);
      console.log(
        `soak: RSS ${figures.rssBeforeMB} MB before, ${figures.rssAfterMB} MB after ${figures.calls} calls (${figures.growthMB >= 0 ? '+' : ''}${figures.growthMB} MB), peak ${figures.peakRssMB} MB` +
          (figures.heapGrowthMB !== undefined ? `; heap after GC ${figures.heapAfterGcBeforeMB} -> ${figures.heapAfterGcAfterMB} MB` : '') +
          `; non-2xx/errors ${figures.non2xx}`,
      );
      output = { mode: 'soak', soak: figures };
    } else {
      const { results, maxRss } = await measureScenarios(service, list, o);
      const peak = service.peakRssBytes();
      console.log('');
      console.log(table(results));
      console.log('');
      console.log(`start-up to ready: ${Math.round(service.readyMs)} ms; RSS under load: max sampled ${mb(maxRss)} MB, peak (VmHWM) ${mb(peak)} MB`);
      output = { mode: 'scenarios', startupToReadyMs: Math.round(service.readyMs), peakRssMB: mb(peak), maxSampledRssMB: mb(maxRss), scenarios: results };
    }
    const code = await service.stop();
    service = undefined;
    if (code !== 0) console.warn(`the service exited with code ${code} on SIGTERM`);
    const profiles = profileSummaries(profileDir);
    for (const p of profiles) {
      console.log(`\nprofile ${p.file}`);
      console.log(formatSummary(p.summary));
    }
    const out = resolve(root, o.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          takenAt: new Date().toISOString(),
          machine,
          options: { duration: o.duration, warmup: o.warmup, connections: o.connections, timeout: o.timeout, chartSize: o.chartSize, fhirLatencyMs: o.fhirLatencyMs, engineThreads: o.threads ?? 'default', logLevel: o.logLevel, pacedShare: o.pacedShare },
          ...output,
          ...(profiles.length > 0 ? { profiles } : {}),
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nfigures written to ${out}`);
  } finally {
    await service?.stop();
    await fhir.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(e instanceof UsageError ? 2 : 1);
});
