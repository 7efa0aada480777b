import { belongsToPatient, isPatientReference, uniqueById } from '../../src/data/patient-filter.js';

describe('resources of the patient', () => {
  it.each([
    ['Patient/pt-1', true],
    ['Patient/pt-1/_history/3', true],
    ['http://fhir.test/r4/Patient/pt-1', true],
    ['Patient/pt-12', false],
    ['Patient/pt', false],
    ['Group/pt-1', false],
    ['http://other.example/r4/Patient/pt-1', false],
  ])('%s is Patient/pt-1 on http://fhir.test/r4: %s', (reference, expected) => {
    expect(isPatientReference(reference, 'pt-1', 'http://fhir.test/r4/')).toBe(expected);
  });

  it('reads subject, then patient', () => {
    expect(belongsToPatient({ subject: { reference: 'Patient/pt-1' } }, 'pt-1')).toBe(true);
    expect(belongsToPatient({ patient: { reference: 'Patient/pt-1' } }, 'pt-1')).toBe(true);
    expect(belongsToPatient({ subject: { reference: 'Patient/other' }, patient: { reference: 'Patient/pt-1' } }, 'pt-1')).toBe(false);
    expect(belongsToPatient({ subject: { display: 'Quinn' } }, 'pt-1')).toBe(false);
    expect(belongsToPatient({}, 'pt-1')).toBe(false);
  });

  it('keeps one copy per id, the last one', () => {
    const out = uniqueById([
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
      { id: 'a', v: 2 },
      { v: 3 },
    ]);
    expect(out).toEqual([{ id: 'a', v: 2 }, { id: 'b', v: 1 }, { v: 3 }]);
  });
});
