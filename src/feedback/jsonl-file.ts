import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadJsonl, syncDirectory, type StoreLogger } from './jsonl-load.js';

export type { StoreLogger } from './jsonl-load.js';

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
 *
 * A failed append (a short write that cannot be finished, ENOSPC, EIO, a failed sync) is refused to its
 * callers and may leave part of its bytes at the end of the file. The file is then cut back to its last
 * acknowledged record before anything else is written, so one failure neither buries later records behind a
 * torn line nor stops the store until a restart: the next append tries again.
 */
export class JsonlFile {
  private pending: { data: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  private flushing: Promise<void> | undefined;
  /** The last write failed and the file may end with part of it; cleared once an append or a repair goes through. */
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    /** Bytes of acknowledged records: where the file is cut back to after a failed append. */
    private durableSize: number,
  ) {}

  /**
   * Opens (creating it and its directory if needed) the file at `path` and reads its records; a torn last
   * line is cut off (see loadJsonl).
   */
  static async open<T>(path: string, parse: (value: unknown) => T | undefined, logger?: StoreLogger): Promise<LoadedJsonl<T>> {
    await mkdir(dirname(path), { recursive: true });
    const { handle, size, records, skipped } = await loadJsonl(path, parse, logger);
    return { file: new JsonlFile(handle, path, size), records, skipped };
  }

  /**
   * Replaces the file's records with `values`, atomically: a new file is written and synced beside it, then
   * renamed over it, so a crash leaves either the old records or the new ones. The file must not be open.
   */
  static async rewrite(path: string, values: readonly unknown[]): Promise<void> {
    const temporary = `${path}.rewrite`;
    const handle = await open(temporary, 'w');
    try {
      await writeAll(handle, Buffer.from(values.map((v) => `${JSON.stringify(v)}\n`).join(''), 'utf8'));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    await syncDirectory(dirname(path));
  }

  /** Appends records; resolves once they are durable, rejects when they could not all be written and synced. */
  append(values: readonly unknown[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.path} is closed`));
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
      if (this.failure) await this.cutBack();
      const bytes = Buffer.from(batch.map((b) => b.data).join(''), 'utf8');
      await writeAll(this.handle, bytes);
      await this.handle.datasync();
      this.durableSize += bytes.length;
      this.failure = undefined;
      for (const b of batch) b.resolve();
    } catch (e) {
      // Nothing of this batch is acknowledged; what reached the file is cut off before the next write.
      this.failure = e as Error;
      for (const b of batch) b.reject(this.failure);
    }
  }

  /** Cuts the file back to its acknowledged records (a failed append may have left part of itself behind). */
  private async cutBack(): Promise<void> {
    await this.handle.truncate(this.durableSize);
    await this.handle.datasync();
  }

  /**
   * Resolves when the file takes appends; rejects while it is failing. After a failed append it tries the
   * repair itself, since a service that says it is not ready gets no append that would try it: the file is
   * cut back, and a blank line (skipped when the file is read) is written and synced to show that writes go
   * through again.
   */
  async check(): Promise<void> {
    if (this.closed) throw new Error(`${this.path} is closed`);
    // Healthy: answered at once, never queued behind the appends of a busy service.
    if (!this.failure) return;
    if (this.flushing) {
      // An append under way tries the repair itself; its outcome is the answer.
      await this.flushing;
    } else {
      this.flushing = this.recover().finally(() => {
        this.flushing = undefined;
        if (this.pending.length > 0) this.kick();
      });
      await this.flushing;
    }
    if (this.failure) throw new Error(`${this.path}: cannot be written (${errorCode(this.failure)})`);
  }

  private async recover(): Promise<void> {
    try {
      await this.cutBack();
      await writeAll(this.handle, Buffer.from('\n'));
      await this.handle.datasync();
      this.durableSize += 1;
      this.failure = undefined;
    } catch (e) {
      this.failure = e as Error;
    }
  }

  /** Waits for acknowledged-to-be appends, then closes the file, cut back to whole records if the last append failed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    // Else a failed append's part would wait for the next start, which drops only a torn last line.
    if (this.failure) await this.cutBack().catch(() => {});
    await this.handle.close();
  }
}

/**
 * Writes every byte: one write() may take fewer bytes than it was given (a file size limit, a full disk, a
 * signal), and the rest would silently be missing from a record that is then acknowledged.
 */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    // No progress and no error: the device takes nothing more, and trying again would loop for ever.
    if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'ESHORTWRITE' });
    offset += bytesWritten;
  }
}

function errorCode(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? error.name;
}
