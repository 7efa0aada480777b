import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The built service (dist/src/server.js, built by `npm test` before Jest runs) as a child process, on a port
 * the system chooses, with its JSON log lines collected.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const SERVER_JS = path.join(ROOT, 'dist', 'src', 'server.js');

export interface Child {
  process: ChildProcess;
  url: string;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Where the service runs from: the repository by default; `env` is then the whole environment beside PATH. */
export interface ChildPlace {
  cwd: string;
  args: string[];
}

const TEST_DEFAULTS = { NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', EMBEDDED_FHIR: 'false', LOG_LEVEL: 'info' };

function spawnServer(env: Record<string, string>, place?: ChildPlace): { child: ChildProcess; lines: Record<string, unknown>[]; stderr: () => string; exited: Child['exited'] } {
  if (!place && !existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`npm run build\` (npm test does) first`);
  const child = spawn(process.execPath, place?.args ?? [SERVER_JS], {
    cwd: place?.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', ...(place ? {} : TEST_DEFAULTS), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const p of parts) if (p.trim() !== '') lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, lines, stderr: () => err, exited };
}

/** Starts the service and resolves once it is ready (rejects if it exits first or takes over 20 s). */
export async function startChild(env: Record<string, string>, place?: ChildPlace): Promise<Child> {
  const { child, lines, stderr, exited } = spawnServer(env, place);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'listening' line within 20 s; stderr: ${stderr()}`)), 20_000);
    const poll = setInterval(() => {
      const listening = lines.find((l) => l.msg === 'spine-cds listening');
      if (listening) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(listening.port as number);
      }
    }, 10);
    void exited.then(({ code }) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; stderr: ${stderr()}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  // As an orchestrator would, wait for /readyz: the evaluation threads load their library after 'listening'.
  const readyBy = Date.now() + 20_000;
  while ((await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > readyBy) throw new Error(`not ready within 20 s; stderr: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { process: child, url, lines, stderr, exited };
}

/** Runs the service until it exits on its own (a start-up refusal), at most 20 s. */
export async function runUntilExit(env: Record<string, string>, place?: ChildPlace): Promise<{ code: number | null; stderr: string; lines: Record<string, unknown>[] }> {
  const { child, lines, stderr, exited } = spawnServer(env, place);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const { code } = await exited;
  clearTimeout(timer);
  return { code, stderr: stderr(), lines };
}

/** Sends `signal` and waits for the exit (SIGKILL after 15 s, so a stuck child never outlives the test). */
export async function stopChild(child: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return child.exited;
  child.process.kill(signal);
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 15_000);
  const result = await child.exited;
  clearTimeout(timer);
  return result;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

export interface ChildrenPerTest {
  /** This test's own DATA_DIR. */
  readonly dataDir: string;
  /** startChild with this test's DATA_DIR (env may name another). */
  start(env?: Record<string, string>): Promise<Child>;
}

/**
 * For each test of the enclosing block: a fresh DATA_DIR, removed afterwards, and every child the test started
 * killed, so that a failing test never leaves a server running.
 */
export function childrenPerTest(prefix: string): ChildrenPerTest {
  let dataDir = '';
  const started: Child[] = [];
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const child of started.splice(0)) await stopChild(child, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    get dataDir() {
      return dataDir;
    },
    async start(env = {}) {
      const child = await startChild({ DATA_DIR: dataDir, ...env });
      started.push(child);
      return child;
    },
  };
}
