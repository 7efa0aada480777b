import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import { FhirObject, PRIMITIVE_ELSEWHERE } from '../../src/decision/fhir-objects.js';
import { patientSourceFor } from '../../src/decision/patient-source.js';
import { ROOT } from '../support/fixture-charts.js';

type Json = Record<string, unknown>;

/** Every resource of every fixture patient, and a few with the primitives' edge cases. */
function resources(): FhirResource[] {
  const dir = path.join(ROOT, 'fixtures', 'patients');
  const fixtures = readdirSync(dir).flatMap((f) => ((JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Bundle).entry ?? []).map((e) => e.resource as FhirResource));
  const edges: Json[] = [
    // A primitive with its id-and-extension twin, one with only the twin, one of the wrong JSON type.
    { resourceType: 'Condition', id: 'twin', recordedDate: '2024-01-02', _recordedDate: { id: 'x' }, _id: { extension: [] } },
    { resourceType: 'Procedure', id: 'only-twin', _status: { extension: [{ url: 'http://example.org/x', valueString: 'y' }] } },
    { resourceType: 'Observation', id: 'wrong-type', status: 7, issued: 20240102, code: { text: 5 } },
    { resourceType: 'DiagnosticReport', id: 'dates', effectiveDateTime: '2024-02', issued: '2024-02-03T04:05:06.7+01:00', conclusion: '' },
  ];
  return [...fixtures, ...(edges as unknown as FhirResource[])];
}

/** `obj[field].value` read the general way, as cql-execution's Property nodes read it (null for nothing). */
function generalRead(obj: FhirObject, field: string): unknown {
  const element = (obj as unknown as Json)[field];
  if (element == null) return null;
  const value = (element as Json).value;
  return value == null ? null : value;
}

/** Every element name of the object's FHIR type and its ancestors. */
function elementNames(obj: FhirObject): string[] {
  const info = obj.getTypeInfo();
  return [info, ...info.parentClasses()].flatMap((c) => c.elements.map((e) => e.name));
}

describe('FhirObject.primitiveValue', () => {
  it('reads every single primitive of every fixture resource as the two general reads do, at every depth', async () => {
    const all = resources();
    const patient = (await patientSourceFor([{ resourceType: 'Patient', id: 'p' }, ...all]).currentPatient()) as unknown as { findRecords(t: string): FhirObject[] };
    let direct = 0;
    const visit = (obj: FhirObject, depth: number): void => {
      for (const field of elementNames(obj)) {
        const read = obj.primitiveValue(field);
        if (read !== PRIMITIVE_ELSEWHERE) {
          direct++;
          expect([field, read]).toEqual([field, generalRead(obj, field)]);
        }
        if (depth >= 6) continue;
        const child = (obj as unknown as Json)[field];
        for (const c of Array.isArray(child) ? child : [child]) if (c instanceof FhirObject) visit(c, depth + 1);
      }
    };
    for (const type of ['Condition', 'Procedure', 'Observation', 'ImagingStudy', 'DiagnosticReport']) {
      for (const resource of patient.findRecords(type)) visit(resource, 0);
    }
    // The comparison ran on the reads that matter (ids, statuses, codes, dates), not on an empty set.
    expect(direct).toBeGreaterThan(1000);
  });

  it('leaves lists, choices, complex elements and primitives with extensions to the general read', async () => {
    const [condition] = (
      (await patientSourceFor([
        { resourceType: 'Patient', id: 'p' },
        { resourceType: 'Condition', id: 'c', onsetDateTime: '2024-01-01', recordedDate: '2024-01-02', _recordedDate: { id: 'x' }, code: { text: 't' } } as never,
      ]).currentPatient()) as unknown as { findRecords(t: string): FhirObject[] }
    ).findRecords('Condition');
    for (const field of ['onset', 'onsetDateTime', 'code', 'note', 'recordedDate']) expect([field, condition!.primitiveValue(field)]).toEqual([field, PRIMITIVE_ELSEWHERE]);
    expect(condition!.primitiveValue('id')).toBe('c');
  });
});
