import { mkdir, open, readFile, rename, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface StoreLogger {
  warn(obj: object, msg: string): void;
}

export interface LoadedJsonl<T> {
  file: JsonlFile;
  records: T[];
  /** Lines that could not be read and were left out (a torn tail is cut off, middle lines skipped). */
  skipped: number;
}

/**
 * An append-only JSON-lines file. Each append is acknowledged only after the bytes are on disk
 * (fdatasync); appends that arrive while a sync is running are written together with the next one,
 * so concurrent callers share a sync instead of queueing one each.
 */
export class JsonlFile {
  private pending: { data: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
  ) {}

  /**
   * Opens (creating if needed) the file at `path` and reads its records. A last line cut short by a
   * crash is dropped and the file truncated back to the last whole record, so that later appends
   * start on a clean line. `parse` returns undefined for a line that is JSON but not a record.
   */
  static async open<T>(path: string, parse: (value: unknown) => T | undefined, logger?: StoreLogger): Promise<LoadedJsonl<T>> {
    await mkdir(dirname(path), { recursive: true });
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }

    const lines = text.split('\n');
    // Byte offset where each line ends (after its newline), to truncate at a whole record.
    const records: { value: T; end: number }[] = [];
    let offset = 0;
    let badLines = 0;
    let lastGoodEnd = 0;
    let trailingBad = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const isLast = i === lines.length - 1;
      const end = offset + Buffer.byteLength(line, 'utf8') + (isLast ? 0 : 1);
      offset = end;
      if (line.trim() === '') continue;
      const value = isLast ? undefined : parseLine(line, parse); // a line without its newline was never acknowledged
      if (value === undefined) {
        badLines++;
        trailingBad = true;
        continue;
      }
      if (trailingBad) logger?.warn({ file: path }, 'feedback store: skipped an unreadable record in the middle of the file');
      trailingBad = false;
      records.push({ value, end });
      lastGoodEnd = end;
    }
    const byteLength = Buffer.byteLength(text, 'utf8');
    if (lastGoodEnd < byteLength && trailingBad) {
      // The tail after the last good record is what a crash leaves behind: cut it off.
      await truncate(path, lastGoodEnd);
      logger?.warn({ file: path, bytes: byteLength - lastGoodEnd }, 'feedback store: dropped a torn record at the end of the file');
    }

    const handle = await open(path, 'a');
    if (text === '') await syncDirectory(dirname(path));
    return { file: new JsonlFile(handle, path), records: records.map((r) => r.value), skipped: badLines };
  }

  /**
   * Replaces the file's records with `values`, atomically: a new file is written and synced beside it, then
   * renamed over it, so a crash leaves either the old records or the new ones. The file must not be open.
   */
  static async rewrite(path: string, values: readonly unknown[]): Promise<void> {
    const temporary = `${path}.rewrite`;
    const handle = await open(temporary, 'w');
    try {
      await handle.write(values.map((v) => `${JSON.stringify(v)}\n`).join(''));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    await syncDirectory(dirname(path));
  }

  /** Appends records; resolves once they are durable. */
  append(values: readonly unknown[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.path} is closed`));
    if (this.failure) return Promise.reject(this.failure);
    if (values.length === 0) return Promise.resolve();
    const data = values.map((v) => `${JSON.stringify(v)}\n`).join('');
    return new Promise((resolve, reject) => {
      this.pending.push({ data, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
      if (this.pending.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    try {
      if (this.failure) throw this.failure;
      await this.handle.write(batch.map((b) => b.data).join(''));
      await this.handle.datasync();
      for (const b of batch) b.resolve();
    } catch (e) {
      // After a failed write the file may end mid-line: refuse further appends rather than bury it.
      this.failure ??= e as Error;
      for (const b of batch) b.reject(this.failure);
    }
  }

  /** Waits for acknowledged-to-be appends, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.handle.close();
  }
}

function parseLine<T>(line: string, parse: (value: unknown) => T | undefined): T | undefined {
  try {
    return parse(JSON.parse(line));
  } catch {
    return undefined;
  }
}

/** Makes a newly created file's directory entry durable too. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms cannot fsync a directory; the file's own data is still synced on every append.
  } finally {
    await handle?.close();
  }
}
