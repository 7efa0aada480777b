import { splitReport } from '../../src/text/sentences.js';

const brief = (text: unknown) => splitReport(text).map((s) => (s.heading ? `[${s.heading.label}|${s.heading.levels.join(',')}] ${s.text}` : s.text));

describe('splitReport', () => {
  it('cuts sentences at sentence ends, newlines and level headings', () => {
    expect(brief('Alignment normal. L3-L4: bulge.  Moderate narrowing!\nL4-L5: normal')).toEqual([
      'Alignment normal.',
      '[L3-L4|L3-L4] L3-L4: bulge.',
      '[L3-L4|L3-L4] Moderate narrowing!',
      '[L4-L5|L4-L5] L4-L5: normal',
    ]);
  });

  it('keeps decimals and common abbreviations inside a sentence', () => {
    expect(brief('Translation of 4.5 mm vs. 2 mm, e.g. on flexion. Next.')).toEqual(['Translation of 4.5 mm vs. 2 mm, e.g. on flexion.', 'Next.']);
  });

  it('ends a heading at a blank line, a section label or a numbered item', () => {
    expect(brief('L3-L4:\nBulge.\n\nStenosis.')).toEqual(['[L3-L4|L3-L4] L3-L4:', '[L3-L4|L3-L4] Bulge.', 'Stenosis.']);
    expect(brief('L3-L4: bulge.\nIMPRESSION: stenosis.')).toEqual(['[L3-L4|L3-L4] L3-L4: bulge.', 'IMPRESSION: stenosis.']);
    expect(brief('L3-L4: bulge.\n1. Stenosis.')).toEqual(['[L3-L4|L3-L4] L3-L4: bulge.', '1.', 'Stenosis.']);
  });

  it('reads a heading naming several levels', () => {
    expect(brief('L2-L3, L3-L4 and L4-5: mild narrowing.')).toEqual(['[L2-L3, L3-L4 and L4-5|L2-L3,L3-L4,L4-L5] L2-L3, L3-L4 and L4-5: mild narrowing.']);
  });

  it('keeps a label of a part of the level under the level heading', () => {
    expect(brief('L4-L5: Broad disc bulge.\nCentral canal: patent.\nLeft neural foramen: severe stenosis.\nIMPRESSION: stenosis.')).toEqual([
      '[L4-L5|L4-L5] L4-L5: Broad disc bulge.',
      '[L4-L5|L4-L5] Central canal: patent.',
      '[L4-L5|L4-L5] Left neural foramen: severe stenosis.',
      'IMPRESSION: stenosis.',
    ]);
  });

  it('takes a level with a colon for a heading only where a line or sentence starts', () => {
    expect(brief('Foraminal stenosis at L4-5: moderate on the left.')).toEqual(['Foraminal stenosis at L4-5: moderate on the left.']);
    expect(brief('FINDINGS: L4-5: moderate stenosis.')).toEqual(['FINDINGS:', '[L4-5|L4-L5] L4-5: moderate stenosis.']);
    expect(brief('Normal alignment. L4-5: bulge.')).toEqual(['Normal alignment.', '[L4-5|L4-L5] L4-5: bulge.']);
  });

  it('marks the sentences of a section that is not the findings (indication, history, comparison, technique)', () => {
    const read = splitReport('INDICATION: rule out recurrent herniation.\nComparison: MRI 2022, severe stenosis.\nFINDINGS: L4-5: bulge.\n\nMild narrowing.');
    expect(read.map((s) => [s.text, s.aside === true])).toEqual([
      ['INDICATION: rule out recurrent herniation.', true],
      ['Comparison: MRI 2022, severe stenosis.', true],
      ['FINDINGS:', false],
      ['L4-5: bulge.', false],
      ['Mild narrowing.', false],
    ]);
  });

  it('does not take an MRI sequence for a heading', () => {
    expect(brief('Sagittal T2: normal.')).toEqual(['Sagittal T2: normal.']);
  });

  it('collapses white space and accepts anything', () => {
    expect(brief('  a \t b \r\n c  ')).toEqual(['a b', 'c']);
    for (const v of [null, undefined, 1, {}, [], '   ']) expect(brief(v)).toEqual([]);
  });
});
