import { readFileSync } from 'node:fs';

/**
 * Just enough of the Dockerfile and .dockerignore grammar to replay the image's stages without a Docker
 * engine (there is none on the development machine or in CI). Anything this reader does not know is an
 * error, so a new instruction in the Dockerfile makes the image test say what to teach it.
 */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

const KNOWN = new Set(['FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'USER', 'EXPOSE', 'VOLUME', 'HEALTHCHECK', 'CMD']);

export function readDockerfile(file: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    if (pending === '' && /^\s*#/.test(raw)) continue;
    if (pending !== '' && /^\s*#/.test(raw)) continue; // comments inside a continued instruction are dropped too
    const continued = /\\\s*$/.test(raw);
    pending += (pending === '' ? '' : ' ') + raw.replace(/\\\s*$/, '').trim();
    if (!continued) {
      if (pending.trim() !== '') logical.push(pending.trim());
      pending = '';
    }
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line not understood: ${line}`);
    const keyword = m[1]!.toUpperCase();
    if (!KNOWN.has(keyword)) throw new Error(`Dockerfile instruction ${keyword} is not known to test/support/dockerfile.ts`);
    if (keyword === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(m[2]!);
      if (!f) throw new Error(`FROM not understood: ${line}`);
      stages.push({ from: f[1]!, name: f[2], instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`${keyword} before FROM`);
    stages.at(-1)!.instructions.push({ keyword, args: m[2]! });
  }
  return stages;
}

export function only(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** ENV k=v k2=v2 (the `ENV k v` form is refused: Docker deprecates it). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of only(stage, 'ENV')) {
    for (const pair of args.match(/\S+=("[^"]*"|\S*)/g) ?? []) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    }
    if (!/=/.test(args)) throw new Error(`ENV without k=v: ${args}`);
  }
  return env;
}

export interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

export function copiesOf(stage: Stage): Copy[] {
  return only(stage, 'COPY').map(({ args }) => {
    const words = args.split(/\s+/);
    let from: string | undefined;
    while (words[0]?.startsWith('--')) {
      const flag = words.shift()!;
      const f = /^--from=(.+)$/.exec(flag);
      if (!f) throw new Error(`COPY flag ${flag} is not known to test/support/dockerfile.ts`);
      from = f[1];
    }
    if (words.length < 2) throw new Error(`COPY needs a source and a destination: ${args}`);
    return { from, sources: words.slice(0, -1), dest: words.at(-1)! };
  });
}

/** The exec (JSON array) form of CMD or HEALTHCHECK ... CMD; the shell form is refused. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not an exec form: ${args}`);
  return parsed as string[];
}

/**
 * .dockerignore: a pattern excludes the paths it matches and everything under them. `*` and `?` stay within
 * one path segment, `**` spans segments; exceptions (`!`) are not used here and are refused.
 */
export function dockerIgnore(file: string): (relPath: string) => boolean {
  const patterns = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (patterns.some((p) => p.startsWith('!'))) throw new Error('.dockerignore exceptions (!) are not known to test/support/dockerfile.ts');
  const regexes = patterns.map((p) => {
    const body = p
      .replace(/^\/+|\/+$/g, '')
      .split('/')
      .map((seg) => (seg === '**' ? '.*' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
      .join('/');
    return new RegExp(`^${body}$`);
  });
  return (relPath) => {
    const segments = relPath.split('/');
    for (let i = 1; i <= segments.length; i++) {
      const prefix = segments.slice(0, i).join('/');
      if (regexes.some((r) => r.test(prefix))) return true;
    }
    return false;
  };
}
