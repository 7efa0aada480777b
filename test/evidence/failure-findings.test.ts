import { readFailureFindings } from '../../src/evidence/failure-findings.js';
import { runBounded } from '../support/bounded.js';

const REF = 'DiagnosticReport/ct';
/** level:text for each finding, for short expectations. */
const read = (text: unknown) => readFailureFindings(REF, text).map((f) => `${f.level ?? '-'}:${f.text}`);

describe('readFailureFindings: one finding per stated failure and level', () => {
  it.each([
    ['Grade 1 spondylolisthesis at L5-S1.', ['L5-S1:Grade 1 spondylolisthesis at L5-S1']],
    ['Lucency around the screws.', ['-:Lucency around the screws']],
    ['Findings consistent with pseudarthrosis at L4-5.', ['L4-L5:Findings consistent with pseudarthrosis at L4-5']],
    // A single vertebra belongs to both neighbouring interspaces.
    ['Loosening of the left L5 pedicle screw.', ['L4-L5:Loosening of the left L5 pedicle screw', 'L5-S1:Loosening of the left L5 pedicle screw']],
    ['Non-union at L4-L5.', ['L4-L5:Non-union at L4-L5']],
    ['Fractured rod at L3-L4.', ['L3-L4:Fractured rod at L3-L4']],
    ['The L4 screws are fractured.', ['L3-L4:The L4 screws are fractured', 'L4-L5:The L4 screws are fractured']],
    ['Loose left L5 pedicle screw.', ['L4-L5:Loose left L5 pedicle screw', 'L5-S1:Loose left L5 pedicle screw']],
    ['Fracture of the right S1 pedicle screw.', ['-:Fracture of the right S1 pedicle screw']],
    ['The hardware is intact; the screws are not loose.', []],
    ['Gait instability. Compression fracture of L1.', []],
    // Each level of a list, and a sentence about several statements, keeps the levels of its own part.
    ['L3-L4 and L4-L5 pseudarthrosis.', ['L3-L4:L3-L4 and L4-L5 pseudarthrosis', 'L4-L5:L3-L4 and L4-L5 pseudarthrosis']],
    ['Solid fusion at L3-L4 and L4-L5 with grade 1 anterolisthesis at L5-S1.', ['L5-S1:Solid fusion at L3-L4 and L4-L5 with grade 1 anterolisthesis at L5-S1']],
    ['Solid fusion at L3-L4; pseudarthrosis at L5-S1.', ['L5-S1:pseudarthrosis at L5-S1']],
    ['At L4-L5 the fusion is solid, but there is lucency around the screws.', ['L4-L5:At L4-L5 the fusion is solid, but there is lucency around the screws']],
    ['Loosening of the S1 screws.', ['-:Loosening of the S1 screws']],
    // Under a level heading, a sentence naming no level is about the heading's level, and is quoted with it.
    ['L4-L5: Solid fusion.\nLucency around the screws.', ['L4-L5:L4-L5: Lucency around the screws']],
    ['L4-L5: Solid fusion. Lucency around the screws.', ['L4-L5:L4-L5: Lucency around the screws']],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('readFailureFindings: negated and hedged failures are not stated', () => {
  it.each([
    'No spondylolisthesis.',
    'No evidence of screw loosening.',
    'No screw fracture or nonunion.',
    'Without lucency around the screws.',
    'Negative for instability.',
    'Instability is not present.',
    'Instability: negative.',
    'Pseudarthrosis ruled out.',
    'Periscrew lucency: none.',
    'Loosening of the L4 screws is not confirmed.',
    'The previously seen lucency has resolved.',
    'Possible pseudarthrosis at L3-L4.',
    'Probable pseudarthrosis at L3-L4.',
    'Likely pseudarthrosis at L3-L4.',
    'Cannot exclude loosening of the L4 screws.',
    'Loosening of the L4 screws cannot be excluded.',
    'Findings concerning for pseudarthrosis.',
    'Suspicious for pseudarthrosis.',
    'Findings suggestive of pseudarthrosis.',
    'Pseudarthrosis at L3-L4 is unlikely.',
    'Pseudarthrosis may be present.',
    'Fibrosis versus pseudarthrosis.',
    'Pseudarthrosis versus postoperative change.',
    'Rule out pseudarthrosis.',
    'History of pseudarthrosis repair.',
    'Status post revision for pseudarthrosis.',
    'Indication: rule out pseudarthrosis.',
    'Comparison: CT 2024 showing lucency around the L5 screws.',
  ])('"%s"', (text) => {
    expect(read(text)).toEqual([]);
  });

  it.each([
    ['Pseudarthrosis at L3-L4 with no lucency around the screws.', ['L3-L4:Pseudarthrosis at L3-L4 with no lucency around the screws']],
    ['Lucency around the L4 screws, concerning for loosening.', ['L3-L4:Lucency around the L4 screws, concerning for loosening', 'L4-L5:Lucency around the L4 screws, concerning for loosening']],
    ['No change in the lucency around the L4 screws.', ['L3-L4:No change in the lucency around the L4 screws', 'L4-L5:No change in the lucency around the L4 screws']],
    ['No listhesis at L2-L3, grade 1 anterolisthesis at L3-L4.', ['L3-L4:No listhesis at L2-L3, grade 1 anterolisthesis at L3-L4']],
    ['No new lucency. Stable grade 1 anterolisthesis at L4-L5.', ['L4-L5:Stable grade 1 anterolisthesis at L4-L5']],
    ['No pseudarthrosis, but loosening of the S1 screws.', ['-:No pseudarthrosis, but loosening of the S1 screws']],
  ])('the stated one of "%s"', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('readFailureFindings: failures elsewhere in the body are left out', () => {
  it.each([
    'Periprosthetic lucency around the tibial component, concerning for loosening.',
    'Glenohumeral instability.',
    'C5-C6 pseudarthrosis.',
    'Pseudarthrosis at C5-6.',
    'Loosening of the T10 pedicle screws.',
    'Broken screw in the first metatarsal.',
    'Sacroiliac joint instability.',
    'Cervical spine: pseudarthrosis at the fusion level.',
    'C5-C6: Solid fusion. Lucency around the screws.',
  ])('"%s"', (text) => {
    expect(read(text)).toEqual([]);
  });

  it.each([
    // The lumbar spine, named with another region, is still the lumbar spine.
    ['Loosening of the T12 and L1 screws.', ['L1-L2:Loosening of the T12 and L1 screws']],
    ['Thoracolumbar junction instability.', ['-:Thoracolumbar junction instability']],
    // An MRI sequence is no thoracic vertebra.
    ['Increased T2 signal with lucency around the screws.', ['-:Increased T2 signal with lucency around the screws']],
    ['L4-L5: increased T2 signal with lucency around the screws.', ['L4-L5:L4-L5: increased T2 signal with lucency around the screws']],
    // Only the part about the other region is left out.
    ['Solid fusion at C5-C6; lucency around the L4 screws.', ['L3-L4:lucency around the L4 screws', 'L4-L5:lucency around the L4 screws']],
  ])('keeps "%s"', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('readFailureFindings on odd input', () => {
  it('reads nothing from what is not text', () => {
    for (const odd of [undefined, null, 42, {}, [], '']) expect(readFailureFindings(REF, odd)).toEqual([]);
  });

  it('reads a clause of thousands of failures, negations and levels in about linear time (bounded: a hang fails)', () => {
    for (const unit of ['no pseudarthrosis at L4-5, ', 'lucency around L3 and ', 'possible ', 'L4-5 and ', 'instability: none, ', 'pseudarthrosis; ', 'L4-5: lucency. ', 'lucency.']) {
      const text = unit.repeat(Math.floor(100_000 / unit.length));
      const findings = runBounded(() => readFailureFindings(REF, text));
      for (const f of findings) expect(f.text.length).toBeLessThanOrEqual(160);
    }
  });
});
