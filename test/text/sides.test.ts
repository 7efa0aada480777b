import { combineSides, orderSides, sideOfCoding, sidesFromCodings, sidesFromText } from '../../src/text/sides.js';
import { runBounded } from '../support/bounded.js';

const SCT = 'http://snomed.info/sct';
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';

describe('sidesFromText', () => {
  it.each([
    ['left foot drop', ['left']],
    ['Right leg weakness', ['right']],
    ['RIGHT L5 radiculopathy', ['right']],
    ['bilateral foraminal narrowing', ['bilateral']],
    ['narrowing bilaterally', ['bilateral']],
    ['bilat LE numbness', ['bilateral']],
    ['numbness on both sides', ['bilateral']],
    ['tingling in both legs', ['bilateral']],
    ['weakness of both lower extremities', ['bilateral']],
    ['left-sided sciatica', ['left']],
    ['LLE weakness', ['left']],
    ['RLE numbness', ['right']],
    ['left worse than right', ['left', 'right']],
    ['bilateral, worse on the left', ['bilateral', 'left']],
  ])('%s', (text, expected) => {
    expect(sidesFromText(text)).toEqual(expected);
  });

  it.each([
    'leftover disc material',
    'righteous',
    'The patient left the clinic early',
    'She left AMA',
    'seen right away',
    'doing all right',
    'copyright',
    'bilaterality',
    '',
  ])('no side in "%s"', (text) => {
    expect(sidesFromText(text)).toEqual([]);
  });

  it('accepts anything without throwing', () => {
    for (const value of [null, undefined, 7, {}, ['left'], { text: 'left' }]) expect(sidesFromText(value)).toEqual([]);
  });

  it('is linear on long input', () => {
    const text = 'both '.repeat(8_000) + 'lower '.repeat(8_000) + 'left';
    expect(runBounded(() => sidesFromText(text))).toEqual(['left']);
  });
});

describe('sideOfCoding', () => {
  it.each([
    [SCT, '7771000', 'left'],
    [SCT, '24028007', 'right'],
    [SCT, '51440002', 'bilateral'],
    [SCT, '419161000', 'left'],
    [SCT, '419465000', 'right'],
    [ICD, 'M21.371', 'right'],
    [ICD, 'M21.372', 'left'],
    [ICD, 'm21372', 'left'],
    [ICD, 'M54.31', 'right'],
    [ICD, 'M54.41', 'right'],
    [ICD, 'M54.32', 'left'],
    [ICD, 'M54.42', 'left'],
  ])('%s %s', (system, code, side) => {
    expect(sideOfCoding({ system, code })).toBe(side);
  });

  it('ignores codes without side, other systems and partial codings', () => {
    expect(sideOfCoding({ system: ICD, code: 'M21.379' })).toBeUndefined();
    expect(sideOfCoding({ system: ICD, code: 'M54.5' })).toBeUndefined();
    expect(sideOfCoding({ system: 'http://loinc.org', code: '7771000' })).toBeUndefined();
    expect(sideOfCoding({ code: '7771000' })).toBeUndefined();
    expect(sideOfCoding({ system: SCT })).toBeUndefined();
  });

  it('sidesFromCodings orders and deduplicates', () => {
    expect(sidesFromCodings([{ system: SCT, code: '24028007' }, { system: ICD, code: 'M21.372' }, { system: SCT, code: '7771000' }])).toEqual(['left', 'right']);
  });
});

describe('combineSides and orderSides', () => {
  it('combines', () => {
    expect(combineSides([])).toBeUndefined();
    expect(combineSides([undefined])).toBeUndefined();
    expect(combineSides(['left', undefined, 'left'])).toBe('left');
    expect(combineSides(['right'])).toBe('right');
    expect(combineSides(['left', 'right'])).toBe('bilateral');
    expect(combineSides(['left', 'bilateral'])).toBe('bilateral');
  });
  it('orders bilateral first', () => {
    expect(orderSides(['right', 'left', 'bilateral', 'right'])).toEqual(['bilateral', 'left', 'right']);
  });
});

describe('codes that are names of object members', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('%s is no side', (code) => {
    expect(sideOfCoding({ system: SCT, code })).toBeUndefined();
    expect(sideOfCoding({ system: ICD, code })).toBeUndefined();
  });
});
