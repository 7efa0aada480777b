import { readImagingFindings } from '../../src/evidence/imaging-findings.js';
import type { ImagingFinding } from '../../src/evidence/types.js';
import { runBounded } from '../support/bounded.js';

const REF = 'DiagnosticReport/mri-1';
/** level:kind[:side] for each finding, in order. */
const read = (text: unknown) => readImagingFindings(REF, text).map((f) => [f.level, f.kind, f.side].filter(Boolean).join(':'));

describe('readImagingFindings: the examples of the brief', () => {
  it.each([
    ['L3-L4: broad-based disc bulge with minimal disc height loss and moderate bilateral foraminal narrowing', ['L3-L4:compression:bilateral']],
    ['mild foraminal narrowing at L3-4', ['L3-L4:no-compression']],
    ['L3/4 without impingement', ['L3-L4:no-compression']],
    ['no recurrent stenosis at L3-L4', ['L3-L4:no-compression']],
    ['severe left lateral recess stenosis at L3-4 compressing the traversing L4 root', ['L3-L4:compression:left']],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('readImagingFindings: compression', () => {
  it.each([
    ['Moderate to severe central canal stenosis at L4-5.', ['L4-L5:compression']],
    ['L4-L5: Moderate-to-severe spinal stenosis.', ['L4-L5:compression']],
    ['At L4-5 there is a large right paracentral disc extrusion.', ['L4-L5:compression:right']],
    ['Right foraminal disc protrusion at L5-S1 impinging on the exiting right L5 nerve root.', ['L5-S1:compression:right']],
    ['L5-S1: left paracentral protrusion displacing the traversing left S1 nerve root.', ['L5-S1:compression:left']],
    ['Severe bilateral neural foraminal narrowing at L4-L5.', ['L4-L5:compression:bilateral']],
    ['Marked narrowing of the left neural foramen at L3-4.', ['L3-L4:compression:left']],
    ['The left lateral recess at L4-5 is severely narrowed.', ['L4-L5:compression:left']],
    ['Foraminal stenosis at L3-L4 is moderate on the right.', ['L3-L4:compression:right']],
    ['High-grade canal stenosis at L3-4.', ['L3-L4:compression']],
    ['Significant foraminal narrowing L3/L4 bilaterally.', ['L3-L4:compression:bilateral']],
    ['Recurrent stenosis at the L3-L4 laminectomy level.', ['L3-L4:compression']],
    ['Epidural fibrosis and recurrent disc herniation at L4-5.', ['L4-L5:compression']],
    ['Thecal sac effacement at L3-4.', ['L3-L4:compression']],
    ['Disc osteophyte complex at L4-5 effacing the left lateral recess.', ['L4-L5:compression:left']],
    ['Compression of the cauda equina at L3-4.', ['L3-L4:compression']],
    ['L3-L4 disc bulge with bilateral nerve root compression.', ['L3-L4:compression:bilateral']],
    ['MODERATE BILATERAL FORAMINAL NARROWING AT L3-4.', ['L3-L4:compression:bilateral']],
    ['l3-4: moderate left foraminal narrowing', ['L3-L4:compression:left']],
    ['Mass effect on the traversing right L5 nerve root at L4-L5.', ['L4-L5:compression:right']],
    ['Extrusion at L5-S1 with posterior displacement of the traversing left S1 nerve root.', ['L5-S1:compression:left']],
    ['Complete obliteration of the left neural foramen at L4-5.', ['L4-L5:compression:left']],
    ['Unchanged moderate foraminal narrowing at L3-4.', ['L3-L4:compression']],
    ['No change in the moderate left foraminal stenosis at L3-4.', ['L3-L4:compression:left']],
    ['No interval progression of the moderate canal stenosis at L4-5.', ['L4-L5:compression']],
    // A negated compressing word about the cord or cauda equina says nothing about the roots.
    ['Moderate bilateral foraminal narrowing at L3-4 without cord compression.', ['L3-L4:compression:bilateral']],
    ['Severe canal stenosis at L3-4, no cauda equina compression.', ['L3-L4:compression']],
    ['Moderate foraminal narrowing at L3-4 without compression of the conus.', ['L3-L4:compression']],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('readImagingFindings: no compression', () => {
  it.each([
    ['L4-L5: Normal.', ['L4-L5:no-compression']],
    ['L2-3 is unremarkable.', ['L2-L3:no-compression']],
    ['L1-L2: No disc herniation, spinal canal stenosis or foraminal narrowing.', ['L1-L2:no-compression']],
    ['No significant foraminal narrowing at L5-S1.', ['L5-S1:no-compression']],
    ['Neural foramina are patent at L3-4.', ['L3-L4:no-compression']],
    ['Patent central canal and foramina at L2-L3.', ['L2-L3:no-compression']],
    ['L4-5: The canal and foramina are widely decompressed.', ['L4-L5:no-compression']],
    ['L3-4 negative for stenosis.', ['L3-L4:no-compression']],
    ['L3-4 is free of recurrent disc herniation.', ['L3-L4:no-compression']],
    ['Minimal disc bulge at L2-3.', ['L2-L3:no-compression']],
    ['Small central protrusion at L5-S1 without nerve root impingement.', ['L5-S1:no-compression']],
    ['Mild effacement of the ventral thecal sac at L4-5.', ['L4-L5:no-compression']],
    ['Moderate foraminal narrowing at L3-4 without impingement of the exiting nerve roots.', ['L3-L4:no-compression']],
    ['Stenosis at L3-4 is not seen.', ['L3-L4:no-compression']],
    ['The previously seen L4-5 herniation has resolved.', ['L4-L5:no-compression']],
    ['Interval resolution of the L4-5 disc extrusion.', ['L4-L5:no-compression']],
    ['Slight left foraminal narrowing at L5-S1.', ['L5-S1:no-compression:left']],
    ['Non-compressive disc bulge at L3-4.', ['L3-L4:no-compression']],
    ['No significant abnormality at L1-2.', ['L1-L2:no-compression']],
    ['L3-L4: otherwise normal.', ['L3-L4:no-compression']],
    ['The disc at L2-L3 is normal.', ['L2-L3:no-compression']],
    // Retracted after the finding: "no longer", "in error", a trailing "none" (a structured report's answer).
    ['L3-L4: the moderate left foraminal stenosis described on the prior MRI is no longer present.', ['L3-L4:no-compression:left']],
    ['L3-L4: moderate left foraminal stenosis is no longer seen.', ['L3-L4:no-compression:left']],
    ['At L3-4 there is no longer moderate stenosis.', ['L3-L4:no-compression']],
    ['L3-L4: the earlier read of moderate foraminal narrowing was in error.', ['L3-L4:no-compression']],
    ['L3-L4 moderate left foraminal stenosis: none.', ['L3-L4:no-compression:left']],
    ['L3-L4: Foraminal stenosis: none.', ['L3-L4:no-compression']],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('readImagingFindings: grade ranges', () => {
  // R3 asks for at least moderate: a range counts by its lower end, several sides or findings by their highest grade.
  it.each([
    ['L3-L4: mild to moderate left foraminal narrowing.', ['L3-L4:no-compression:left']],
    ['Mild to moderate foraminal stenosis at L2-3.', ['L2-L3:no-compression']],
    ['Mild-to-moderate central canal stenosis at L4-5.', ['L4-L5:no-compression']],
    ['Mild-moderate bilateral foraminal stenosis at L3-4.', ['L3-L4:no-compression:bilateral']],
    ['Minimal to moderate foraminal narrowing at L3-4.', ['L3-L4:no-compression']],
    ['Foraminal narrowing at L3-4 is mild to moderate.', ['L3-L4:no-compression']],
    ['Mild to moderately severe canal stenosis at L4-5.', ['L4-L5:no-compression']],
  ])('%s reads as mild', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it.each([
    ['Moderate to severe central canal stenosis at L4-5.', ['L4-L5:compression']],
    ['L4-L5: Moderate-severe foraminal stenosis.', ['L4-L5:compression']],
    ['L3-L4: mild central stenosis and moderate foraminal narrowing.', ['L3-L4:compression']],
    ['Moderately severe foraminal stenosis at L3-4.', ['L3-L4:compression']],
  ])('%s reads as at least moderate', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('readImagingFindings: each side keeps its own grade', () => {
  // R3 asks for compression on the side of the symptoms: a grade of one side must not count for the other.
  it.each([
    ['Moderate right and mild left foraminal narrowing at L4-5.', ['L4-L5:compression:right']],
    ['Mild left and moderate right foraminal narrowing at L4-5.', ['L4-L5:compression:right']],
    ['Mild to moderate left and severe right foraminal narrowing at L4-5.', ['L4-L5:compression:right']],
    ['Foraminal narrowing is moderate on the left at L3-4, mild on the right.', ['L3-L4:compression:left']],
    ['Moderate right foraminal narrowing at L3-4 with no nerve root compression on the left.', ['L3-L4:compression:right']],
    ['Severe left foraminal stenosis at L4-5 and mild right.', ['L4-L5:compression:left']],
    ['L3-4: moderate left foraminal stenosis, right foramen patent.', ['L3-L4:compression:left']],
    ['Mild right and mild left foraminal narrowing at L4-5.', ['L4-L5:no-compression:bilateral']],
    ['Moderate right and moderate left foraminal narrowing at L4-5.', ['L4-L5:compression:bilateral']],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it.each([
    // One statement about both sides, a same-side negation, or "bilateral" is read as a whole.
    ['Left and right foraminal narrowing at L3-4, moderate.', ['L3-L4:compression:bilateral']],
    ['Moderate left foraminal narrowing at L3-4 without left nerve root compression.', ['L3-L4:no-compression:left']],
    ['Moderate bilateral foraminal narrowing at L3-4, worse on the left than the right.', ['L3-L4:compression:bilateral']],
  ])('%s is read whole', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('readImagingFindings: nothing about compression', () => {
  it.each([
    'Post-operative changes at L3-L4.',
    'Postsurgical changes of laminectomy and posterior fusion at L3-L4.',
    'Disc desiccation at L4-5.',
    'Moderate disc height loss at L4-5.',
    'Moderate disc space narrowing at L5-S1.',
    'Broad-based disc bulge at L4-5.',
    'Moderate facet arthropathy at L4-5.',
    'Grade 1 anterolisthesis of L4 on L5.',
    'Alignment is normal at L3-4.',
    'Normal disc height and signal at L2-3.',
    'Pedicle screws at L3 and L4 are intact.',
    'L1 compression fracture, chronic.',
    'Possible impingement of the left L5 nerve root at L4-5.',
    'Status post L4-5 discectomy for a large herniation.',
    'Conus terminates at L1.',
    'Moderate stenosis.',
    'Moderate foraminal stenosis at C5-6.',
    'Severe stenosis at T11-T12.',
    'Disc contacts the traversing L5 nerve root.',
    '',
  ])('%s', (text) => {
    expect(read(text)).toEqual([]);
  });
});

describe('readImagingFindings: clauses and several levels', () => {
  it('applies one statement about two levels to both', () => {
    expect(read('Mild foraminal narrowing at L3-4 and L4-5.')).toEqual(['L3-L4:no-compression', 'L4-L5:no-compression']);
    expect(read('Disc bulges at L3-4 and L4-5 with moderate bilateral foraminal narrowing.')).toEqual([
      'L3-L4:compression:bilateral',
      'L4-L5:compression:bilateral',
    ]);
    expect(read('Moderate stenosis at L3-4 and L4-5.')).toEqual(['L3-L4:compression', 'L4-L5:compression']);
  });

  it('reads each level with its own grade', () => {
    expect(read('Stenosis is moderate at L3-4 and mild at L4-5.')).toEqual(['L3-L4:compression', 'L4-L5:no-compression']);
    expect(read('Moderate stenosis at L3-4 and mild at L4-5.')).toEqual(['L3-L4:compression', 'L4-L5:no-compression']);
    expect(read('No stenosis at L3-4, moderate stenosis at L4-5.')).toEqual(['L3-L4:no-compression', 'L4-L5:compression']);
    expect(read('Mild foraminal narrowing at L3-4 and L4-5, but severe at L5-S1.')).toEqual([
      'L3-L4:no-compression',
      'L4-L5:no-compression',
      'L5-S1:compression',
    ]);
    expect(read('Moderate stenosis at L3-4, but none at L4-5.')).toEqual(['L3-L4:compression', 'L4-L5:no-compression']);
  });

  it('compression wins over a negated clause at the same level', () => {
    expect(read('No central stenosis at L3-4 but moderate left foraminal narrowing.')).toEqual(['L3-L4:compression:left']);
    expect(read('L3-4: no central canal stenosis; however, there is moderate right foraminal narrowing.')).toEqual(['L3-L4:compression:right']);
    expect(read('At L4-5 there is no central stenosis, with moderate bilateral foraminal narrowing.')).toEqual(['L4-L5:compression:bilateral']);
    expect(read('Without central stenosis at L4-5, moderate left foraminal narrowing.')).toEqual(['L4-L5:compression:left']);
  });

  it('takes the side of the deciding clause', () => {
    expect(read('No stenosis on the right at L4-5, but moderate foraminal narrowing.')).toEqual(['L4-L5:compression']);
    expect(read('Left paracentral protrusion at L4-5, but it compresses the root.')).toEqual(['L4-L5:compression:left']);
  });

  it('splits on semicolons where each part names its level', () => {
    const findings = readImagingFindings(REF, 'Severe right foraminal stenosis at L5-S1; L4-5 normal; L3-4 mild narrowing.');
    expect(findings.map((f) => [f.level, f.kind, f.side ?? '-', f.text])).toEqual([
      ['L5-S1', 'compression', 'right', 'Severe right foraminal stenosis at L5-S1'],
      ['L4-L5', 'no-compression', '-', 'L4-5 normal'],
      ['L3-L4', 'no-compression', '-', 'L3-4 mild narrowing.'],
    ]);
  });

  it('carries the finding word across semicolon parts', () => {
    expect(read('Moderate foraminal stenosis at L3-4; mild at L4-5.')).toEqual(['L3-L4:compression', 'L4-L5:no-compression']);
  });
});

describe('readImagingFindings: a free nerve root stated in another clause about the level', () => {
  // "Moderate narrowing without impingement" says the root is free; so does the same said in two clauses or sentences.
  it.each([
    ['L3-L4: moderate bilateral foraminal narrowing without impingement.', ['L3-L4:no-compression:bilateral']],
    ['L3-L4: broad-based disc bulge with moderate bilateral foraminal narrowing; no nerve root compression.', ['L3-L4:no-compression:bilateral']],
    ['Moderate left foraminal stenosis at L4-5, but no impingement of the exiting left L4 nerve root.', ['L4-L5:no-compression:left']],
    [
      'L3-L4: Broad-based disc bulge with moderate bilateral foraminal narrowing. No nerve root compression.',
      ['L3-L4:no-compression:bilateral', 'L3-L4:no-compression'],
    ],
    [
      'Moderate foraminal stenosis at L3-4 and L4-5; no nerve root impingement at L3-4.',
      ['L3-L4:no-compression', 'L4-L5:compression', 'L3-L4:no-compression'],
    ],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it.each([
    // The cord or cauda equina is not a root.
    ['L3-L4: moderate bilateral foraminal narrowing; no cord compression.', ['L3-L4:compression:bilateral']],
    ['L3-L4: moderate central stenosis. No compression of the cauda equina.', ['L3-L4:compression', 'L3-L4:no-compression']],
    // A compressing word asserted for the level wins.
    [
      'L4-5: moderate left foraminal stenosis compressing the exiting left L4 root; no impingement of the traversing L5 nerve roots.',
      ['L4-L5:compression:left'],
    ],
    [
      'L4-L5: Moderate left foraminal stenosis with impingement of the exiting left L4 nerve root. No compression of the traversing L5 roots.',
      ['L4-L5:compression:left', 'L4-L5:no-compression'],
    ],
    // The root freed is on the other side, or at another level.
    ['L4-L5: severe right foraminal stenosis; no impingement of the left L4 nerve root.', ['L4-L5:compression:right']],
    ['Moderate foraminal narrowing at L3-4. No nerve root compression at L4-5.', ['L3-L4:compression', 'L4-L5:no-compression']],
    // Only a question, not a statement that the root is free.
    ['L3-4: moderate foraminal narrowing; nerve root impingement cannot be excluded.', ['L3-L4:compression']],
  ])('%s keeps the compression', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('readImagingFindings: report layout', () => {
  const report = [
    'MRI LUMBAR SPINE WITHOUT CONTRAST',
    'FINDINGS:',
    'Alignment is normal. Conus terminates at L1.',
    'L1-L2: Normal.',
    'L2-L3: Normal.',
    'L3-L4: Postsurgical changes of laminectomy and fusion. Broad-based disc bulge with minimal disc height loss.',
    'Moderate bilateral foraminal narrowing. No central stenosis.',
    'L4-L5: Mild facet arthropathy. No significant stenosis.',
    'L5-S1: Small left paracentral protrusion without impingement.',
    '',
    'IMPRESSION:',
    '1. Moderate bilateral foraminal narrowing at L3-L4 at the previously operated level.',
    '2. No high-grade stenosis elsewhere.',
  ].join('\n');

  it('reads headings, sections and the impression', () => {
    expect(read(report)).toEqual([
      'L1-L2:no-compression',
      'L2-L3:no-compression',
      'L3-L4:compression:bilateral',
      'L3-L4:no-compression',
      'L4-L5:no-compression',
      'L5-S1:no-compression:left',
      'L3-L4:compression:bilateral',
    ]);
  });

  it('prefixes the heading to a sentence that inherits it, and keeps evidence short', () => {
    const findings = readImagingFindings(REF, report);
    expect(findings[2]!.text).toBe('L3-L4: Moderate bilateral foraminal narrowing.');
    expect(findings[0]!.text).toBe('L1-L2: Normal.');
    expect(findings.every((f: ImagingFinding) => f.ref === REF && f.text.length <= 160)).toBe(true);
  });

  it('reads headings on a single line', () => {
    expect(read('L2-L3: Normal. L3-L4: moderate left foraminal stenosis. L4-L5: unremarkable.')).toEqual([
      'L2-L3:no-compression',
      'L3-L4:compression:left',
      'L4-L5:no-compression',
    ]);
  });

  it('ends a heading at a blank line or a section label', () => {
    expect(read('L3-L4: disc bulge.\n\nModerate stenosis.')).toEqual([]);
    expect(read('L3-L4: disc bulge. IMPRESSION: Moderate stenosis.')).toEqual([]);
  });

  it('a heading on its own line reaches the lines under it', () => {
    expect(read('L3-L4:\nBroad-based disc bulge.\nSevere left lateral recess stenosis.\nL4-L5:\nNormal.')).toEqual(['L3-L4:compression:left', 'L4-L5:no-compression']);
  });

  it('cuts long sentences for the evidence text', () => {
    const long = `Moderate bilateral foraminal narrowing at L3-L4 ${'and further description '.repeat(20)}`;
    const [finding] = readImagingFindings(REF, long);
    expect(finding!.text.length).toBeLessThanOrEqual(160);
    expect(finding!.text.endsWith('\u2026')).toBe(true);
  });
});

describe('readImagingFindings: hostile input', () => {
  it('accepts anything without throwing', () => {
    for (const value of [null, undefined, 3, {}, [], ['L3-4 severe stenosis'], true]) expect(read(value)).toEqual([]);
  });

  it('stays quick on long, repetitive text', () => {
    const texts = [
      'L3-4: '.repeat(15_000),
      'no '.repeat(30_000) + 'stenosis at L3-4',
      'moderate '.repeat(10_000) + 'stenosis at L3-4',
      'L3-4 and '.repeat(10_000) + 'moderate stenosis',
      'Moderate stenosis at L3-4, mild at L4-5, '.repeat(2_000),
      'L3-4: moderate stenosis; no nerve root compression. '.repeat(2_000),
      '.'.repeat(90_000),
      `${'a'.repeat(90_000)} L3-4 severe stenosis`,
      'L3-4; '.repeat(15_000),
    ];
    for (const t of texts) expect(Array.isArray(runBounded(() => read(t)))).toBe(true);
  });
});

describe('readImagingFindings: MRI sequence names', () => {
  it('does not take "T2:" for a level heading', () => {
    const [finding] = readImagingFindings(REF, 'Sagittal T2: moderate bilateral foraminal narrowing at L3-L4');
    expect(finding).toEqual({ ref: REF, level: 'L3-L4', side: 'bilateral', kind: 'compression', text: 'Sagittal T2: moderate bilateral foraminal narrowing at L3-L4' });
    expect(read('T2-weighted images: severe stenosis.')).toEqual([]);
  });

  it('takes a thoracolumbar heading as the end of the previous section', () => {
    expect(read('L5-S1: normal disc.\nT12-L1: Severe stenosis.')).toEqual(['L5-S1:no-compression']);
  });
});

describe('readImagingFindings: more radiology phrasing', () => {
  it.each([
    [
      'There is a broad-based disc bulge and facet hypertrophy at L3-L4 resulting in moderate bilateral neural foraminal narrowing and mild central canal stenosis.',
      ['L3-L4:compression:bilateral'],
    ],
    [
      'L4-5: Disc bulge and facet arthropathy result in mild spinal canal narrowing and moderate left neural foraminal narrowing. The right neural foramen is patent.',
      ['L4-L5:compression:left', 'L4-L5:no-compression:right'],
    ],
    ['Severe spinal canal stenosis at L4-5 with clumping of the cauda equina nerve roots.', ['L4-L5:compression']],
    ['Moderate narrowing of the right subarticular recess at L5-S1 with possible impingement on the descending right S1 nerve root.', ['L5-S1:compression:right']],
    ['There is no evidence of recurrent disc herniation or stenosis at L3-L4.', ['L3-L4:no-compression']],
    ['At L3-4, there is recurrent left paracentral disc herniation which compresses the traversing left L4 nerve root.', ['L3-L4:compression:left']],
    ['L3-L4: Enhancing epidural fibrosis surrounds the left L4 nerve root without mass effect.', ['L3-L4:no-compression:left']],
    ['Mild degenerative changes at L2-3 without significant stenosis.', ['L2-L3:no-compression']],
    ['L5-S1: Moderate disc space narrowing. Small central protrusion abuts the thecal sac without neural compression.', ['L5-S1:no-compression']],
    [
      'Neural foraminal stenosis: L3-4 moderate bilaterally, L4-5 severe on the left, L5-S1 mild.',
      ['L3-L4:compression:bilateral', 'L4-L5:compression:left', 'L5-S1:no-compression'],
    ],
    [
      'No significant spinal canal or neural foraminal stenosis at any level.',
      ['L1-L2:no-compression', 'L2-L3:no-compression', 'L3-L4:no-compression', 'L4-L5:no-compression', 'L5-S1:no-compression'],
    ],
    ['Findings at L3-L4 are consistent with moderate foraminal stenosis.', ['L3-L4:compression']],
    ['L3-4: Mild bilateral facet arthropathy, no canal stenosis, moderate bilateral foraminal stenosis.', ['L3-L4:compression:bilateral']],
    ['At L4-L5 there is severe degenerative disc disease.', []],
    ['L2-L3 and L3-L4: mild foraminal narrowing.', ['L2-L3:no-compression', 'L3-L4:no-compression']],
    ['IMPRESSION: Moderate to severe bilateral foraminal stenosis at L3-4, which has progressed since the prior study.', ['L3-L4:compression:bilateral']],
    ['Moderate stenosis at L3-4, not significantly changed.', ['L3-L4:compression']],
    ['Findings: L3-4 recurrent stenosis cannot be excluded.', []],
    ['Recurrent herniation at L4-5 cannot be ruled out.', []],
    ['The L3-L4 level demonstrates no significant change in moderate canal stenosis.', ['L3-L4:compression']],
    ['High-resolution images show severe stenosis at L4-5.', ['L4-L5:compression']],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('readImagingFindings: words that are names of object members', () => {
  it('reads "constructor" and "toString" as ordinary words', () => {
    expect(read('Constructor valueOf toString hasOwnProperty at L3-4.')).toEqual([]);
    expect(read('Constructor moderate stenosis at L3-4.')).toEqual(['L3-L4:compression']);
  });
});

describe('readImagingFindings: lists, hedges, changes over time', () => {
  it.each([
    // A grade inside a negated list stays negated.
    ['No disc herniation or significant stenosis at L4-5.', ['L4-L5:no-compression']],
    ['L4-5: No evidence of recurrent stenosis or significant foraminal narrowing.', ['L4-L5:no-compression']],
    ['L4-5: No focal disc herniation, high-grade canal stenosis, or foraminal narrowing.', ['L4-L5:no-compression']],
    ['L4-5: no central stenosis, moderate foraminal narrowing.', ['L4-L5:compression']],
    // A change counts by the grade reached; a past grade not at all.
    ['Left foraminal stenosis at L4-5 has progressed from mild to severe.', ['L4-L5:compression:left']],
    ['Left foraminal stenosis at L4-5 has improved from severe to mild.', ['L4-L5:no-compression:left']],
    ['Previously severe left foraminal stenosis at L4-5 is now mild.', ['L4-L5:no-compression:left']],
    // A hedge after the finding, or a hedge before a later finding only.
    ['Moderate stenosis at L4-5 with possible impingement of the L5 root.', ['L4-L5:compression']],
    ['Severe stenosis at L4-5 which may compress the L5 root.', ['L4-L5:compression']],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it.each([
    'Recurrent disc herniation at L4-5 is unlikely.',
    'Enhancing tissue at L4-5 likely representing scar rather than recurrent disc herniation.',
    'Enhancing epidural fibrosis versus recurrent disc herniation at L4-5.',
    'Moderate left foraminal stenosis at L4-5 is possible.',
    'Moderate left foraminal stenosis at L4-5 may be present.',
    'Evaluation for recurrent stenosis at L4-5 is limited by hardware artifact.',
    'Recurrent stenosis at L4-5 cannot be assessed due to artifact.',
    'Indication: left leg pain, rule out recurrent disc herniation at L4-5.',
    'Comparison: MRI of 2022 showing severe stenosis at L4-5.',
    'Clinical history: severe stenosis at L4-5, now with left leg pain.',
  ])('%s states nothing', (text) => {
    expect(read(text)).toEqual([]);
  });

  it('reads labelled parts of a level under its heading', () => {
    // One finding per sentence: the canal is patent, the left foramen severely narrowed.
    expect(read('L4-L5: Broad disc bulge.\nCentral canal: patent.\nLeft neural foramen: severe stenosis.')).toEqual(['L4-L5:no-compression', 'L4-L5:compression:left']);
  });

  it('reads the findings after an aside section', () => {
    expect(read('INDICATION: Evaluate for recurrent stenosis.\nFINDINGS: L4-5: moderate left foraminal stenosis.')).toEqual(['L4-L5:compression:left']);
    expect(read('History: severe stenosis at L4-5.\n\nL4-5: mild foraminal narrowing.')).toEqual(['L4-L5:no-compression']);
  });
});

describe('readImagingFindings: levels and findings within one sentence', () => {
  it.each([
    // A level named as the place of an operation is not the finding's level, when another level is named.
    ['Severe adjacent segment stenosis at L3-4 above the L4-5 fusion.', ['L3-L4:compression']],
    ['Interval L4-5 fusion with new severe stenosis at L3-4.', ['L3-L4:compression']],
    ['Recurrent stenosis at the L3-L4 laminectomy level.', ['L3-L4:compression']],
    // "with" between two findings, each with its own level, grade or side.
    ['Severe stenosis at L4-5 with mild stenosis at L3-4.', ['L3-L4:no-compression', 'L4-L5:compression']],
    ['L4-5: Moderate canal stenosis with mild left foraminal narrowing.', ['L4-L5:compression']],
    ['L4-5: Severe right foraminal stenosis without left-sided narrowing.', ['L4-L5:compression:right']],
    ['Moderate foraminal narrowing at L3-4 with no impingement of the L4 root.', ['L3-L4:no-compression']],
    ['No stenosis at L3-4 with moderate foraminal narrowing.', ['L3-L4:compression']],
    // A grade before the first of two levels describes the finding named after them.
    ['Severe L4-5 and mild L3-4 canal stenosis.', ['L3-L4:no-compression', 'L4-L5:compression']],
    ['Moderate L3-4 and severe L4-5 canal stenosis.', ['L3-L4:compression', 'L4-L5:compression']],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('readImagingFindings: what the review of the new readings found', () => {
  it.each([
    // Second review: differentials reach the finding after them; "significant" in a list without its comma.
    ['Enhancing tissue at L4-5 most consistent with epidural fibrosis rather than a recurrent left paracentral disc herniation.', []],
    ['L4-5: no disc herniation, significant canal stenosis or foraminal narrowing.', ['L4-L5:no-compression']],
    ['Epidural fibrosis versus recurrent disc herniation at L4-5 with severe left foraminal stenosis.', ['L4-L5:compression:left']],
    // A hedge after the root or the side still hedges the finding.
    ['Compression of the left L5 root at L4-5 is suspected.', []],
    ['Severe stenosis at L4-5 on the left is equivocal.', []],
    // Asides: a label alone on its line heads the lines below; the rest of a labelled line is the aside's.
    ['COMPARISON:\nMRI lumbar spine 3/4/2021, which demonstrated severe left foraminal stenosis at L4-5.\n\nFINDINGS:\nL4-5: mild bulge. No stenosis.', ['L4-L5:no-compression', 'L4-L5:no-compression']],
    ['CLINICAL HISTORY: 58-year-old with prior L4-5 fusion. Prior MRI demonstrated severe stenosis at L3-4.', []],
    // Labels of a level's parts with their finding word stay under the heading.
    ['L4-L5:\nDisc: broad-based bulge.\nCentral canal stenosis: moderate.\nForaminal stenosis: severe left, mild right.', ['L4-L5:compression', 'L4-L5:compression:left']],
    // A positive statement after a negation, with a list of its own, stays positive; "A, B, or C" is a negated list.
    ['L3-L4: no central stenosis, severe left foraminal stenosis or lateral recess narrowing.', ['L3-L4:compression:left']],
    ['L4-5: No focal disc herniation, high-grade canal stenosis, or foraminal narrowing.', ['L4-L5:no-compression']],
    // A hedge or a differential hedges only the finding it is about.
    ['Severe left foraminal stenosis at L3-4, recurrent herniation unlikely.', ['L3-L4:compression:left']],
    ['Severe left foraminal stenosis at L3-4 compressing the L4 root, infection unlikely.', ['L3-L4:compression:left']],
    ['Severe left foraminal stenosis at L3-4, sequestration possible.', ['L3-L4:compression:left']],
    ['Severe left foraminal stenosis at L3-4, the clinical significance of which is uncertain.', ['L3-L4:compression:left']],
    ['Severe left stenosis at L3-4 compressing the left L4 root, with enhancing granulation tissue versus scar along its margin.', ['L3-L4:compression:left']],
    // An aside is the labelled sentence only: the findings may follow without a label.
    ['Clinical history: leg pain.\nSevere left foraminal stenosis at L3-4.', ['L3-L4:compression:left']],
    ['Comparison: none. Severe stenosis at L4-5.', ['L4-L5:compression']],
    // Headings after a bullet, a list mark, "At" or "Level".
    ['- L3-4: disc bulge.\n  Severe left foraminal stenosis.', ['L3-L4:compression:left']],
    ['\u2022 L3-4: disc bulge.\n  Severe left foraminal stenosis.', ['L3-L4:compression:left']],
    ['a) L3-4: bulge. Severe stenosis.', ['L3-L4:compression']],
    ['At L4-5: severe stenosis.', ['L4-L5:compression']],
    ['Level L4-5: severe stenosis.', ['L4-L5:compression']],
    // A label that is not a part of the level ends its heading.
    ['L3-4: no stenosis.\nThoracolumbar junction: severe stenosis at T12-L1.', ['L3-L4:no-compression']],
    ['L3-4: no stenosis.\nSacroiliac joints: severe degenerative narrowing.', ['L3-L4:no-compression']],
    // "ranging from mild to moderate" is a range.
    ['L3-L4: Foraminal stenosis ranging from mild to moderate.', ['L3-L4:no-compression']],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});

describe('readImagingFindings: prose that names its level once', () => {
  it.each([
    // The next sentence speaks of the roots of the level just named, freed or compressed.
    ['At L4-5 there is moderate foraminal narrowing. The exiting nerve roots are not compressed.', ['L4-L5:no-compression', 'L4-L5:no-compression']],
    ['Moderate foraminal narrowing at L4-5. Severe compression of the left exiting nerve root.', ['L4-L5:compression', 'L4-L5:compression:left']],
    // Its grades, other subjects, a vertebra or level of its own, "other levels", or a new paragraph are not read as the level's.
    ['L3-4 mild bulge. The L5 nerve root is compressed in the left lateral recess.', ['L3-L4:no-compression']],
    ['Mild bulge at L4-5. Cord compression at T11-12.', ['L4-L5:no-compression']],
    ['Mild disc bulge at L4-5 without stenosis. Incidental 2 cm cyst displacing the left kidney.', ['L4-L5:no-compression']],
    ['Severe bilateral foraminal stenosis at L4-5. Incidental renal cyst without mass effect.', ['L4-L5:compression:bilateral']],
    ['Severe bilateral foraminal stenosis at L4-5. Tarlov cyst at S2 without nerve root compression.', ['L4-L5:compression:bilateral']],
    ['Severe stenosis at L4-5. Mild stenosis.', ['L4-L5:compression']],
    ['Moderate stenosis at L4-5. No cord compression.', ['L4-L5:compression']],
    ['Moderate stenosis at L4-5. No nerve root compression at the other levels.', ['L4-L5:compression']],
    ['Moderate stenosis at L4-5.\n\nNo nerve root compression.', ['L4-L5:compression']],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });
});
