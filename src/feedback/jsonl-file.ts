import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadJsonl, syncDirectory, type StoreLogger } from './jsonl-load.js';

export type { StoreLogger } from './jsonl-load.js';

/**
 * Creates `dir` and any missing parents, as `mkdir -p` does, without Node's recursive mkdir: that one never returns
 * on a path under /proc (procfs answers ENOENT for the directory however often its parent is found to exist, and
 * Node retries for ever at full CPU), so DATA_DIR=/proc/x kept the service from ever listening. Each missing
 * parent is made once, from the root down, and the first refusal is thrown; the depth of the path bounds the work.
 * A directory made meanwhile by someone else is fine; something else already at the path is left to the open that
 * follows (ENOTDIR).
 */
export async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw error;
  }
  await makeDirectory(dirname(dir));
  try {
    await mkdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
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
 *
 * A failed append (a short write that cannot be finished, ENOSPC, EIO, a failed sync) is refused to its
 * callers and may leave part of its bytes at the end of the file. The file is then cut back to its last
 * acknowledged record before anything else is written, so one failure neither buries later records behind a
 * torn line nor stops the store until a restart: the next append tries again.
 *
 * The open handle keeps writing to its file after that file is deleted or replaced at its path (DATA_DIR
 * removed, a file moved over it), and those bytes vanish at the next start. So every batch is checked, after
 * its sync and before it is acknowledged, to have gone to the file that the path names; if not, it is refused,
 * and the next attempt opens the file now at the path (creating it if only the file is gone).
 */
export class JsonlFile {
  private pending: { data: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  private flushing: Promise<void> | undefined;
  /** The last write failed and the file may end with part of it; cleared once an append or a repair goes through. */
  private failure: Error | undefined;
  private closed = false;
  /** Set when the file had to be created anew; cleared once the records to restore are written into it. */
  private restoring = false;
  private restore: (() => Iterable<unknown>) | undefined;

  private constructor(
    private handle: FileHandle,
    readonly path: string,
    /** Bytes of acknowledged records: where the file is cut back to after a failed append. */
    private durableSize: number,
    private readonly parse: (value: unknown) => unknown,
    private readonly logger: StoreLogger | undefined,
  ) {}

  /**
   * Opens (creating it and its directory if needed) the file at `path` and reads its records; a torn last
   * line is cut off (see loadJsonl).
   */
  static async open<T>(path: string, parse: (value: unknown) => T | undefined, logger?: StoreLogger): Promise<LoadedJsonl<T>> {
    await makeDirectory(dirname(path));
    const { handle, size, records, skipped } = await loadJsonl(path, parse, logger);
    return { file: new JsonlFile(handle, path, size, parse, logger), records, skipped };
  }

  /**
   * Replaces the file's records with `values`, atomically: a new file is written and synced beside it, then
   * renamed over it, so a crash leaves either the old records or the new ones. The file must not be open.
   */
  static async rewrite(path: string, values: readonly unknown[]): Promise<void> {
    const temporary = `${path}.rewrite`;
    const handle = await open(temporary, 'w');
    try {
      await writeAll(handle, Buffer.from(lines(values), 'utf8'));
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
    const data = lines(values);
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
      await this.write(batch.map((b) => b.data).join(''));
      for (const b of batch) b.resolve();
    } catch (e) {
      // Nothing of this batch is acknowledged; what reached the file is cut off before the next write.
      for (const b of batch) b.reject(e as Error);
    }
  }

  /**
   * Writes and syncs `data` after repairing what the last failure left, and only then checks that it went to
   * the file at the path: bytes synced to a file deleted or replaced meanwhile are lost with it. Sets `failure`
   * when it throws, clears it when it succeeds.
   */
  private async write(data: string): Promise<void> {
    try {
      if (this.failure) await this.repair();
      const restored = this.restoring && this.restore ? lines(this.restore()) : '';
      const bytes = Buffer.from(restored + data, 'utf8');
      await writeAll(this.handle, bytes);
      await this.handle.datasync();
      const detached = await this.detachment();
      if (detached) throw detached;
      this.durableSize += bytes.length;
      this.restoring = false;
      this.failure = undefined;
    } catch (e) {
      this.failure = e as Error;
      throw e;
    }
  }

  private async repair(): Promise<void> {
    if (await this.detachment()) await this.reopen();
    else await this.cutBack();
  }

  /** Cuts the file back to its acknowledged records (a failed append may have left part of itself behind). */
  private async cutBack(): Promise<void> {
    await this.handle.truncate(this.durableSize);
    await this.handle.datasync();
  }

  /**
   * Why the open handle is no longer the file at the path (deleted, or another file put in its place), or
   * undefined while it is. One fstat and one stat: cheap enough for every batch.
   */
  private async detachment(): Promise<Error | undefined> {
    const [opened, named] = await Promise.all([this.handle.stat({ bigint: true }), stat(this.path, { bigint: true }).catch(unlessMissing)]);
    if (named && opened.nlink > 0n && named.dev === opened.dev && named.ino === opened.ino) return undefined;
    return Object.assign(new Error(`${this.path} was deleted or replaced while open`), { code: 'EDETACHED' });
  }

  /**
   * Opens the file now at the path, as at start-up (a torn tail cut off). Its directory is not created: one
   * that is gone was removed from outside (a volume unmounted, a clean-up), and a new one made here could put
   * the records on a disk nobody keeps; until an operator brings it back, appends and the check fail.
   */
  private async reopen(): Promise<void> {
    const { handle, size, records } = await loadJsonl(this.path, this.parse, this.logger);
    const old = this.handle;
    this.handle = handle;
    this.durableSize = size;
    // An empty file is a new one, which lacks what its owner still relies on; a file put there is taken as it is.
    this.restoring = size === 0;
    await old.close().catch(() => {});
    this.logger?.warn(
      { file: this.path, records: records.length },
      'feedback store: the file was deleted or replaced while open; its records are no longer read, appending to the file now at its path',
    );
  }

  /**
   * Names the records to write back, ahead of the next append, into a file that had to be created anew under
   * the running service: those its owner still acts on, so that a restart knows them too.
   */
  restoreWith(records: () => Iterable<unknown>): void {
    this.restore = records;
  }

  /**
   * Resolves when the file takes appends; rejects while it is failing or no longer the file at its path.
   * After a failed append it tries the repair itself, since a service that says it is not ready gets no append
   * that would try it: the file is cut back (or the one now at the path opened), and a blank line (skipped
   * when the file is read) is written and synced to show that writes go through again.
   */
  async check(): Promise<void> {
    if (this.closed) throw new Error(`${this.path} is closed`);
    if (!this.failure) {
      // Healthy: answered after two stats, never queued behind the appends of a busy service.
      const detached = await this.detachment().catch((e: unknown) => e as Error);
      if (!detached) return;
      // An append that failed meanwhile has set its own error, the better answer.
      this.failure ??= detached;
    }
    if (this.flushing) {
      // An append under way tries the repair itself; its outcome is the answer.
      await this.flushing;
    } else {
      this.flushing = this.write('\n')
        .catch(() => {})
        .finally(() => {
          this.flushing = undefined;
          if (this.pending.length > 0) this.kick();
        });
      await this.flushing;
    }
    if (this.failure) throw new Error(`${this.path}: cannot be written (${errorCode(this.failure)})`);
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

function lines(values: Iterable<unknown>): string {
  let text = '';
  for (const v of values) text += `${JSON.stringify(v)}\n`;
  return text;
}

/** A path that is gone (or whose directory is now a file) names no file; other errors say nothing either way. */
function unlessMissing(e: NodeJS.ErrnoException): undefined {
  if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
  throw e;
}
