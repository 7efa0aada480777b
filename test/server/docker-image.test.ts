import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { copiesOf, dockerIgnore, envOf, execForm, only, readDockerfile, type Stage } from '../support/dockerfile.js';
import { clientToken, makeClient, trustedClientsFile } from '../security/support/client-tokens.js';
import { SEED_TOPICS, SERVICE_PATH, seedPrefetch, seedRequest, topicsOf } from '../security/support/seed.js';
import { postJson, startChild, stopChild, type Child } from './support/child.js';

/**
 * The Docker image, replayed without a Docker engine (none runs here or in CI): the build stage's COPYs are
 * staged from the repository as .dockerignore lets them through, its RUN lines run (`npm install` excepted:
 * the installed tree is hard-linked in, as the test has no network), then the runtime stage is assembled from
 * the build stage's files by its own COPY lines and started with the image's ENV and CMD. What this proves:
 * every file the image needs is copied, the service runs on production dependencies only, the HEALTHCHECK
 * command passes against it, and a signed order-sign call gets the seed's cards. Not proven: the base image,
 * file ownership and the USER switch (the runtime RUN line is checked by its shape instead).
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PUBLIC = 'https://cds.example.org';
const stages = readDockerfile(path.join(ROOT, 'Dockerfile'));
const ignored = dockerIgnore(path.join(ROOT, '.dockerignore'));
const [build, runtime] = stages as [Stage, Stage];
const imageEnv = envOf(runtime);
const workdir = (stage: Stage) => only(stage, 'WORKDIR').at(-1)!.args;
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; engines: { node: string } };

describe('the Dockerfile, read', () => {
  it('has a build stage and a runtime stage on the Node major of package.json engines', () => {
    expect(stages).toHaveLength(2);
    expect(build.name).toBeDefined();
    // The image runs the Node major package.json's engines names, the one the service is developed and tested on.
    const major = /\d+/.exec(pkg.engines.node)![0];
    for (const s of stages) expect(s.from).toMatch(new RegExp(`^node:${major}[.-]`));
  });

  it('runs as an unprivileged user, in production mode, with a health check and the data directory as a volume', () => {
    const user = only(runtime, 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user!.split(':')[0]);
    expect(imageEnv.NODE_ENV).toBe('production');
    expect(only(runtime, 'EXPOSE').map((i) => i.args)).toEqual([imageEnv.PORT]);
    expect(only(runtime, 'VOLUME').map((i) => execForm(i.args))).toEqual([[imageEnv.DATA_DIR]]);
    expect(only(runtime, 'HEALTHCHECK')).toHaveLength(1);
    // The unprivileged user must be able to write the feedback store: the directory is made and handed over.
    const run = only(runtime, 'RUN').map((i) => i.args).join(' && ');
    expect(run).toContain(`mkdir -p ${imageEnv.DATA_DIR}`);
    expect(run).toContain(`chown ${user}:${user} ${imageEnv.DATA_DIR}`);
  });

  it('copies into the build only what exists and .dockerignore lets through', () => {
    for (const c of copiesOf(build)) {
      for (const src of c.sources) {
        expect(existsSync(path.join(ROOT, src))).toBe(true);
        expect(ignored(src)).toBe(false);
      }
    }
  });

  it('keeps keys, local data and installed trees out of the build context', () => {
    for (const p of ['ehr-keys/client-private-jwk.json', 'data/feedback.jsonl', 'node_modules/x', 'dist/x', '.git/config', 'cql-mappings/elm/SpineCommon.json']) {
      expect(ignored(p)).toBe(true);
    }
    expect(ignored('cql-mappings/SpineCommon.cql')).toBe(false);
  });
});

/** Copies `rel` from the context into `dir` (file or folder), leaving out what .dockerignore excludes. */
function copyFromContext(rel: string, dest: string): void {
  const from = path.join(ROOT, rel);
  cpSync(from, dest, {
    recursive: true,
    filter: (p) => !ignored(path.relative(ROOT, p).split(path.sep).join('/')),
  });
}

function destOf(stageDir: string, c: { dest: string; sources: string[] }, src: string): string {
  const dest = path.join(stageDir, c.dest);
  return c.dest.endsWith('/') || c.sources.length > 1 ? path.join(dest, path.basename(src)) : dest;
}

const digestOfHiddenLockfile = () => {
  const file = path.join(ROOT, 'node_modules', '.package-lock.json');
  return existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'absent';
};
const hiddenLockfileBefore = digestOfHiddenLockfile();

describe('the image, replayed', () => {
  let tmp = '';
  let appDir = '';
  let child: Child | undefined;
  let client: Awaited<ReturnType<typeof makeClient>>;
  let healthcheck: string[];

  beforeAll(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'spine-cds-image-'));
    const buildDir = path.join(tmp, 'build');
    appDir = path.join(tmp, 'app');
    mkdirSync(buildDir);
    mkdirSync(appDir);
    for (const ins of build.instructions) {
      if (ins.keyword === 'COPY') {
        const [c] = copiesOf({ ...build, instructions: [ins] });
        for (const src of c!.sources) copyFromContext(src, destOf(buildDir, c!, src));
      } else if (ins.keyword === 'RUN' && /^npm install\b/.test(ins.args)) {
        // No network in tests: the tree `npm install` made for this checkout, hard-linked. npm prune unlinks
        // packages but rewrites its hidden lockfile in place, so that one file is copied, not linked.
        const tree = path.join(buildDir, 'node_modules');
        try {
          execFileSync('cp', ['-al', path.join(ROOT, 'node_modules'), tree], { stdio: 'pipe' });
        } catch {
          // Hard links cannot cross file systems (a checkout on another disk than the temporary directory): copy.
          rmSync(tree, { recursive: true, force: true });
          execFileSync('cp', ['-a', path.join(ROOT, 'node_modules'), tree]);
        }
        const hidden = path.join(buildDir, 'node_modules', '.package-lock.json');
        if (existsSync(hidden)) {
          rmSync(hidden);
          cpSync(path.join(ROOT, 'node_modules', '.package-lock.json'), hidden);
        }
      } else if (ins.keyword === 'RUN') {
        const { NODE_ENV: _jest, ...env } = process.env; // the build stage sets no NODE_ENV; Jest's is not the image's
        const r = spawnSync('sh', ['-c', ins.args], { cwd: buildDir, env: { ...env, npm_config_offline: 'true' }, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`RUN ${ins.args} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
      }
    }
    const buildRoot = workdir(build);
    for (const c of copiesOf(runtime)) {
      if (c.from !== build.name) throw new Error(`runtime COPY not from the build stage: ${c.sources.join(' ')}`);
      for (const src of c.sources) {
        const inBuild = path.join(buildDir, path.relative(buildRoot, src));
        if (!existsSync(inBuild)) throw new Error(`the runtime stage copies ${src}, which the build stage does not make`);
        cpSync(inBuild, destOf(appDir, c, src), { recursive: true });
      }
    }
    mkdirSync(path.join(appDir, path.relative(workdir(runtime), imageEnv.DATA_DIR!)), { recursive: true });
    healthcheck = execForm(only(runtime, 'HEALTHCHECK')[0]!.args);
  }, 120_000);

  afterAll(async () => {
    if (child) await stopChild(child, 'SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  });

  it('leaves the installed tree of the checkout as it was', () => {
    expect(digestOfHiddenLockfile()).toBe(hiddenLockfileBefore);
    expect(existsSync(path.join(ROOT, 'node_modules', 'typescript', 'package.json'))).toBe(true);
  });

  it('holds production dependencies only', () => {
    const installed = new Set(readdirSync(path.join(appDir, 'node_modules')).flatMap((d) => (d.startsWith('@') ? readdirSync(path.join(appDir, 'node_modules', d)).map((s) => `${d}/${s}`) : [d])));
    for (const dev of Object.keys(pkg.devDependencies)) expect(installed.has(dev) ? dev : '').toBe('');
    expect(statSync(path.join(appDir, 'cql-mappings', 'elm')).isDirectory()).toBe(true);
  });

  it('starts with the image ENV and CMD, passes its HEALTHCHECK, and answers a signed call with the seed cards', async () => {
    client = await makeClient('https://ehr.example.org');
    const cmd = execForm(only(runtime, 'CMD')[0]!.args);
    expect(cmd[0]).toBe('node');
    const env = {
      ...imageEnv,
      DATA_DIR: path.join(appDir, path.relative(workdir(runtime), imageEnv.DATA_DIR!)),
      PORT: '0',
      HOST: '127.0.0.1', // the image listens on every interface; tests stay on loopback
      // What "Running in production" passes to `docker run`.
      PUBLIC_BASE_URL: PUBLIC,
      FHIR_SERVER_ALLOWLIST: 'https://ehr.example.org/fhir/r4',
      CDS_TRUSTED_CLIENTS: trustedClientsFile([client]),
    };
    child = await startChild(env, { cwd: appDir, args: cmd.slice(1) });
    const port = new URL(child.url).port;

    expect(healthcheck[0]).toBe('node');
    const check = () => spawnSync(process.execPath, healthcheck.slice(1), { env: { PATH: process.env.PATH, PORT: port }, timeout: 10_000 }).status;
    expect(check()).toBe(0);

    const token = await clientToken(client, `${PUBLIC}${SERVICE_PATH}`);
    const res = await postJson(`${child.url}${SERVICE_PATH}`, seedRequest({ prefetch: seedPrefetch() }), { Authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(topicsOf(res.body as Parameters<typeof topicsOf>[0])).toEqual(SEED_TOPICS);

    await stopChild(child);
    expect(check()).not.toBe(0);
  }, 60_000);
});
