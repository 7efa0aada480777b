import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory } from '../../src/feedback/jsonl-file.js';
import { runUntilExit } from '../server/support/child.js';

/**
 * DATA_DIR is made at start-up with its missing parents, and a directory that cannot be made stops the service
 * at once, naming DATA_DIR. Node's recursive mkdir never returns on a path under /proc, where the service used to
 * spin at full CPU without ever listening.
 */
describe('DATA_DIR at start-up', () => {
  const onProcfs = existsSync('/proc/self') ? it.each : it.skip.each;
  onProcfs(['/proc/nope', '/proc/nope/deeper/still'])(
    'stops at once, naming DATA_DIR, when %s cannot be made (procfs), rather than spin without listening',
    async (dir) => {
      const started = Date.now();
      const run = await runUntilExit({ CDS_AUTH: 'off', DATA_DIR: dir });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`DATA_DIR (${dir}) cannot hold the feedback store (ENOENT): it must be a writable directory`);
      expect(Date.now() - started).toBeLessThan(15_000);
    },
    25_000,
  );

  describe('makeDirectory (mkdir -p without Node\'s recursive mkdir)', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'spine-cds-data-dir-'));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('makes the directory and its missing parents, and takes one that exists', async () => {
      const dir = join(root, 'a', 'b', 'c');
      await makeDirectory(dir);
      expect(statSync(dir).isDirectory()).toBe(true);
      await expect(makeDirectory(dir)).resolves.toBeUndefined();
      await expect(makeDirectory(root)).resolves.toBeUndefined();
    });

    it('takes a directory made by a concurrent call', async () => {
      const dir = join(root, 'x', 'y');
      await Promise.all([makeDirectory(dir), makeDirectory(dir), makeDirectory(join(dir, 'z'))]);
      expect(statSync(join(dir, 'z')).isDirectory()).toBe(true);
    });

    it('throws what stops it: a file in the way of a parent', async () => {
      writeFileSync(join(root, 'file'), 'x');
      await expect(makeDirectory(join(root, 'file', 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    });

    const procOnly = existsSync('/proc/self') ? it : it.skip;
    procOnly('throws ENOENT under /proc, once', async () => {
      await expect(makeDirectory('/proc/nope/deeper')).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });
});
