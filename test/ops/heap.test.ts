import { execFileSync } from 'node:child_process';
import { limitHeapGrowth } from '../../src/ops/heap.js';

describe('heap growth limit', () => {
  it('sets V8 heap growing factor from the percentage', () => {
    const flags: string[] = [];
    limitHeapGrowth(100, (f) => flags.push(f));
    expect(flags).toEqual(['--heap-growing-percent=100']);
  });

  it('leaves V8 alone at 0', () => {
    const flags: string[] = [];
    limitHeapGrowth(0, (f) => flags.push(f));
    expect(flags).toEqual([]);
  });

  it('names a flag this Node V8 knows (an unknown one would be ignored without a word)', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(options).toMatch(/^\s*--heap-growing-percent\b/m);
  });
});
