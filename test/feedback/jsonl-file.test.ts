import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlFile } from '../../src/feedback/jsonl-file.js';

interface Rec {
  card: string;
}
const rec = (card: string) => ({ card, topic: 't', outcome: 'overridden', outcomeTimestamp: '2026-01-01T00:00:00Z' });
const parse = (v: unknown): Rec | undefined => (typeof v === 'object' && v !== null && typeof (v as Rec).card === 'string' ? (v as Rec) : undefined);
const line = (card: string) => Buffer.from(`${JSON.stringify(rec(card))}\n`);

type Write = (data: Buffer | string, offset?: number, length?: number) => Promise<{ bytesWritten: number }>;

/**
 * Replaces the file's write() with `fake`, which gets the bytes of each call (whichever form the code under test
 * uses) and the real write for what it lets through.
 */
function fakeWrites(file: JsonlFile, fake: (bytes: Buffer, real: (bytes: Buffer) => Promise<{ bytesWritten: number }>) => Promise<{ bytesWritten: number }>): FileHandle {
  const handle = (file as unknown as { handle: FileHandle }).handle;
  const real = (handle.write as Write).bind(handle);
  (handle as unknown as { write: Write }).write = (data, offset = 0, length) => {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data.subarray(offset, length === undefined ? undefined : offset + length);
    return fake(bytes, (b) => real(b, 0, b.length));
  };
  return handle;
}

const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

async function cards(path: string): Promise<string[]> {
  const reopened = await JsonlFile.open(path, parse);
  await reopened.file.close();
  expect(reopened.skipped).toBe(0);
  return reopened.records.map((r) => r.card);
}

describe('JsonlFile', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spine-cds-jsonl-'));
    path = join(dir, 'f.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('cuts a torn tail at the right byte when a middle line holds bytes that are not UTF-8', async () => {
    // Two bytes that decode to two replacement characters of three bytes each: offsets counted in decoded text drift by four.
    const whole = Buffer.concat([line('a'), Buffer.from([0xff, 0xfe, 0x0a]), line('b')]);
    writeFileSync(path, Buffer.concat([whole, Buffer.from('{"card":"torn')]));
    const first = await JsonlFile.open(path, parse);
    expect(first.records.map((r) => r.card)).toEqual(['a', 'b']);
    expect(first.skipped).toBe(2);
    expect(readFileSync(path)).toEqual(whole);
    await first.file.append([rec('c')]);
    await first.file.close();
    const second = await JsonlFile.open(path, parse);
    expect(second.records.map((r) => r.card)).toEqual(['a', 'b', 'c']);
    await second.file.close();
  });

  it('reads multi-byte characters in records as they were written', async () => {
    writeFileSync(path, Buffer.concat([line('é-α-😀'), Buffer.from('{"card":"tö')]));
    const opened = await JsonlFile.open(path, parse);
    expect(opened.records.map((r) => r.card)).toEqual(['é-α-😀']);
    expect(readFileSync(path)).toEqual(line('é-α-😀'));
    await opened.file.close();
  });

  it('writes every byte of an append whose write() takes fewer bytes than given', async () => {
    const { file } = await JsonlFile.open(path, parse);
    let calls = 0;
    fakeWrites(file, (bytes, real) => {
      calls++;
      return real(bytes.subarray(0, 7));
    });
    await file.append([rec('a'), rec('b')]);
    await file.append([rec('c')]);
    await file.close();
    expect(calls).toBeGreaterThan(3);
    expect(readFileSync(path)).toEqual(Buffer.concat([line('a'), line('b'), line('c')]));
  });

  it('refuses an append cut short for good, and the next append goes through on whole records', async () => {
    const { file } = await JsonlFile.open(path, parse);
    await file.append([rec('a')]);
    let failing = true;
    fakeWrites(file, async (bytes, real) => {
      if (!failing) return real(bytes);
      failing = false;
      // Half of it reaches the file; the next write() finds the disk full.
      await real(bytes.subarray(0, Math.floor(bytes.length / 2)));
      throw errno('ENOSPC');
    });
    await expect(file.append([rec('lost')])).rejects.toMatchObject({ code: 'ENOSPC' });
    await file.append([rec('b')]);
    await file.close();
    expect(await cards(path)).toEqual(['a', 'b']);
  });

  it('refuses an append whose write() makes no progress', async () => {
    const { file } = await JsonlFile.open(path, parse);
    fakeWrites(file, async () => ({ bytesWritten: 0 }));
    await expect(file.append([rec('a')])).rejects.toThrow(/no progress/);
    await file.close();
  });

  it('refuses an append whose sync fails, and leaves none of it in the file', async () => {
    const { file } = await JsonlFile.open(path, parse);
    await file.append([rec('a')]);
    const handle = (file as unknown as { handle: FileHandle }).handle;
    const realSync = handle.datasync.bind(handle);
    handle.datasync = () => Promise.reject(errno('EIO'));
    await expect(file.append([rec('unsynced')])).rejects.toMatchObject({ code: 'EIO' });
    handle.datasync = realSync;
    await file.append([rec('b')]);
    await file.close();
    expect(await cards(path)).toEqual(['a', 'b']);
  });

  it('fails its check while it cannot be repaired, and repairs itself when it can (no append needed)', async () => {
    const { file } = await JsonlFile.open(path, parse);
    await file.append([rec('a')]);
    await file.check();
    const handle = fakeWrites(file, async (bytes, real) => {
      await real(bytes.subarray(0, 5));
      throw errno('EIO');
    });
    await expect(file.append([rec('lost')])).rejects.toMatchObject({ code: 'EIO' });
    await expect(file.check()).rejects.toThrow(/cannot be written \(EIO\)/);
    await expect(file.check()).rejects.toThrow(/EIO/);
    // The device is back.
    (handle as unknown as { write: unknown }).write = Object.getPrototypeOf(handle).write;
    await file.check();
    expect(readFileSync(path, 'utf8')).toBe(`${line('a').toString()}\n`);
    await file.append([rec('b')]);
    await file.close();
    expect(await cards(path)).toEqual(['a', 'b']);
  });

  it('answers its check at once while healthy, even with an append waiting on a slow disk', async () => {
    const { file } = await JsonlFile.open(path, parse);
    const handle = (file as unknown as { handle: FileHandle }).handle;
    const realSync = handle.datasync.bind(handle);
    let release: () => void = () => {};
    const syncing = new Promise<void>((started) => {
      handle.datasync = () => {
        started();
        return new Promise<void>((resolve) => (release = resolve)).then(realSync);
      };
    });
    const appended = file.append([rec('a')]);
    await syncing;
    await file.check();
    release();
    await appended;
    handle.datasync = realSync;
    await file.close();
  });

  it('is cut back to whole records when closed after a failed append', async () => {
    const { file } = await JsonlFile.open(path, parse);
    await file.append([rec('a')]);
    fakeWrites(file, async (bytes, real) => {
      await real(bytes.subarray(0, bytes.length - 1));
      throw errno('EFBIG');
    });
    // Whole records but the newline: read back, they would count though never acknowledged.
    await expect(file.append([rec('x'), rec('y')])).rejects.toMatchObject({ code: 'EFBIG' });
    await file.close();
    expect(readFileSync(path)).toEqual(line('a'));
  });

  describe('deleted or replaced under it', () => {
    it('refuses an append that went to a file deleted meanwhile, and the next one creates the file again', async () => {
      const { file } = await JsonlFile.open(path, parse);
      await file.append([rec('a')]);
      rmSync(path);
      await expect(file.append([rec('lost')])).rejects.toMatchObject({ code: 'EDETACHED' });
      expect(existsSync(path)).toBe(false);
      await file.append([rec('b')]);
      await file.close();
      // 'a' went with the deleted file; nothing written to it since was acknowledged.
      expect(await cards(path)).toEqual(['b']);
    });

    it('fails while its directory is gone, without creating it, and recovers once an operator brings it back', async () => {
      const { file } = await JsonlFile.open(path, parse);
      await file.append([rec('a')]);
      rmSync(dir, { recursive: true });
      await expect(file.append([rec('lost')])).rejects.toMatchObject({ code: 'EDETACHED' });
      await expect(file.check()).rejects.toThrow(/cannot be written \(ENOENT\)/);
      await expect(file.append([rec('lost too')])).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(file.check()).rejects.toThrow(/ENOENT/);
      expect(existsSync(dir)).toBe(false);
      mkdirSync(dir);
      await file.check();
      expect(existsSync(path)).toBe(true);
      await file.append([rec('b')]);
      await file.close();
      expect(await cards(path)).toEqual(['b']);
    });

    it('notices in its check alone (no append) that the file or its directory is gone', async () => {
      const { file } = await JsonlFile.open(path, parse);
      await file.append([rec('a')]);
      rmSync(path);
      // Only the file is gone: the check creates it again and the service stays ready.
      await file.check();
      expect(existsSync(path)).toBe(true);
      rmSync(dir, { recursive: true });
      await expect(file.check()).rejects.toThrow(/ENOENT/);
      mkdirSync(dir);
      await file.check();
      await file.append([rec('b')]);
      await file.close();
      expect(await cards(path)).toEqual(['b']);
    });

    it('writes the records to restore ahead of the next append into a file created anew', async () => {
      const { file } = await JsonlFile.open(path, parse);
      file.restoreWith(() => [rec('kept-1'), rec('kept-2')]);
      await file.append([rec('a')]);
      rmSync(path);
      await expect(file.append([rec('lost')])).rejects.toMatchObject({ code: 'EDETACHED' });
      await file.append([rec('b')]);
      await file.append([rec('c')]);
      await file.close();
      expect(await cards(path)).toEqual(['kept-1', 'kept-2', 'b', 'c']);
    });

    it('appends to a file moved over its own as it is (torn tail cut off, nothing restored into it)', async () => {
      const { file } = await JsonlFile.open(path, parse);
      file.restoreWith(() => [rec('kept')]);
      await file.append([rec('a')]);
      const other = join(dir, 'other.jsonl');
      writeFileSync(other, Buffer.concat([line('x'), Buffer.from('{"card":"to')]));
      renameSync(other, path);
      await expect(file.append([rec('lost')])).rejects.toMatchObject({ code: 'EDETACHED' });
      await file.append([rec('b')]);
      await file.close();
      expect(await cards(path)).toEqual(['x', 'b']);
    });
  });
});
