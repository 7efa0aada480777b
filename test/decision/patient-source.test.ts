import cql from 'cql-execution';
import { patientSourceFor } from '../../src/decision/patient-source.js';

describe('patientSourceFor', () => {
  it('gives each evaluation its own patient while sharing the parsed FHIR model', async () => {
    const a = patientSourceFor([{ resourceType: 'Patient', id: 'a' }, { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/a' } } as never]);
    const b = patientSourceFor([{ resourceType: 'Patient', id: 'b' }]);
    const pa = (await a.currentPatient()) as unknown as cql.PatientObject;
    const pb = (await b.currentPatient()) as unknown as cql.PatientObject;
    expect(pa.getId()).toBe('a');
    expect(pb.getId()).toBe('b');
    expect((pa as unknown as { findRecords(t: string): unknown[] }).findRecords('Condition')).toHaveLength(1);
    expect((pb as unknown as { findRecords(t: string): unknown[] }).findRecords('Condition')).toHaveLength(0);
    expect(await a.nextPatient()).toBeUndefined();
  });
});
