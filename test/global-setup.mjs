// Jest's globalSetup: stops any run, one test file included, before its first test when cql-mappings/elm is not
// the build of the CQL and value sets beside it (scripts/stale-build.ts). Jest loads this file with Node's own
// loader, which reads no TypeScript: it runs the built check, which `npm run build` writes with the ELM.
import { existsSync } from 'node:fs';

const built = new URL('../dist/scripts/stale-build.js', import.meta.url);

export default async function globalSetup() {
  if (!existsSync(built)) throw new Error('no build (dist/ and cql-mappings/elm/): run npm run build');
  const { staleBuild } = await import(built.href);
  const problem = staleBuild();
  if (problem) throw new Error(problem);
}
