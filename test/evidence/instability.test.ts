import { readInstabilityObservation, readInstabilityText } from '../../src/evidence/instability.js';
import { runBounded } from '../support/bounded.js';

const REF = 'DiagnosticReport/flex-ext';
const read = (text: unknown, dynamicStudy = false) => readInstabilityText(REF, text, { dynamicStudy }).map(({ ref: _ref, ...m }) => m);

describe('readInstabilityText', () => {
  it.each([
    ['4 mm of translation at L4-L5 on flexion.', [{ translationMm: 4, level: 'L4-L5' }]],
    ['Anterolisthesis of 5 mm on flexion at L4-5.', [{ translationMm: 5, level: 'L4-L5' }]],
    ['Anterolisthesis of L4 on L5 of 5 mm on flexion.', [{ translationMm: 5, level: 'L4-L5' }]],
    ['12 degrees of angular motion at L3-L4.', [{ angulationDegrees: 12, level: 'L3-L4' }]],
    ['Segmental angulation of 11° at L4-5 between flexion and extension.', [{ angulationDegrees: 11, level: 'L4-L5' }]],
    ['Dynamic instability at L3-4 with 4.5 mm translation and 13 degrees of angulation.', [{ translationMm: 4.5, angulationDegrees: 13, level: 'L3-L4' }]],
    ['Translation of 3mm.', [{ translationMm: 3 }]],
    ['L4-5 anterolisthesis measures 3 mm in extension and 7 mm in flexion.', [{ translationMm: 4, level: 'L4-L5' }]],
    ['Grade 1 anterolisthesis of L4 on L5 measuring 2 mm in neutral, increasing to 6 mm on flexion.', [{ translationMm: 4, level: 'L4-L5' }]],
    ['Translation of 4 mm at L4-5 and 1 mm at L3-4.', [{ translationMm: 4, level: 'L4-L5' }, { translationMm: 1, level: 'L3-L4' }]],
    ['Translation at L4-5: 6 mm on flexion, 1 mm on extension.', [{ translationMm: 5, level: 'L4-L5' }]],
    ['4 mm of anterolisthesis of L4 on L5 on flexion; 1 mm on extension.', [{ translationMm: 3, level: 'L4-L5' }]],
    // A value whose own part of the sentence measures something else, or a section that is not the findings.
    ['Interbody cage at L4-5 measuring 12 mm; no translation.', []],
    ['Comparison: 6 mm of translation at L4-5 on the 2021 flexion views.', []],
  ])('%s', (text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it.each([
    'Grade 1 anterolisthesis of L4 on L5 measuring 4 mm.',
    'No abnormal translation on flexion or extension.',
    'No translation greater than 3 mm.',
    'Less than 2 mm of translation at L4-5.',
    'Lumbar lordosis measures 45 degrees.',
    'Cobb angle of 12 degrees.',
    'There is 40 degrees of lumbar flexion.',
    'Disc height is 8 mm at L4-5.',
    'A 12 mm disc extrusion at L5-S1.',
    '',
  ])('no measure in "%s"', (text) => {
    expect(read(text)).toEqual([]);
  });

  it('reads a static listhesis as translation in a flexion-extension study', () => {
    expect(read('Grade 1 anterolisthesis of L4 on L5 measuring 4 mm.', true)).toEqual([{ translationMm: 4, level: 'L4-L5' }]);
  });

  it('takes the level heading, and leaves the level out for a range or a vertebra', () => {
    expect(read('L4-L5: 5 mm of translation on flexion.')).toEqual([{ translationMm: 5, level: 'L4-L5' }]);
    expect(read('L4-L5:\n5 mm of translation on flexion.')).toEqual([{ translationMm: 5, level: 'L4-L5' }]);
    expect(read('5 mm of translation across the L3-L5 fusion.')).toEqual([{ translationMm: 5 }]);
    expect(read('Loosening of the L4 screws with 5 mm of motion.')).toEqual([{ translationMm: 5 }]);
  });

  it.each([
    'C4-C5: 4 mm anterolisthesis of C4 on C5 on flexion.',
    '4 mm of translation at C5-6 on flexion.',
    'Anterior translation of the humeral head of 8 mm.',
    'Anterior tibial translation of 6 mm.',
    'Cervical spine: 12 degrees of angulation at C4-5.',
  ])('reads no measure about another part of the body: "%s"', (text) => {
    expect(read(text, true)).toEqual([]);
  });

  it('names the ref', () => {
    expect(readInstabilityText(REF, '4 mm translation at L4-5')[0]!.ref).toBe(REF);
  });

  it('accepts anything and stays linear', () => {
    for (const v of [null, undefined, 4, {}, []]) expect(read(v)).toEqual([]);
    expect(runBounded(() => read(`${'L3-4 '.repeat(5_000)} translation ${'4 mm '.repeat(5_000)}`)).length).toBeGreaterThan(0);
    expect(runBounded(() => read('translation '.repeat(8_000) + '1'.repeat(10_000)))).toEqual([]);
  });

  it('reads a dozen texts of 20,000 values each, as long as the service reads, under a hard bound', () => {
    // Each value searched its whole part of the text for the words of a measurement: about 0.7 s per text, some
    // 9 s for a request of a dozen reports, all on the HTTP thread.
    const text = `translation ${'4 mm '.repeat(19_990)}`;
    const measures = runBounded(() => Array.from({ length: 12 }, () => read(text, true)).flat());
    expect(measures.map((m) => m.translationMm)).toEqual(Array.from({ length: 12 }, () => 4));
  });
});

describe('readInstabilityObservation', () => {
  const obs = (fields: Record<string, unknown>) => ({ resourceType: 'Observation', id: 'o', status: 'final', ...fields });
  it('reads a measured translation or angulation', () => {
    expect(readInstabilityObservation('Observation/o', obs({ code: { text: 'L4-L5 translation on flexion-extension' }, valueQuantity: { value: 4, unit: 'mm' } }))).toEqual([
      { ref: 'Observation/o', translationMm: 4, level: 'L4-L5' },
    ]);
    expect(readInstabilityObservation('Observation/o', obs({ code: { text: 'Segmental angulation' }, bodySite: { text: 'L3-4' }, valueQuantity: { value: 11, code: 'deg' } }))).toEqual([
      { ref: 'Observation/o', angulationDegrees: 11, level: 'L3-L4' },
    ]);
  });

  it('reads text values and notes', () => {
    const o = obs({ code: { text: 'XR lumbar spine flexion and extension' }, valueString: 'Anterolisthesis of L4 on L5 measuring 5 mm.', note: [{ text: '12 degrees of angulation at L4-5' }] });
    expect(readInstabilityObservation('Observation/o', o)).toEqual([
      { ref: 'Observation/o', translationMm: 5, level: 'L4-L5' },
      { ref: 'Observation/o', angulationDegrees: 12, level: 'L4-L5' },
    ]);
  });

  it('ignores other observations and odd values', () => {
    for (const o of [
      obs({ code: { text: 'Body weight' }, valueQuantity: { value: 70, unit: 'kg' } }),
      obs({ code: { text: 'Translation' }, valueQuantity: { value: 4, unit: 'cm' } }),
      obs({ code: { text: 'Translation' }, valueQuantity: { value: '4', unit: 'mm' } }),
      obs({ code: { text: 'Translation' }, valueQuantity: { value: -4, unit: 'mm' } }),
      obs({ code: 'Translation', valueQuantity: { value: 4, unit: 'mm' } }),
      // Another part of the body, by its name, site or text.
      obs({ code: { text: 'Shoulder anterior translation' }, valueQuantity: { value: 8, unit: 'mm' } }),
      obs({ code: { text: 'Translation on flexion-extension' }, bodySite: { text: 'C4-C5' }, valueQuantity: { value: 4, unit: 'mm' } }),
      obs({ code: { text: 'XR cervical spine flexion and extension' }, valueString: '4 mm of translation on flexion.' }),
      null,
      'x',
    ]) {
      expect(readInstabilityObservation('Observation/o', o)).toEqual([]);
    }
  });
});
