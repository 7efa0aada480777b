import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVER_JS } from './support/child.js';

/**
 * The built feedback store's append file under a real file size limit (`ulimit -f`): the write that crosses
 * it is cut short by the kernel, and the next one fails with EFBIG. No append may be acknowledged unless all
 * its bytes are in the file, and the file must hold whole records only.
 */
const JSONL_FILE_JS = pathToFileURL(path.join(path.dirname(SERVER_JS), 'feedback', 'jsonl-file.js')).href;

const SCRIPT = `
const { JsonlFile } = await import(process.argv[1]);
const { file } = await JsonlFile.open(process.argv[2], (v) => v);
let acknowledged = 0;
const refused = [];
for (let i = 0; i < 40; i++) {
  try {
    await file.append([{ card: 'card-' + i, pad: 'x'.repeat(80) }]);
    acknowledged++;
  } catch (e) {
    refused.push(e.code ?? e.message);
  }
}
await file.close();
process.stdout.write(JSON.stringify({ acknowledged, refused }));
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'spine-cds-fsize-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('acknowledges only appends written whole, and leaves whole records only, at the file size limit', () => {
  const file = path.join(dir, 'feedback.jsonl');
  // 2 KB (bash counts ulimit -f in 1024-byte blocks): about 19 records of 107 bytes.
  const out = execFileSync('bash', ['-c', 'ulimit -f 2 && exec "$0" --input-type=module -e "$1" "$2" "$3"', process.execPath, SCRIPT, JSONL_FILE_JS, file], { encoding: 'utf8' });
  const { acknowledged, refused } = JSON.parse(out) as { acknowledged: number; refused: string[] };
  expect(acknowledged).toBeGreaterThan(10);
  expect(refused.length).toBe(40 - acknowledged);
  expect(new Set(refused)).toEqual(new Set(['EFBIG']));
  const text = readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const records = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { card: string });
  expect(records.map((r) => r.card)).toEqual(Array.from({ length: acknowledged }, (_, i) => `card-${i}`));
});
