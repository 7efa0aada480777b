import { levelMentions, levelsFromVertebraCodings, readLevels, sortInterspaces } from '../../src/text/levels.js';
import { runBounded } from '../support/bounded.js';

const SCT = 'http://snomed.info/sct';

describe('readLevels: interspace spellings', () => {
  it.each([
    ['L3-L4', ['L3-L4']],
    ['L3-4', ['L3-L4']],
    ['L3/4', ['L3-L4']],
    ['L3/L4', ['L3-L4']],
    ['L3\u20134', ['L3-L4']],
    ['L3\u2014L4', ['L3-L4']],
    ['L3 - L4', ['L3-L4']],
    ['L3 -4', ['L3-L4']],
    ['l3-l4', ['L3-L4']],
    ['l3-4 fusion', ['L3-L4']],
    ['L5-S1', ['L5-S1']],
    ['L5/S1', ['L5-S1']],
    ['l5-s1', ['L5-S1']],
    ['L5S1', ['L5-S1']],
    ['L5-1', ['L5-S1']],
    ['L4 L5', ['L4-L5']],
    ['L1-2', ['L1-L2']],
    ['L2-3', ['L2-L3']],
    ['L4-5', ['L4-L5']],
    ['L4-L3', ['L3-L4']],
    ['grade 1 anterolisthesis of L4 on L5', ['L4-L5']],
  ])('%s', (text, expected) => {
    expect(readLevels(text)).toEqual(expected);
  });

  it('reads a level inside a sentence with punctuation around it', () => {
    expect(readLevels('Prior laminectomy and fusion (L3-4), complicated by a dural tear.')).toEqual(['L3-L4']);
    expect(readLevels('MRI: L3-L4: moderate narrowing')).toEqual(['L3-L4']);
    expect(readLevels('at L3-4, L4-5.')).toEqual(['L3-L4', 'L4-L5']);
  });
});

describe('readLevels: ranges', () => {
  it.each([
    ['L3-L5 fusion', ['L3-L4', 'L4-L5']],
    ['L3-5', ['L3-L4', 'L4-L5']],
    ['L4-S1 instrumentation', ['L4-L5', 'L5-S1']],
    ['L2-S1 posterior spinal fusion', ['L2-L3', 'L3-L4', 'L4-L5', 'L5-S1']],
    ['fusion from L3 to L5', ['L3-L4', 'L4-L5']],
    ['L3 through S1', ['L3-L4', 'L4-L5', 'L5-S1']],
    ['L3-L4-L5', ['L3-L4', 'L4-L5']],
    ['T10-L2 fusion', ['L1-L2']],
    ['T12-L1', []],
  ])('%s', (text, expected) => {
    expect(readLevels(text)).toEqual(expected);
  });
});

describe('readLevels: single vertebrae', () => {
  it('a single lumbar vertebra belongs to both neighbouring interspaces', () => {
    expect(readLevels('laminectomy at L4')).toEqual(['L3-L4', 'L4-L5']);
    expect(readLevels('L4 laminectomy')).toEqual(['L3-L4', 'L4-L5']);
    expect(readLevels('L5 laminotomy')).toEqual(['L4-L5', 'L5-S1']);
  });

  it('L1 has only one lumbar neighbour', () => {
    expect(readLevels('compression fracture of L1')).toEqual(['L1-L2']);
  });

  it('a lone sacral vertebra is not a level', () => {
    expect(readLevels('normal S1 and S2')).toEqual([]);
    expect(readLevels('S1 joint')).toEqual([]);
  });

  it('a nerve root is not a level', () => {
    expect(readLevels('left L5 radiculopathy')).toEqual([]);
    expect(readLevels('weakness in the L5 distribution')).toEqual([]);
    expect(readLevels('compressing the traversing L4 root')).toEqual([]);
    expect(readLevels('contacts the exiting left L3 nerve root')).toEqual([]);
    expect(readLevels('L5 and S1 nerve roots')).toEqual([]);
    expect(readLevels('severe stenosis at L3-4 compressing the traversing L4 root')).toEqual(['L3-L4']);
  });

  it('several singles add up', () => {
    expect(readLevels('laminectomy of L3 and L4')).toEqual(['L2-L3', 'L3-L4', 'L4-L5']);
  });
});

describe('readLevels: what is not a lumbar level', () => {
  it.each([
    'CL3-4',
    'XL3-4',
    'L34',
    'L0-1',
    'L6',
    'L7-S1',
    'T12',
    'C5-6 disc herniation',
    'C5-C6',
    'T11-T12',
    'T2-weighted images',
    'T1 hypointense',
    'HL7 message',
    'L3a',
    'leftover text',
    '',
  ])('%s', (text) => {
    expect(readLevels(text)).toEqual([]);
  });

  it('accepts anything without throwing', () => {
    for (const value of [null, undefined, 42, {}, [], ['L3-4'], true, { text: 'L3-4' }]) {
      expect(readLevels(value)).toEqual([]);
    }
  });

  it('keeps cervical and lumbar levels apart in one text', () => {
    expect(readLevels('C5-6 fusion 2010; L4-5 laminectomy 2019')).toEqual(['L4-L5']);
  });
});

describe('levelMentions', () => {
  it('gives positions and kinds', () => {
    const text = 'L3-L4: bulge. At L5 there is scar.';
    const mentions = levelMentions(text);
    expect(mentions).toEqual([
      { start: 0, end: 5, kind: 'interspace', levels: ['L3-L4'] },
      { start: 17, end: 19, kind: 'vertebra', levels: ['L4-L5', 'L5-S1'] },
    ]);
    expect(text.slice(mentions[0]!.start, mentions[0]!.end)).toBe('L3-L4');
  });

  it('reports thoracic mentions with no levels', () => {
    expect(levelMentions('T12-L1: normal')).toEqual([{ start: 0, end: 6, kind: 'interspace', levels: [] }]);
  });
});

describe('levelsFromVertebraCodings', () => {
  const v = (code: string) => ({ system: SCT, code });
  it('two vertebrae give the interspace between them', () => {
    expect(levelsFromVertebraCodings([v('36470004'), v('11994002')])).toEqual(['L3-L4']);
    expect(levelsFromVertebraCodings([v('11994002'), v('36470004')])).toEqual(['L3-L4']);
    expect(levelsFromVertebraCodings([v('49668003'), v('54735007')])).toEqual(['L5-S1']);
  });
  it('vertebrae further apart give every interspace between', () => {
    expect(levelsFromVertebraCodings([v('36470004'), v('54735007')])).toEqual(['L3-L4', 'L4-L5', 'L5-S1']);
    expect(levelsFromVertebraCodings([v('66794005'), v('11994002'), v('14293000')])).toEqual(['L1-L2', 'L2-L3', 'L3-L4']);
  });
  it('one vertebra gives its neighbours; the sacrum alone gives nothing', () => {
    expect(levelsFromVertebraCodings([v('11994002')])).toEqual(['L3-L4', 'L4-L5']);
    expect(levelsFromVertebraCodings([v('66794005')])).toEqual(['L1-L2']);
    expect(levelsFromVertebraCodings([v('54735007')])).toEqual([]);
  });
  it('ignores other systems and codes', () => {
    expect(levelsFromVertebraCodings([{ system: 'http://loinc.org', code: '36470004' }, { code: '11994002' }])).toEqual([]);
    expect(levelsFromVertebraCodings([{ system: SCT, code: '122496007' }])).toEqual([]);
    expect(levelsFromVertebraCodings([])).toEqual([]);
  });
});

describe('sortInterspaces', () => {
  it('orders and deduplicates', () => {
    expect(sortInterspaces(['L5-S1', 'L1-L2', 'L5-S1', 'L3-L4'])).toEqual(['L1-L2', 'L3-L4', 'L5-S1']);
  });
});

describe('readLevels on hostile input', () => {
  it('handles long runs of level-like text', () => {
    const text = 'L3-'.repeat(10_000) + 'L3 ' + ' '.repeat(20_000) + '-4' + 'L'.repeat(20_000) + '3-4-5-'.repeat(5_000);
    expect(Array.isArray(runBounded(() => readLevels(text)))).toBe(true);
  });
});

describe('codes that are names of object members', () => {
  it.each(['constructor', '__proto__', 'toString'])('%s is no vertebra', (code) => {
    expect(levelsFromVertebraCodings([{ system: SCT, code }, { system: SCT, code: '11994002' }])).toEqual(['L3-L4', 'L4-L5']);
  });
});
