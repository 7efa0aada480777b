import { DecisionEngine } from '../../src/decision/engine.js';
import { extractEvidence } from '../../src/evidence/extract.js';
import { shapeProblems } from '../../src/fhir-model/shape.js';
import type { PatientRecord } from '../../src/data/types.js';
import { order, plan, seedRecord } from './seed-record.js';

const NOW = new Date('2026-11-20T10:00:00Z');
const engine = DecisionEngine.load();

/** Shapes a careless EHR sends; the engine must answer, never throw. */
const LOOSE: Record<string, unknown>[] = [
  { resourceType: 'Condition', id: 'a', code: { coding: { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M21.372' } } },
  { resourceType: 'Condition', id: 'b', code: 'foot drop', clinicalStatus: 'active', onsetDateTime: 12345 },
  { resourceType: 'Condition', id: 'c', onsetDateTime: 'not a date', recordedDate: '2026-13-45', code: { text: ['x'] } },
  { resourceType: 'Procedure', id: 'd', status: 'completed', performedPeriod: 'yesterday', code: { coding: [null, 7, { code: 22612 }] } },
  { resourceType: 'Observation', id: 'e', status: 'final', valueQuantity: { value: 'four' }, effectiveDateTime: true },
  { resourceType: 'DiagnosticReport', id: 'f', status: 'final', conclusion: { text: 'x' }, imagingStudy: 'ImagingStudy/1', effectiveDateTime: '2026-09' },
  { resourceType: 'ImagingStudy', id: 'g', status: 'available', modality: { code: 'MR' }, series: [{ modality: 'MR', bodySite: [] }], started: [] },
  { resourceType: 'Condition' },
  { resourceType: 'Condition', id: 'h', verificationStatus: { coding: 'refuted' }, abatementDateTime: {} },
];

/**
 * The data layer refuses resources whose JSON shapes are not FHIR's (src/fhir-model/shape.ts); everything
 * it lets through must evaluate. This pins both halves of that contract.
 */
describe('loosely formed chart resources', () => {
  it.each(LOOSE.map((r, i) => [i, r]))('resource %i is refused by the shape check or evaluates', async (_i, loose) => {
    if (shapeProblems(loose).length > 0) return;
    const record = seedRecord();
    const key = { Condition: 'conditions', Procedure: 'procedures', Observation: 'observations', DiagnosticReport: 'diagnosticReports', ImagingStudy: 'imagingStudies' }[
      (loose as { resourceType: string }).resourceType
    ] as keyof Omit<PatientRecord, 'patientId' | 'patient'>;
    (record[key] as unknown[]).push(loose);
    const facts = extractEvidence(record);
    const [d] = await engine.evaluate([plan([order('o1', ['22830', '22612'], 'inpatient')])], record, facts, NOW);
    expect(d.isRevision).toBe(true);
  });
});
