import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import { growChart, prefetchOf } from '../../bench/chart.js';
import { cardKeys, expectedKeys } from '../../bench/checks.js';
import { inspectorUrl } from '../../bench/inspector.js';
import { percentile } from '../../bench/load.js';
import { DEFAULTS, parseOptions, UsageError } from '../../bench/options.js';
import { runPaced } from '../../bench/paced.js';
import { summarise } from '../../bench/profile-summary.js';

const seed = (JSON.parse(readFileSync(path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'patients', 'seed-revision-l34.json'), 'utf8')) as Bundle).entry!.map(
  (e) => e.resource as FhirResource,
);

describe('bench helpers', () => {
  it('percentile: nearest rank', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 99)).toBe(10);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it('options: defaults, flags in both forms, refusals', () => {
    expect(parseOptions([])).toEqual(DEFAULTS);
    const o = parseOptions(['--duration', '3', '--threads=2', '--only', 'healthz,seed', '--soak']);
    expect(o).toMatchObject({ duration: 3, threads: 2, only: ['healthz', 'seed'], soak: true });
    expect(() => parseOptions(['--duration', '-1'])).toThrow(UsageError);
    expect(() => parseOptions(['--connections', '2.5'])).toThrow(UsageError);
    expect(() => parseOptions(['--nope'])).toThrow(/unknown option --nope/);
    expect(parseOptions(['--paced-share=0']).pacedShare).toBe(0);
    expect(() => parseOptions(['--paced-share', 'half'])).toThrow(UsageError);
  });

  it('the grown chart: the size asked, ids unique, the seed untouched and first, every record the patient\'s', () => {
    const grown = growChart(seed, 2000);
    expect(grown).toHaveLength(2000);
    expect(grown.slice(0, seed.length)).toEqual(seed);
    expect(new Set(grown.map((r) => `${r.resourceType}/${r.id}`)).size).toBe(2000);
    const added = grown.slice(seed.length) as { resourceType: string; subject?: { reference?: string } }[];
    expect(new Set(added.map((r) => r.resourceType))).toEqual(new Set(['Condition', 'Observation']));
    expect(added.every((r) => r.subject?.reference === 'Patient/seed-revision-l34')).toBe(true);
    expect(growChart(seed, 5)).toEqual(seed);
  });

  it('prefetch: the Patient and one searchset per key, each with its total', () => {
    const p = prefetchOf(seed) as Record<string, { resourceType: string; total?: number; entry?: unknown[] }>;
    expect(Object.keys(p).sort()).toEqual(['conditions', 'diagnosticReports', 'imagingStudies', 'observations', 'patient', 'procedures']);
    expect(p.patient!.resourceType).toBe('Patient');
    expect(p.conditions!.total).toBe(p.conditions!.entry!.length);
    expect(Object.values(p).reduce((n, b) => n + (b.entry?.length ?? 1), 0)).toBe(seed.length);
  });

  it('cards compared by topic and level, in any order', () => {
    const cards = [
      { summary: 'Revision L3-L4 fusion: necessity criteria met', source: { topic: { code: 'criteria-met' } } },
      { summary: 'Cannot evaluate', source: { topic: { code: 'evaluation-unavailable' } } },
    ];
    expect(cardKeys(cards)).toEqual(expectedKeys([{ topic: 'evaluation-unavailable' }, { topic: 'criteria-met', level: 'L3-L4' }]));
    expect(cardKeys(cards)).not.toEqual(expectedKeys([{ topic: 'criteria-met', level: 'L4-L5' }]));
  });

  it('the inspector address is read from what node prints', () => {
    expect(inspectorUrl('Debugger listening on ws://127.0.0.1:40123/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab\nFor help')).toBe(
      'ws://127.0.0.1:40123/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab',
    );
    expect(inspectorUrl('nothing here')).toBeUndefined();
  });

  it('profile summary: self and total time per function, idle left out of the shares', () => {
    const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0 }, children });
    const profile = {
      nodes: [
        frame(1, '(root)', ''),
        frame(2, 'outer', 'file:///x/dist/src/a.js', [3]),
        frame(3, 'inner', 'file:///x/node_modules/pkg/lib/b.js'),
        frame(4, '(idle)', ''),
      ],
      samples: [2, 3, 3, 4],
      timeDeltas: [1000, 1000, 1000, 1000],
      startTime: 0,
      endTime: 4000,
    };
    profile.nodes[0]!.children = [2, 4];
    const s = summarise(profile);
    expect(s.sampledMs).toBe(4);
    expect(s.idleMs).toBe(1);
    const byName = Object.fromEntries(s.functions.map((f) => [f.name.split(' ')[0], f]));
    expect(byName.inner).toMatchObject({ selfMs: 2, totalMs: 2 });
    expect(byName.outer).toMatchObject({ selfMs: 1, totalMs: 3, totalPercent: 100 });
    expect(s.modules.map((m) => m.name)).toEqual(['pkg', 'src/a.js']);
  });
});

describe('paced load', () => {
  let server: http.Server;
  let baseUrl: string;
  let handled = 0;
  /** The first call is held 300 ms; every fifth answers 500. */
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const n = handled++;
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(n % 5 === 4 ? 500 : 200).end('{}'), n === 0 ? 300 : 0));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('starts calls at the rate asked, counts each from its turn, and counts the non-2xx', async () => {
    const f = await runPaced({ url: `${baseUrl}/x`, method: 'POST', body: '{"a":1}', rate: 100, duration: 1, connections: 1, timeout: 5 });
    expect(f.requests).toBe(100);
    expect(f.non2xx).toBe(20);
    expect(f.errors + f.timeouts).toBe(0);
    // One connection: the calls whose turn came while the first was held waited for it, and their wait counts.
    expect(f.max).toBeGreaterThanOrEqual(290);
    expect(f.p50).toBeLessThan(f.max);
    expect(f.seconds).toBeGreaterThanOrEqual(0.99);
  });
});
