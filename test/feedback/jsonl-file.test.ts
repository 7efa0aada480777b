import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlFile } from '../../src/feedback/jsonl-file.js';

interface Rec {
  card: string;
}
const rec = (card: string) => ({ card, topic: 't', outcome: 'overridden', outcomeTimestamp: '2026-01-01T00:00:00Z' });
const parse = (v: unknown): Rec | undefined => (typeof v === 'object' && v !== null && typeof (v as Rec).card === 'string' ? (v as Rec) : undefined);
const line = (card: string) => Buffer.from(`${JSON.stringify(rec(card))}\n`);

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
});
