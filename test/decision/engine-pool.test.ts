import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DecisionEngine } from '../../src/decision/engine.js';
import { order, plan, seedFacts, seedRecord } from './seed-record.js';

/** Threads run the compiled engine: these tests need `npm run build` first (npm test does it). */
const BUILT = path.resolve(import.meta.dirname, '..', '..', 'dist', 'src', 'decision', 'engine-thread.js');
const NOW = new Date('2026-11-20T10:00:00Z');
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

  it('fail the evaluation, not the process, when a thread dies; a new thread takes its place', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'engine-thread-'));
    const entry = path.join(dir, 'dies.mjs');
    writeFileSync(entry, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n");
    const engine = DecisionEngine.load({ threads: 1, threadEntry: pathToFileURL(entry) });
    try {
      await expect(engine.evaluate(plans(), seedRecord(), seedFacts(), NOW)).rejects.toThrow(/exited with code 3/);
      await expect(engine.evaluate(plans(), seedRecord(), seedFacts(), NOW)).rejects.toThrow(/exited with code 3/);
    } finally {
      await engine.close();
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
});
