import type { Condition } from 'fhir/r4.js';
import { DecisionEngine } from '../../src/decision/engine.js';
import type { PlanDecision } from '../../src/decision/types.js';
import type { PatientRecord } from '../../src/data/types.js';
import { PATIENT, order, plan, seedFacts, seedRecord } from './seed-record.js';

/**
 * Hardware failure waives conservative care (R4) and is a sign of instability (S1) only when the fixation is
 * spinal: in ICD-10-CM T84.21-/T84.22-/T84.29- the sixth character 6 is the vertebrae (T84.216, T84.226, T84.296),
 * and the others are the bones of a limb, the hand or the foot.
 */
const NOW = new Date('2026-11-20T10:00:00Z');
const engine = DecisionEngine.load();
const subject = { reference: `Patient/${PATIENT}` };
const active = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] };

function condition(id: string, code: string, display: string, onset: string): Condition {
  return { resourceType: 'Condition', id, subject, clinicalStatus: active, code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code, display }], text: display }, onsetDateTime: onset };
}

/** Radicular symptoms only (no progressive deficit) and no conservative care: R4 rests on a waiver alone. */
function radicularWith(extra: Condition): PatientRecord {
  return { ...seedRecord(), conditions: [condition('rad', 'M54.16', 'Radiculopathy, lumbar region', '2025-01-01'), extra] };
}

async function decide(record: PatientRecord, orders = plan([order('o1', ['22830', '22612', '22840'], 'inpatient')])): Promise<PlanDecision> {
  const [d] = await engine.evaluate([orders], record, seedFacts(), NOW);
  return d;
}

describe('hardware failure is spinal fixation only (R4 waiver, S1)', () => {
  it.each([
    ['T84.216A', 'Breakdown (mechanical) of internal fixation device of vertebrae, initial encounter'],
    ['T84.226D', 'Displacement of internal fixation device of vertebrae, subsequent encounter'],
    ['T84.296S', 'Other mechanical complication of internal fixation device of vertebrae, sequela'],
  ])('%s waives conservative care and shows instability', async (code, display) => {
    const d = await decide(radicularWith(condition('hw', code, display, '2026-07-28')));
    expect(d.criteria[3]).toMatchObject({ status: 'met', waiver: 'hardware failure' });
    expect(d.determination).toBe('criteria-met');
    expect(d.supporting.find((s) => s.id === 'S1')!.status).toBe('present');
  });

  it.each([
    ['T84.213A', 'Broken screw in left first metatarsal osteotomy'],
    ['T84.210A', 'Breakdown (mechanical) of internal fixation device of bones of hand and wrist, initial encounter'],
    ['T84.218A', 'Breakdown (mechanical) of internal fixation device of other bones, initial encounter'],
    ['T84.223A', 'Displacement of internal fixation device of bones of foot and toes, initial encounter'],
    ['T84.290A', 'Other mechanical complication of internal fixation device of bones of hand and wrist, initial encounter'],
  ])('%s (not the vertebrae) waives nothing and is no instability', async (code, display) => {
    const d = await decide(radicularWith(condition('hw', code, display, '2026-07-28')));
    expect(d.criteria[3].status).toBe('not-documented');
    expect(d.determination).toBe('documentation-incomplete');
    expect(d.supporting.find((s) => s.id === 'S1')!.status).toBe('undocumented');
    // Decompression alone at the operated level: a broken foot screw does not make it a fusion case.
    const decompression = await decide(radicularWith(condition('hw', code, display, '2026-07-28')), plan([order('o1', ['63042'], 'inpatient')]));
    expect(decompression.considerFusion).toBe(false);
  });
});
