import fc from 'fast-check';
import { isWhite, trimEnd } from '../src/trim-end.js';
import { runBounded } from './support/bounded.js';

describe('trimEnd', () => {
  it('drops the run of the given characters at the end, as the pattern would', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '.', ' ', '/', ',', '\t', 'é') , maxLength: 30 }), (text) => {
        expect(trimEnd(text, '/')).toBe(text.replace(/\/+$/, ''));
        expect(trimEnd(text, ' .,;:')).toBe(text.replace(/[ .,;:]+$/, ''));
        expect(trimEnd(text, (c) => c === '.' || isWhite(c))).toBe(text.replace(/[\s.]+$/, ''));
      }),
    );
  });

  it('takes time in proportion to the text: two million characters of a run that does not reach the end', () => {
    for (const run of ['/', '.', ' ']) {
      const text = `a${run.repeat(2_000_000)}b`;
      expect(runBounded(() => trimEnd(text, run))).toBe(text);
      expect(runBounded(() => trimEnd(`${text}${run}${run}`, run))).toBe(text);
    }
  });
});
