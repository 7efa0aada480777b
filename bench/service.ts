import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface ServiceOptions {
  root: string;
  env: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}

export interface RunningService {
  pid: number;
  baseUrl: string;
  /** From spawn to the first 200 of GET /readyz. */
  readyMs: number;
  /** Resident memory of the service and its workers, now. */
  rssBytes(): number;
  /** The highest resident memory (VmHWM) each process of the service has reached, summed. */
  peakRssBytes(): number;
  /** CPU time (user + system, all threads) the service has used so far, in milliseconds. */
  cpuMs(): number;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** A free loopback port (released before the service takes it; nothing else on the machine races for it in a bench). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of one process (all its threads), from /proc/<pid>/stat, in milliseconds. */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return 0;
  }
}

/** The process and its descendants (cluster workers), from /proc/<pid>/task/<tid>/children. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      const children = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim();
      if (children) out.push(...children.split(/\s+/).map(Number));
    } catch {
      // gone already
    }
  }
  return out;
}

async function waitReady(url: string, child: ChildProcess, started: number, timeoutMs: number): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return performance.now() - started;
      await res.arrayBuffer();
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`the service was not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Starts the built service (dist/src/server.js) as its own process and waits until /readyz answers 200. */
export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const port = Number(opts.env.PORT);
  const baseUrl = `http://127.0.0.1:${port}`;
  let errText = '';
  const started = performance.now();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), 'dist/src/server.js'], {
    cwd: opts.root,
    env: opts.env,
    // One log line per call goes to /dev/null: written as in production, never read.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    errText = (errText + d).slice(-8000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let readyMs: number;
  try {
    readyMs = await waitReady(`${baseUrl}/readyz`, child, started, opts.readyTimeoutMs ?? 30_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${errText}`, { cause: e });
  }
  const pid = child.pid!;
  let peakSeen = 0;
  return {
    pid,
    baseUrl,
    readyMs,
    rssBytes: () => processTree(pid).reduce((sum, p) => sum + statusField(p, 'VmRSS'), 0),
    peakRssBytes: () => {
      peakSeen = Math.max(peakSeen, processTree(pid).reduce((sum, p) => sum + statusField(p, 'VmHWM'), 0));
      return peakSeen;
    },
    cpuMs: () => processTree(pid).reduce((sum, p) => sum + cpuOf(p), 0),
    stderr: () => errText,
    stop: async () => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
