import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Bundle } from 'fhir/r4.js';
import { shapeProblems } from '../../src/fhir-model/shape.js';

const PATIENTS = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'patients');

describe('shapeProblems', () => {
  it('finds nothing wrong in any fixture resource', () => {
    for (const file of readdirSync(PATIENTS)) {
      const bundle = JSON.parse(readFileSync(path.join(PATIENTS, file), 'utf8')) as Bundle;
      for (const e of bundle.entry ?? []) expect([file, e.resource?.id, shapeProblems(e.resource)]).toEqual([file, e.resource?.id, []]);
    }
  });

  it.each([
    [{ resourceType: 'Condition', code: { coding: { system: 's', code: 'c' } } }, 'code.coding', 'expected an array'],
    [{ resourceType: 'Condition', code: 'foot drop' }, 'code', 'expected an object'],
    [{ resourceType: 'Condition', onsetDateTime: 12345 }, 'onsetDateTime', 'expected a string'],
    [{ resourceType: 'Observation', status: { code: 'final' } }, 'status', 'expected a string'],
    [{ resourceType: 'Observation', valueQuantity: { value: 'four' } }, 'valueQuantity.value', 'expected a number'],
    [{ resourceType: 'ImagingStudy', series: [{ modality: 'MR' }] }, 'series[0].modality', 'expected an object'],
    [{ resourceType: 'Procedure', performedPeriod: { end: true } }, 'performedPeriod.end', 'expected a string'],
    [{ resourceType: 'Nope' }, 'resourceType', 'unknown resource type Nope'],
    [{ resourceType: 'Procedure', performedDateTime: 'garbage' }, 'performedDateTime', expect.stringMatching(/^expected a FHIR dateTime/)],
    [{ resourceType: 'Procedure', performedDateTime: '2023-13-45' }, 'performedDateTime', expect.stringMatching(/^expected a FHIR dateTime/)],
    [{ resourceType: 'Condition', onsetDateTime: '2025-09-15T10:00' }, 'onsetDateTime', expect.stringMatching(/^expected a FHIR dateTime/)],
    [{ resourceType: 'Condition', recordedDate: '15/09/2025' }, 'recordedDate', expect.stringMatching(/^expected a FHIR dateTime/)],
    [{ resourceType: 'Patient', birthDate: '1960-02-30T00:00:00Z' }, 'birthDate', expect.stringMatching(/^expected a FHIR date /)],
    [{ resourceType: 'Observation', valueTime: '25:00:00' }, 'valueTime', expect.stringMatching(/^expected a FHIR time/)],
    [{ resourceType: 'Procedure', performedDateTime: '2023-02-30' }, 'performedDateTime', 'is not a day of the calendar'],
    [{ resourceType: 'Procedure', performedDateTime: '2025-02-29T10:00:00Z' }, 'performedDateTime', 'is not a day of the calendar'],
    [{ resourceType: 'Procedure', performedDateTime: '2025-04-31' }, 'performedDateTime', 'is not a day of the calendar'],
    [{ resourceType: 'Patient', birthDate: '1960-06-31' }, 'birthDate', 'is not a day of the calendar'],
    [{ resourceType: 'Condition', onsetDateTime: '2025-09-15T23:59:60Z' }, 'onsetDateTime', expect.stringMatching(/^expected a FHIR dateTime/)],
  ])('names the fault in %j', (resource, where, message) => {
    expect(shapeProblems(resource)).toContainEqual({ path: where, message });
  });

  it.each(['2025', '2025-09', '2025-09-15', '2025-09-15T10:00:00Z', '2025-09-15T10:00:00', '2025-09-15T10:00:00.123-05:00', '2025-09-15T23:59:59+14:00', '2024-02-29'])(
    'accepts the dateTime %s',
    (onset) => {
      expect(shapeProblems({ resourceType: 'Condition', onsetDateTime: onset, recordedDate: onset })).toEqual([]);
    },
  );

  it('leaves unknown elements and underscore extensions alone, and is bounded on deep input', () => {
    expect(shapeProblems({ resourceType: 'Condition', custom: 1, _recordedDate: { extension: [] } })).toEqual([]);
    let deep: Record<string, unknown> = { text: 'x' };
    for (let i = 0; i < 200; i++) deep = { extension: [{ url: 'u', valueCodeableConcept: deep }] };
    expect(() => shapeProblems({ resourceType: 'Condition', code: deep })).not.toThrow();
  });
});
