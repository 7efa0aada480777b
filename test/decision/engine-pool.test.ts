import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultCqlDir } from '../../src/decision/cql-library.js';
import { DecisionEngine } from '../../src/decision/engine.js';
import { loadValueSets } from '../../src/terminology/value-sets.js';
import type { ThreadStopped } from '../../src/decision/engine-pool.js';
import { EvaluationError } from '../../src/decision/evaluation-error.js';
import { alwaysFailing, failingOnTwoStudies, study } from './broken-elm.js';
import { order, plan, seedFacts, seedRecord } from './seed-record.js';

/** Threads run the compiled engine: these tests need `npm run build` first (npm test does it). */
const BUILT = path.resolve(import.meta.dirname, '..', '..', 'dist', 'src', 'decision', 'engine-thread.js');
const NOW = new Date('2026-11-20T10:00:00Z');
async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
const plans = () => [plan([order('o1', ['22830', '22612'], 'inpatient')]), plan([order('o2', ['63047'], 'outpatient', 'L4-L5')], 'L4-L5')];

describe('evaluations on worker threads', () => {
  it('needs the build', () => {
    expect(existsSync(BUILT)).toBe(true);
  });

  it('decide as on the calling thread, many at once', async () => {
    const local = DecisionEngine.load();
    const threaded = DecisionEngine.load({ threads: 2, threadEntry: pathToFileURL(BUILT) });
    try {
      expect(threaded.threads).toBe(2);
      const expected = await local.evaluate(plans(), seedRecord(), seedFacts(), NOW);
      const answers = await Promise.all(Array.from({ length: 6 }, () => threaded.evaluate(plans(), seedRecord(), seedFacts(), NOW)));
      for (const a of answers) expect(a).toEqual(expected);
    } finally {
      await threaded.close();
    }
  });

  it('count as loaded once each thread has loaded its library, and not before', async () => {
    const threaded = DecisionEngine.load({ threads: 2, threadEntry: pathToFileURL(BUILT) });
    try {
      expect(threaded.loaded).toBe(false);
      const started = Date.now();
      while (!threaded.loaded && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 20));
      expect(threaded.loaded).toBe(true);
      expect(DecisionEngine.load().loaded).toBe(true);
    } finally {
      await threaded.close();
    }
  });

  it('fail the evaluation with review-failed, not the process, when a thread dies; a new thread takes its place at once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'engine-thread-'));
    const entry = path.join(dir, 'loads-then-dies.mjs');
    writeFileSync(entry, "import { parentPort } from 'node:worker_threads';\nparentPort.postMessage({ ready: true });\nparentPort.on('message', () => process.exit(3));\n");
    const stops: ThreadStopped[] = [];
    const engine = DecisionEngine.load({ threads: 1, threadEntry: pathToFileURL(entry), onThreadStopped: (e) => stops.push(e) });
    try {
      await waitFor(() => engine.loaded);
      await expect(engine.evaluate(plans(), seedRecord(), seedFacts(), NOW)).rejects.toMatchObject({ reason: 'review-failed' });
      expect(stops).toEqual([{ event: 'exit', exitCode: 3, wasLoaded: true, failedEvaluations: 1, restartInMs: 0 }]);
      // Restarted at once: still ready, and the next evaluation reaches the new thread (which dies the same way).
      expect(engine.loaded).toBe(true);
      await waitFor(() => stops.length === 1 && engine.loaded);
      await new Promise((r) => setTimeout(r, 50));
      await expect(engine.evaluate(plans(), seedRecord(), seedFacts(), NOW)).rejects.toMatchObject({ reason: 'review-failed' });
      expect(stops).toHaveLength(2);
    } finally {
      await engine.close();
    }
  });

  it('restart a thread that cannot load with a growing delay, and count the service not ready until one loads', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'engine-thread-'));
    const broken = path.join(dir, 'broken');
    const entry = path.join(dir, 'breakable.mjs');
    // While the flag file exists the thread dies before loading, as with ELM moved away under a running service.
    writeFileSync(
      entry,
      `import { existsSync } from 'node:fs';\nimport { parentPort } from 'node:worker_threads';\nif (existsSync(${JSON.stringify(broken)})) process.exit(1);\nparentPort.postMessage({ ready: true });\nparentPort.on('message', () => process.exit(3));\n`,
    );
    const stops: ThreadStopped[] = [];
    const engine = DecisionEngine.load({ threads: 1, threadEntry: pathToFileURL(entry), onThreadStopped: (e) => stops.push(e) });
    try {
      await waitFor(() => engine.loaded);
      writeFileSync(broken, '');
      await expect(engine.evaluate(plans(), seedRecord(), seedFacts(), NOW)).rejects.toMatchObject({ reason: 'review-failed' });
      await waitFor(() => stops.length >= 3, 10_000);
      expect(stops.slice(1, 3).map((s) => [s.wasLoaded, s.restartInMs])).toEqual([
        [false, 500],
        [false, 1000],
      ]);
      expect(engine.loaded).toBe(false);
      // No thread to run it: refused at once, never queued behind a restart.
      await expect(engine.evaluate(plans(), seedRecord(), seedFacts(), NOW)).rejects.toMatchObject({ reason: 'review-failed' });
      rmSync(broken);
      await waitFor(() => engine.loaded, 10_000);
    } finally {
      await engine.close();
    }
  }, 20_000);

  it('fail alone an evaluation that cannot cross to the thread, leaving nothing pending', async () => {
    const threaded = DecisionEngine.load({ threads: 1, threadEntry: pathToFileURL(BUILT) });
    try {
      const facts = { ...seedFacts(), imaging: [{ notCloneable: () => 1 }] } as unknown as ReturnType<typeof seedFacts>;
      await expect(threaded.evaluate(plans(), seedRecord(), facts, NOW)).rejects.toMatchObject({ reason: 'review-failed' });
      const [d] = await threaded.evaluate(plans(), seedRecord(), seedFacts(), NOW);
      expect(d!.determination).toBe('criteria-met');
    } finally {
      await threaded.close();
    }
  });

  it('stop an evaluation that overruns its deadline: review-timeout, and a fresh thread takes its place', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'engine-thread-'));
    const entry = path.join(dir, 'spins.mjs');
    // A thread that never answers, like cql-execution lost in a huge chart: only terminating it frees the core.
    writeFileSync(entry, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => { for (;;) {} });\n");
    const engine = DecisionEngine.load({ threads: 1, threadEntry: pathToFileURL(entry) });
    try {
      const started = Date.now();
      await expect(engine.evaluate(plans(), seedRecord(), seedFacts(), NOW, Date.now() + 100)).rejects.toMatchObject({ reason: 'review-timeout' });
      expect(Date.now() - started).toBeLessThan(5000);
      await expect(engine.evaluate(plans(), seedRecord(), seedFacts(), NOW, Date.now() + 100)).rejects.toMatchObject({ reason: 'review-timeout' });
    } finally {
      await engine.close();
    }
  });

  it('a deadline that is met changes nothing', async () => {
    const threaded = DecisionEngine.load({ threads: 1, threadEntry: pathToFileURL(BUILT) });
    try {
      const [d] = await threaded.evaluate(plans(), seedRecord(), seedFacts(), NOW, Date.now() + 20_000);
      expect(d!.determination).toBe('criteria-met');
    } finally {
      await threaded.close();
    }
  });

  it('refuse evaluations once closed', async () => {
    const engine = DecisionEngine.load({ threads: 1, threadEntry: pathToFileURL(BUILT) });
    await engine.close();
    await expect(engine.evaluate(plans(), seedRecord(), seedFacts(), NOW)).rejects.toThrow(/closed/);
  });

  it('run, in a thread that replaces one that died, the library the process loaded, not a rebuild left on disk since', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'engine-thread-'));
    const elmDir = path.join(dir, 'elm');
    cpSync(path.join(defaultCqlDir(), 'elm'), elmDir, { recursive: true });
    // The built thread, which dies on a job for patient "die" (as a thread lost to a crash or an overrun).
    const entry = path.join(dir, 'dies-on-request.mjs');
    writeFileSync(
      entry,
      [
        "import { parentPort } from 'node:worker_threads';",
        'const on = parentPort.on.bind(parentPort);',
        "parentPort.on = (type, listener) => on(type, type === 'message' ? (m) => (m.job?.patientId === 'die' ? process.exit(7) : listener(m)) : listener);",
        `await import(${JSON.stringify(pathToFileURL(BUILT).href)});`,
      ].join('\n'),
    );
    const stops: ThreadStopped[] = [];
    const engine = DecisionEngine.load({ threads: 1, elmDir, threadEntry: pathToFileURL(entry), onThreadStopped: (e) => stops.push(e) });
    try {
      const before = await engine.evaluate(plans(), seedRecord(), seedFacts(), NOW);
      expect(before[0]!.criteria[2]!.status).toBe('met');
      // A rebuild while the service runs: the seed MRI is two months old, so a one-month look-back leaves R3 undocumented.
      const file = path.join(elmDir, 'LumbarFusionCriteria.json');
      const elm = JSON.parse(readFileSync(file, 'utf8')) as { library: { parameters: { def: { name: string; default: { value: string } }[] } } };
      elm.library.parameters.def.find((d) => d.name === 'Imaging Lookback Months')!.default.value = '1';
      writeFileSync(file, JSON.stringify(elm));
      expect((await DecisionEngine.load({ elmDir }).evaluate(plans(), seedRecord(), seedFacts(), NOW))[0]!.criteria[2]!.status).toBe('not-documented');

      await expect(engine.evaluate(plans(), { ...seedRecord(), patientId: 'die' }, seedFacts(), NOW)).rejects.toMatchObject({ reason: 'review-failed' });
      expect(stops).toMatchObject([{ exitCode: 7, wasLoaded: true }]);
      await new Promise((r) => setTimeout(r, 50)); // the replacement starts on the next turn
      expect(await engine.evaluate(plans(), seedRecord(), seedFacts(), NOW)).toEqual(before);
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keep a thread from starting on other value sets than the process loaded, saying why', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'engine-valuesets-'));
    cpSync(path.join(defaultCqlDir(), 'valuesets'), dir, { recursive: true });
    const file = path.join(dir, 'motor-deficit.json');
    const vs = JSON.parse(readFileSync(file, 'utf8')) as { title: string };
    writeFileSync(file, JSON.stringify({ ...vs, title: `${vs.title} (edited)` }));
    const stops: ThreadStopped[] = [];
    // The process loaded the edited files; the thread finds cql-mappings/valuesets as it is.
    const engine = DecisionEngine.load({ threads: 1, valueSets: loadValueSets(dir), threadEntry: pathToFileURL(BUILT), onThreadStopped: (e) => stops.push(e) });
    try {
      await waitFor(() => stops.length > 0, 10_000);
      expect(stops[0]).toMatchObject({ wasLoaded: false, loadError: expect.stringContaining('cql-mappings/valuesets has changed since the service started') });
      expect(engine.loaded).toBe(false);
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keep a thread from loading a library that fails on the synthetic charts, saying which CQL definition: the service is not ready', async () => {
    const stops: ThreadStopped[] = [];
    // The calling thread's own check is off here, to see the thread's (in the service it fails the start first).
    const engine = DecisionEngine.load({ elm: alwaysFailing(), selfCheck: false, threads: 1, threadEntry: pathToFileURL(BUILT), onThreadStopped: (e) => stops.push(e) });
    try {
      await waitFor(() => stops.length > 0, 10_000);
      expect(stops[0]).toMatchObject({ wasLoaded: false, loadError: expect.stringContaining('Error in define "Interspaces" (LumbarFusionCriteria|1.0.0') });
      expect(engine.loaded).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('fail with review-failed, naming the CQL definition and never the chart, an evaluation the library throws on; the thread carries on', async () => {
    const engine = DecisionEngine.load({ elm: failingOnTwoStudies(), threads: 1, threadEntry: pathToFileURL(BUILT) });
    try {
      const record = { ...seedRecord(), patientId: 'pt-secret-7', imagingStudies: [study('s1', 'pt-secret-7'), study('s2', 'pt-secret-7')] };
      const failed = (await engine.evaluate(plans(), record, seedFacts(), NOW).catch((e: unknown) => e)) as EvaluationError;
      expect(failed).toBeInstanceOf(EvaluationError);
      expect(failed.reason).toBe('review-failed');
      expect(failed.failure).toMatchObject({ errorClass: 'Error', step: 'cql', define: 'define "Interspaces"', expression: 'SingletonFrom' });
      expect(JSON.stringify({ m: failed.message, d: failed.detail })).not.toMatch(/pt-secret-7|Jane|Marker/);
      expect((await engine.evaluate(plans(), seedRecord(), seedFacts(), NOW))[0]!.determination).toBe('criteria-met');
    } finally {
      await engine.close();
    }
  });
});
