import { belongsToPatient, isPatientReference, parsePatientReference, uniqueById } from '../../src/data/patient-filter.js';

describe('resources of the patient', () => {
  it.each([
    ['Patient/pt-1', true],
    ['Patient/pt-1/_history/3', true],
    ['http://fhir.test/r4/Patient/pt-1', true],
    ['Patient/pt-12', false],
    ['Patient/pt', false],
    ['Group/pt-1', false],
    ['http://other.example/r4/Patient/pt-1', false],
    ['http://fhir.test/r4/Patient/pt-1/_history/2', true],
    ['http://FHIR.test/r4/Patient/pt-1', true],
    ['HTTP://fhir.test:80/r4/Patient/pt-1', true],
    ['http://fhir.test/r4/Patient/pt-2', false],
    ['https://fhir.test/r4/Patient/pt-1', false],
    ['http://fhir.test:8080/r4/Patient/pt-1', false],
    ['http://fhir.test/r4/other/Patient/pt-1', false],
    ['http://fhir.test/Patient/pt-1', false],
    ['http://fhir.test@evil.example/r4/Patient/pt-1', false],
    ['urn:uuid:0b8a2c2e-1111-4444-8888-123456789abc', false],
    ['#p1', false],
  ])('%s is Patient/pt-1 on http://fhir.test/r4: %s', (reference, expected) => {
    expect(isPatientReference(reference, 'pt-1', 'http://fhir.test/r4/')).toBe(expected);
  });

  it.each(['http://fhir.test/r4', 'http://fhir.test/r4/', 'HTTP://Fhir.Test:80/r4'])('compares the base with fhirServer %s once normalised', (fhirServer) => {
    expect(isPatientReference('http://fhir.test/r4/Patient/pt-1', 'pt-1', fhirServer)).toBe(true);
    expect(isPatientReference('http://fhir.test/r4/Patient/pt-1/_history/7', 'pt-1', fhirServer)).toBe(true);
  });

  it.each([
    ['Patient/pt-1', true],
    ['https://ehr.example.org/fhir/Patient/pt-1', true],
    ['https://ehr.example.org/fhir/Patient/pt-1/_history/4', true],
    ['https://ehr.example.org/fhir/Patient/pt-2', false],
    ['urn:uuid:0b8a2c2e-1111-4444-8888-123456789abc', false],
    ['urn:example:x/Patient/pt-1', false],
    ['#p1', false],
  ])('%s is Patient/pt-1 when the request names no fhirServer: %s', (reference, expected) => {
    expect(isPatientReference(reference, 'pt-1')).toBe(expected);
  });

  it('reads a Patient reference into its id and, when absolute, its base (as the draft-order subject check reads it)', () => {
    expect(parsePatientReference('Patient/pt-1')).toEqual({ id: 'pt-1' });
    expect(parsePatientReference('Patient/pt-1/_history/3')).toEqual({ id: 'pt-1' });
    expect(parsePatientReference('https://ehr.example.org/fhir/Patient/pt-1/_history/3')).toEqual({ id: 'pt-1', base: 'https://ehr.example.org/fhir' });
    expect(parsePatientReference('Group/pt-1')).toBeUndefined();
    expect(parsePatientReference('urn:uuid:0b8a2c2e-1111-4444-8888-123456789abc')).toBeUndefined();
    expect(parsePatientReference('#p1')).toBeUndefined();
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
