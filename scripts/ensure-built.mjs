// `npm start` runs the built service; this builds first when the build is missing or older than the sources.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const outputs = ['dist/src/server.js', 'cql-mappings/elm'];
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const p = path.join(dir, e.name);
    return Math.max(max, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
const built = outputs.every((p) => existsSync(p));
const stale = built && Math.max(newest('src'), newest('scripts'), newest('cql-mappings')) > statSync(outputs[0]).mtimeMs;
if (!built || stale) execSync('npm run build', { stdio: 'inherit' });
