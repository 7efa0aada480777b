import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface StoreLogger {
  warn(obj: object, msg: string): void;
}

export interface LoadedFile<T> {
  /** Open for appending, after the last whole record. */
  handle: FileHandle;
  /** Bytes of whole records, where appends start. */
  size: number;
  records: T[];
  /** Lines that could not be read and were left out (a torn tail is cut off, middle lines skipped). */
  skipped: number;
}

/**
 * Reads the records of the file at `path` and opens it for appending, creating it if needed (not its
 * directory). A last line cut short by a crash is dropped and the file truncated back to the last whole
 * record, so that later appends start on a clean line. `parse` returns undefined for a line that is JSON but
 * not a record.
 */
export async function loadJsonl<T>(path: string, parse: (value: unknown) => T | undefined, logger?: StoreLogger): Promise<LoadedFile<T>> {
  let bytes = Buffer.alloc(0);
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }

  // Lines are cut and counted in the file's bytes, each decoded on its own: decoding the whole file first
  // would turn an invalid byte sequence into a replacement character of another length, and every offset
  // after it (the truncation point included) would be wrong.
  const records: T[] = [];
  let badLines = 0;
  let lastGoodEnd = 0;
  let trailingBad = false;
  for (let start = 0; start < bytes.length; ) {
    const newline = bytes.indexOf(0x0a, start);
    const isLast = newline === -1;
    // Byte offset where the line ends (after its newline), to truncate at a whole record.
    const end = isLast ? bytes.length : newline + 1;
    const line = bytes.toString('utf8', start, isLast ? end : newline);
    start = end;
    if (line.trim() === '') continue;
    const value = isLast ? undefined : parseLine(line, parse); // a line without its newline was never acknowledged
    if (value === undefined) {
      badLines++;
      trailingBad = true;
      continue;
    }
    if (trailingBad) logger?.warn({ file: path }, 'feedback store: skipped an unreadable record in the middle of the file');
    trailingBad = false;
    records.push(value);
    lastGoodEnd = end;
  }
  const byteLength = bytes.length;
  if (lastGoodEnd < byteLength && trailingBad) {
    // The tail after the last good record is what a crash leaves behind: cut it off.
    await truncate(path, lastGoodEnd);
    logger?.warn({ file: path, bytes: byteLength - lastGoodEnd }, 'feedback store: dropped a torn record at the end of the file');
  }

  const handle = await open(path, 'a');
  if (byteLength === 0) await syncDirectory(dirname(path));
  const { size } = await handle.stat();
  return { handle, size, records, skipped: badLines };
}

function parseLine<T>(line: string, parse: (value: unknown) => T | undefined): T | undefined {
  try {
    return parse(JSON.parse(line));
  } catch {
    return undefined;
  }
}

/** Makes a newly created file's directory entry durable too. */
export async function syncDirectory(dir: string): Promise<void> {
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
