/**
 * The Sandbox key set is imported as JSON: this checks that the TypeScript build really ships it next to
 * the compiled module and that Node loads it from there, by compiling the module on its own into a
 * scratch directory with the project's tsconfig.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('sandbox-jwks.json in the build', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'spine-cds-auth-build-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is emitted beside the compiled module and loaded by Node', () => {
    const out = path.join(dir, 'out');
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: path.join(root, 'tsconfig.json'),
        compilerOptions: { outDir: out, rootDir: root, sourceMap: false, types: ['node'], typeRoots: [path.join(root, 'node_modules/@types')] },
        include: [path.join(root, 'src/auth/trusted-clients.ts')],
      }),
    );
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(dir, 'tsconfig.json')], { stdio: 'pipe' });
    const emitted = path.join(out, 'src/auth/sandbox-jwks.json');
    expect(existsSync(emitted)).toBe(true);
    expect(JSON.parse(readFileSync(emitted, 'utf8'))).toEqual(JSON.parse(readFileSync(path.join(root, 'src/auth/sandbox-jwks.json'), 'utf8')));

    symlinkSync(path.join(root, 'node_modules'), path.join(out, 'node_modules'));
    writeFileSync(path.join(out, 'package.json'), '{"type": "module"}');
    const script = `import('./src/auth/trusted-clients.js').then((m) => process.stdout.write(JSON.stringify(m.loadTrustedClients({ NODE_ENV: 'development' }))))`;
    const printed = execFileSync(process.execPath, ['-e', script], { cwd: out, encoding: 'utf8' });
    expect(JSON.parse(printed)).toEqual([
      expect.objectContaining({ iss: 'https://sandbox.cds-hooks.org', jwks: { keys: [expect.objectContaining({ kid: '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f' })] } }),
    ]);
  });
});
