// `npm start` runs the built service; this builds first when the build is missing or older than its sources.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const newest = (dir, skip = () => false) =>
  readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const p = path.join(dir, e.name);
    if (skip(p)) return max;
    return Math.max(max, e.isDirectory() ? newest(p, skip) : statSync(p).mtimeMs);
  }, 0);

const server = 'dist/src/server.js';
const elm = 'cql-mappings/elm/LumbarFusionCriteria.json';
const built = existsSync(server) && existsSync(elm);
const sources = built
  ? Math.max(newest('src'), newest('scripts'), newest('cql-mappings', (p) => p === path.join('cql-mappings', 'elm')))
  : Infinity;
if (!built || sources > Math.min(statSync(server).mtimeMs, statSync(elm).mtimeMs)) {
  // Build output goes to stderr: the commands that follow (fixtures:load, client) print their results on stdout.
  execSync('npm run build', { stdio: ['inherit', 2, 2] });
}
