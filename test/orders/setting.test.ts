import { readSetting } from '../../src/orders/setting.js';
import { loadValueSets } from '../../src/terminology/value-sets.js';
import { ACT, POS, testIndex } from './helpers.js';

describe.each([
  ['in-test index', testIndex()],
  ['real value sets', loadValueSets()],
])('readSetting with the %s', (_name, index) => {
  it.each([
    [[{ coding: [{ system: POS, code: '21' }] }], 'inpatient'],
    [[{ coding: [{ system: POS, code: 21 }] }], 'inpatient'],
    [[{ coding: [{ system: ACT, code: 'IMP' }] }], 'inpatient'],
    [[{ coding: [{ system: ACT, code: 'ACUTE' }] }], 'inpatient'],
    [[{ coding: [{ system: POS, code: '19' }] }], 'outpatient'],
    [[{ coding: [{ system: POS, code: '22' }] }], 'outpatient'],
    [[{ coding: [{ system: POS, code: '24', display: 'Ambulatory Surgical Center' }] }], 'outpatient'],
    [[{ coding: [{ system: ACT, code: 'AMB' }] }], 'outpatient'],
    [[{ coding: [{ system: ACT, code: 'SS' }] }], 'outpatient'],
    [[{ coding: [{ system: ACT, code: 'OBSENC' }] }], 'outpatient'],
    [{ coding: [{ system: POS, code: '21' }] }, 'inpatient'],
  ])('codes %j -> %s', (locationCode, expected) => {
    expect(readSetting(locationCode, index)).toBe(expected);
  });

  it.each([
    ['Inpatient admission', 'inpatient'],
    ['in-patient stay', 'inpatient'],
    ['Outpatient', 'outpatient'],
    ['out-patient surgery', 'outpatient'],
    ['Ambulatory surgery center', 'outpatient'],
    ['same-day discharge', 'outpatient'],
    ['Same day surgery', 'outpatient'],
    ['Main OR', 'unknown'],
    ['seen in patient room', 'unknown'],
  ])('text "%s" -> %s', (text, expected) => {
    expect(readSetting([{ text }], index)).toBe(expected);
  });

  it.each([
    ['non-inpatient', 'unknown'],
    ['Non inpatient surgery', 'unknown'],
    ['Outpatient (not inpatient)', 'outpatient'],
    ['not outpatient', 'unknown'],
    ['Not an outpatient procedure', 'unknown'],
    ['no inpatient stay; ambulatory surgery center', 'outpatient'],
    ['Inpatient, not same-day', 'inpatient'],
    ['Inpatient rather than outpatient', 'inpatient'],
    ['outpatient instead of inpatient', 'outpatient'],
    ['not inpatient, inpatient after all', 'inpatient'],
    ['without ambulatory discharge', 'unknown'],
  ])('a negated setting word is not the setting: "%s" -> %s', (text, expected) => {
    expect(readSetting([{ text }], index)).toBe(expected);
    expect(readSetting([{ coding: [{ system: 'urn:local', code: 'X', display: text }] }], index)).toBe(expected);
  });

  it('reads coding displays when the codes are unknown', () => {
    expect(readSetting([{ coding: [{ system: 'urn:local', code: 'X', display: 'Outpatient surgery' }] }], index)).toBe('outpatient');
  });

  it('codes outrank text', () => {
    expect(readSetting([{ coding: [{ system: POS, code: '21' }], text: 'outpatient' }], index)).toBe('inpatient');
  });

  it('contradicting statements give unknown', () => {
    expect(readSetting([{ coding: [{ system: POS, code: '21' }] }, { coding: [{ system: POS, code: '24' }] }], index)).toBe('unknown');
    expect(readSetting([{ text: 'inpatient or outpatient' }], index)).toBe('unknown');
  });

  it('nothing stated, or garbage, gives unknown', () => {
    for (const value of [undefined, null, [], {}, 'inpatient', 21, [null], [{ coding: 'x' }], [{ coding: [{ system: POS, code: '99' }] }], [{ coding: [{ code: '21' }] }]]) {
      expect(readSetting(value, index)).toBe('unknown');
    }
  });
});
