import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The parts of a V8 .cpuprofile (as written by node --cpu-prof) that the summary reads. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileLine {
  name: string;
  /** Milliseconds spent in the function itself. */
  selfMs: number;
  /** Milliseconds with the function anywhere on the stack. */
  totalMs: number;
  selfPercent: number;
  totalPercent: number;
}

export interface ProfileSummary {
  sampledMs: number;
  /** Milliseconds outside JavaScript: idle, garbage collection, the program itself. */
  idleMs: number;
  gcMs: number;
  functions: ProfileLine[];
  /** Self time grouped by package (node_modules/<name>) or project file, the coarse picture. */
  modules: { name: string; selfMs: number; selfPercent: number }[];
}

/** "node_modules/cql-execution/lib/elm/query.js" -> "cql-execution", "file:///x/dist/src/a/b.js" -> "src/a/b.js". */
export function moduleOf(url: string): string {
  if (!url) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node:internal';
  const own = /\/dist\/((?:src|bench|scripts)\/.*)$/.exec(url) ?? /\/((?:src|bench|scripts)\/.*)$/.exec(url);
  return own ? own[1]! : url.replace(/^file:\/\//, '');
}

/** The file within its package or the project, short enough to read in a table. */
export function fileOf(url: string): string {
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+\/.*)$/.exec(url);
  if (nm) return nm[1]!.replace(/\/(lib|dist|build)\//, '/');
  return moduleOf(url);
}

function nameOf(node: ProfileNode): string {
  const f = node.callFrame;
  const where = f.url ? `${fileOf(f.url)}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

export function summarise(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const modules = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  let gc = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    sampled += dt;
    const fn = node.callFrame.functionName;
    if (fn === '(idle)') idle += dt;
    if (fn === '(garbage collector)') gc += dt;
    const name = nameOf(node);
    self.set(name, (self.get(name) ?? 0) + dt);
    const mod = node.callFrame.url ? moduleOf(node.callFrame.url) : fn;
    modules.set(mod, (modules.get(mod) ?? 0) + dt);
    const onStack = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) onStack.add(nameOf(byId.get(id)!));
    for (const s of onStack) total.set(s, (total.get(s) ?? 0) + dt);
  }
  const busy = Math.max(1e-9, sampled - idle);
  const pct = (ms: number) => Math.round((ms / busy) * 1000) / 10;
  const r = (ms: number) => Math.round(ms * 10) / 10;
  const functions = [...self.entries()]
    .filter(([name]) => !name.startsWith('(idle)') && !name.startsWith('(program)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, selfMs: r(ms), totalMs: r(total.get(name) ?? ms), selfPercent: pct(ms), totalPercent: pct(total.get(name) ?? ms) }));
  const mods = [...modules.entries()]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([name, ms]) => ({ name, selfMs: r(ms), selfPercent: pct(ms) }));
  return { sampledMs: r(sampled), idleMs: r(idle), gcMs: r(gc), functions, modules: mods };
}

export function formatSummary(s: ProfileSummary): string {
  const lines = [
    `sampled ${s.sampledMs} ms, idle ${s.idleMs} ms, GC ${s.gcMs} ms; percentages are of the busy time`,
    '',
    'self time by package or file:',
    ...s.modules.map((m) => `  ${m.selfPercent.toFixed(1).padStart(5)}%  ${String(m.selfMs).padStart(9)} ms  ${m.name}`),
    '',
    'top functions by self time (self% / total%):',
    ...s.functions.map((f) => `  ${f.selfPercent.toFixed(1).padStart(5)}% ${f.totalPercent.toFixed(1).padStart(5)}%  ${f.name}`),
  ];
  return lines.join('\n');
}

export function summariseFile(file: string, top = 25): ProfileSummary {
  return summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const topArg = process.argv.find((a) => a.startsWith('--top='));
  if (files.length === 0) {
    console.error('usage: node dist/bench/profile-summary.js <file.cpuprofile>... [--top=25]');
    process.exit(2);
  }
  for (const f of files) {
    console.log(`== ${f}`);
    console.log(formatSummary(summariseFile(f, topArg ? Number(topArg.slice(6)) : 25)));
  }
}
