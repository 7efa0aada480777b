import { movementOf, readStrengthScores, scoreInText } from '../../src/evidence/strength-scores.js';

const REF = 'Observation/str-1';
const SCT = 'http://snomed.info/sct';
const obs = (fields: Record<string, unknown>) => ({ resourceType: 'Observation', id: 'str-1', status: 'final', ...fields });
const brief = (o: unknown) => readStrengthScores(REF, o).map((s) => [s.movement, s.side ?? '-', s.score]);

describe('movementOf', () => {
  it.each([
    ['Ankle dorsiflexion strength', 'dorsiflexion'],
    ['Dorsi-flexion', 'dorsiflexion'],
    ['Tibialis anterior MRC grade', 'dorsiflexion'],
    ['Plantar flexion strength', 'plantarflexion'],
    ['Gastrocnemius', 'plantarflexion'],
    ['EHL strength', 'ehl'],
    ['Extensor hallucis longus', 'ehl'],
    ['Great toe extension', 'ehl'],
    ['Great toe dorsiflexion strength', 'ehl'],
    ['Hip flexion', 'hip flexion'],
    ['Iliopsoas strength', 'hip flexion'],
    ['Quadriceps strength', 'quadriceps'],
    ['Knee extension', 'quadriceps'],
    ['Hamstrings', 'knee flexion'],
    ['Hip abduction', 'hip abduction'],
    ['Muscle strength', 'strength'],
    ['Lower extremity motor strength', 'strength'],
    ['Manual muscle testing', 'strength'],
  ])('%s -> %s', (text, movement) => {
    expect(movementOf([text])).toBe(movement);
  });

  it.each(['Grip strength', 'Deltoid strength', 'Biceps power', 'Oswestry Disability Index', 'Pain score', 'Body weight', ''])('%s is not a leg strength', (text) => {
    expect(movementOf([text])).toBeUndefined();
  });
});

describe('scoreInText', () => {
  it.each([
    ['4/5', 4],
    ['4+/5', 4],
    ['4 + / 5', 4],
    ['3-/5', 3],
    ['5/5', 5],
    ['0/5', 0],
    ['4 out of 5', 4],
    ['Left EHL 3/5', 3],
    ['4', 4],
    ['4+', 4],
    ['grade 2', 2],
    ['MRC 3', 3],
    // A range counts as its lower end.
    ['4-5/5', 4],
    ['4 to 5/5', 4],
    ['3\u20134/5', 3],
  ])('%s -> %d', (text, score) => {
    expect(scoreInText(text)).toBe(score);
  });

  it.each(['6/5', '4/10', '2024/5', '7', '-1', 'weak', 'L 4/5, R 5/5', '4/5 improving from 3/5', '', '12/5/2024'])('%s is not a score', (text) => {
    expect(scoreInText(text)).toBeUndefined();
  });

  it('agrees on repeated identical scores', () => {
    expect(scoreInText('4/5 on the left; 4/5 again on retest')).toBe(4);
  });
});

describe('readStrengthScores', () => {
  it('reads valueQuantity, valueInteger, valueString and valueCodeableConcept', () => {
    expect(brief(obs({ code: { text: 'Left ankle dorsiflexion strength' }, valueQuantity: { value: 4, unit: '{score}' } }))).toEqual([['dorsiflexion', 'left', 4]]);
    expect(brief(obs({ code: { text: 'Right EHL' }, valueInteger: 3 }))).toEqual([['ehl', 'right', 3]]);
    expect(brief(obs({ code: { text: 'Hip flexion strength' }, valueString: '4+/5' }))).toEqual([['hip flexion', '-', 4]]);
    expect(brief(obs({ code: { text: 'Quadriceps' }, valueCodeableConcept: { text: '3-/5' } }))).toEqual([['quadriceps', '-', 3]]);
    expect(brief(obs({ code: { text: 'Plantarflexion' }, valueCodeableConcept: { coding: [{ system: 'urn:mrc', code: '2', display: 'Active movement, gravity eliminated' }] } }))).toEqual([
      ['plantarflexion', '-', 2],
    ]);
    // A decimal is kept as recorded: 4.5 then 4 is a fall (fhir-conventions.md compares values).
    expect(brief(obs({ code: { text: 'Plantarflexion' }, valueQuantity: { value: 4.5 } }))).toEqual([['plantarflexion', '-', 4.5]]);
    expect(brief(obs({ code: { text: 'Plantarflexion' }, valueString: '4.5/5' }))).toEqual([['plantarflexion', '-', 4.5]]);
    expect(brief(obs({ code: { text: 'Plantarflexion' }, valueString: '4.5' }))).toEqual([['plantarflexion', '-', 4.5]]);
    expect(brief(obs({ code: { text: 'Plantarflexion' }, valueString: '5.5/5' }))).toEqual([]);
    expect(brief(obs({ code: { text: 'Plantarflexion' }, valueString: '5.5' }))).toEqual([]);
  });

  it('reads the movement from a coding display and the side from bodySite', () => {
    const o = obs({
      code: { coding: [{ system: 'http://loinc.org', code: 'x', display: 'Muscle strength of ankle dorsiflexion' }] },
      bodySite: { coding: [{ system: SCT, code: '7771000', display: 'Left' }] },
      valueQuantity: { value: 3 },
    });
    expect(brief(o)).toEqual([['dorsiflexion', 'left', 3]]);
    expect(brief(obs({ code: { text: 'Muscle strength' }, bodySite: { text: 'Right great toe extension' }, valueInteger: 4 }))).toEqual([['ehl', 'right', 4]]);
  });

  it('reads components of a motor examination panel', () => {
    const o = obs({
      code: { text: 'Lower extremity motor examination' },
      component: [
        { code: { text: 'Left ankle dorsiflexion' }, valueString: '3/5' },
        { code: { text: 'Right ankle dorsiflexion' }, valueString: '5/5' },
        { code: { text: 'Left EHL' }, valueInteger: 2 },
        { code: { text: 'Reflexes' }, valueString: '2+' },
        null,
        'x',
      ],
    });
    expect(brief(o)).toEqual([
      ['dorsiflexion', 'left', 3],
      ['dorsiflexion', 'right', 5],
      ['ehl', 'left', 2],
      ['strength', '-', 2],
    ]);
  });

  it('gives components their movement from the observation when they only name a side', () => {
    const o = obs({ code: { text: 'Ankle dorsiflexion strength' }, component: [{ code: { text: 'Left' }, valueInteger: 4 }, { code: { text: 'Right' }, valueInteger: 5 }] });
    expect(brief(o)).toEqual([
      ['dorsiflexion', 'left', 4],
      ['dorsiflexion', 'right', 5],
    ]);
  });

  it('reads a side written as a letter in the score\'s own name', () => {
    expect(brief(obs({ code: { text: 'Ankle dorsiflexion (L)' }, valueInteger: 4 }))).toEqual([['dorsiflexion', 'left', 4]]);
    expect(brief(obs({ code: { text: 'Dorsiflexion R' }, valueInteger: 5 }))).toEqual([['dorsiflexion', 'right', 5]]);
    expect(brief(obs({ code: { text: 'Lt EHL strength' }, valueString: '4/5' }))).toEqual([['ehl', 'left', 4]]);
    expect(brief(obs({ code: { text: 'Motor exam' }, component: [{ code: { text: 'EHL (R)' }, valueInteger: 3 }] }))).toEqual([['ehl', 'right', 3]]);
    // A level is no side, and a name with both letters says none.
    expect(brief(obs({ code: { text: 'L5 myotome strength' }, valueInteger: 4 }))).toEqual([['strength', '-', 4]]);
    expect(brief(obs({ code: { text: 'Dorsiflexion (L) and (R)' }, valueInteger: 4 }))).toEqual([['dorsiflexion', '-', 4]]);
  });

  it('ignores out-of-range values, force units and other observations', () => {
    expect(brief(obs({ code: { text: 'Dorsiflexion strength' }, valueQuantity: { value: 7 } }))).toEqual([]);
    expect(brief(obs({ code: { text: 'Dorsiflexion strength' }, valueQuantity: { value: -1 } }))).toEqual([]);
    expect(brief(obs({ code: { text: 'Hip flexion strength' }, valueQuantity: { value: 4, unit: 'kg' } }))).toEqual([]);
    expect(brief(obs({ code: { text: 'Knee extension' }, valueQuantity: { value: 3, code: 'N' } }))).toEqual([]);
    expect(brief(obs({ code: { text: 'Grip strength' }, valueInteger: 4 }))).toEqual([]);
    expect(brief(obs({ code: { text: 'Oswestry Disability Index' }, valueQuantity: { value: 4 } }))).toEqual([]);
    expect(brief(obs({ code: { text: 'Dorsiflexion' }, valueString: 'weak' }))).toEqual([]);
    expect(brief(obs({ code: { text: 'Dorsiflexion' } }))).toEqual([]);
  });

  it('accepts loosely formed observations without throwing', () => {
    for (const o of [null, undefined, 3, 'x', [], {}, obs({ code: 'Dorsiflexion', valueInteger: 4 }), obs({ code: { text: 5 }, valueInteger: 4 }), obs({ code: { text: 'EHL' }, valueInteger: '4' }), obs({ code: { text: 'EHL' }, valueQuantity: { value: '4' } }), obs({ code: { text: 'EHL' }, valueString: 4 }), obs({ code: { text: 'EHL' }, valueQuantity: { value: Number.NaN } }), obs({ code: { text: 'EHL' }, component: { code: { text: 'Left' }, valueInteger: 4 } })]) {
      expect(() => readStrengthScores(REF, o)).not.toThrow();
    }
    expect(brief(obs({ code: { text: 'EHL' }, component: { code: { text: 'Left' }, valueInteger: 4 } }))).toEqual([['ehl', 'left', 4]]);
  });
});
