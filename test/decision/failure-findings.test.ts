import type { CodeableConcept, Condition, DiagnosticReport } from 'fhir/r4.js';
import { DecisionEngine } from '../../src/decision/engine.js';
import type { PlanDecision } from '../../src/decision/types.js';
import type { PatientRecord } from '../../src/data/types.js';
import { extractEvidence } from '../../src/evidence/extract.js';
import type { SurgicalPlan } from '../../src/orders/types.js';
import { PATIENT, order, plan, seedRecord } from './seed-record.js';

/**
 * S1 from report text (criteria.md "Supporting findings"): pseudarthrosis, hardware failure or loosening,
 * listhesis or instability, stated (not negated, not hedged), in a sentence at or next to the plan's level,
 * about the lumbar spine. The whole path: the chart's facts are read as the service reads them.
 */
const NOW = new Date('2026-11-20T10:00:00Z');
const engine = DecisionEngine.load();
const subject = { reference: `Patient/${PATIENT}` };
const active = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] };
const MRI_LUMBAR: CodeableConcept = { coding: [{ system: 'http://loinc.org', code: '30679-5', display: 'MR Lumbar spine WO contrast' }], text: 'MRI lumbar spine' };

const fusionAt = (level: SurgicalPlan['level'] = 'L3-L4') => plan([order('o1', ['22830', '22612', '22840'], 'inpatient', level as 'L3-L4')], level);
const decompression = () => plan([order('o1', ['63042'], 'inpatient')]);

function report(conclusion: string, code: CodeableConcept = MRI_LUMBAR, id = 'fail'): DiagnosticReport {
  return { resourceType: 'DiagnosticReport', id, status: 'final', subject, code, effectiveDateTime: '2026-07-28', conclusion };
}

/** The seed chart with one more report; `radicularOnly` leaves no progressive deficit, so only S1 can call for fusion. */
function chartWith(r: DiagnosticReport, radicularOnly = false): PatientRecord {
  const record = seedRecord();
  const conditions: Condition[] = radicularOnly
    ? [{ resourceType: 'Condition', id: 'rad', subject, clinicalStatus: active, code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M54.16', display: 'Radiculopathy, lumbar region' }] }, onsetDateTime: '2025-01-01' }]
    : record.conditions;
  return { ...record, conditions, diagnosticReports: [...record.diagnosticReports, r] };
}

async function decide(p: SurgicalPlan, record: PatientRecord): Promise<PlanDecision> {
  const [d] = await engine.evaluate([p], record, extractEvidence(record), NOW);
  return d;
}
const s1Of = async (r: DiagnosticReport, p = fusionAt()) => (await decide(p, chartWith(r))).supporting.find((s) => s.id === 'S1')!;

describe('S1 from a report about another part of the body', () => {
  it.each([
    ['a knee', { text: 'XR knee left 3 views' }, 'Periprosthetic lucency around the tibial component, concerning for loosening.'],
    ['a shoulder', { text: 'XR shoulder right 2 views' }, 'Glenohumeral instability.'],
    ['the neck', { text: 'CT cervical spine without contrast' }, 'C5-C6 pseudarthrosis.'],
    ['the neck, naming no level', { text: 'CT cervical spine without contrast' }, 'Pseudarthrosis at the fusion level.'],
    ['the thoracic spine, in a lumbar report', { text: 'CT thoracic and lumbar spine' }, 'Loosening of the T10 pedicle screws.'],
    ['a knee, in a lumbar report', MRI_LUMBAR, 'Incidental note: prior right knee arthroplasty with lucency around the tibial component.'],
  ])('%s is no instability, and calls for no fusion', async (_what, code, conclusion) => {
    expect((await s1Of(report(conclusion, code))).status).toBe('undocumented');
    const d = await decide(decompression(), chartWith(report(conclusion, code), true));
    expect(d.considerFusion).toBe(false);
  });

  it.each([
    ['a lumbar level named in any report', { text: 'CT abdomen and pelvis' }, 'Lucency around the L4 pedicle screws.'],
    ['a lumbar radiograph naming no level', { text: 'XR lumbar spine 2 views' }, 'Pseudarthrosis.'],
    ['a flexion-extension study by its code', { coding: [{ system: 'http://loinc.org', code: '24971-4' }] }, 'Lucency around the screws.'],
  ])('%s counts, and calls for fusion', async (_what, code, conclusion) => {
    expect((await s1Of(report(conclusion, code))).status).toBe('present');
    const d = await decide(decompression(), chartWith(report(conclusion, code), true));
    expect(d.considerFusion).toBe(true);
  });
});

describe('S1 is judged per failure sentence, not per report', () => {
  it.each(['Alignment is normal at L3-L4. Grade 1 spondylolisthesis at L5-S1.', 'Solid fusion at L3-L4; pseudarthrosis at L5-S1.'])(
    '"%s": two levels from L3-L4, next to L4-L5',
    async (conclusion) => {
      expect((await s1Of(report(conclusion))).status).toBe('undocumented');
      expect((await s1Of(report(conclusion), fusionAt('L4-L5'))).status).toBe('present');
    },
  );

  it('a sentence with no level in a lumbar report counts at any level', async () => {
    expect((await s1Of(report('Solid fusion at L5-S1. Lucency around the screws.'))).status).toBe('present');
  });

  it('quotes the sentences that count, not those about other levels', async () => {
    const s1 = await s1Of(report('Pseudarthrosis at L3-L4. Grade 1 anterolisthesis at L5-S1.'));
    expect(s1.evidence.find((e) => e.id === 'fail')!.note).toBe('Pseudarthrosis at L3-L4');
  });
});

describe('S1 needs the failure stated, not negated or hedged', () => {
  it.each([
    'Instability is not present.',
    'Pseudarthrosis ruled out.',
    'Periscrew lucency: none.',
    'Loosening of the L4 screws is not confirmed.',
    'Possible pseudarthrosis at L3-L4.',
    'Cannot exclude loosening of the L4 screws.',
    'Loosening of the L4 screws cannot be excluded.',
    'Findings concerning for pseudarthrosis at L3-L4.',
    'Suspected pseudarthrosis at L3-L4.',
    'Probable pseudarthrosis at L3-L4.',
    'Pseudarthrosis at L3-L4 is unlikely.',
    'Evaluate for pseudarthrosis at L3-L4.',
    'Fibrosis versus pseudarthrosis at L3-L4.',
  ])('"%s" states no failure', async (conclusion) => {
    expect((await s1Of(report(conclusion))).status).toBe('undocumented');
  });

  it.each([
    'Findings consistent with pseudarthrosis at L3-L4.',
    'Lucency around the L4 screws, concerning for loosening.',
    'No pseudarthrosis. Lucency around the L4 screws.',
    'No change in the lucency around the L4 screws.',
    'No listhesis at L2-L3, grade 1 anterolisthesis of L3 on L4.',
  ])('"%s" states one', async (conclusion) => {
    expect((await s1Of(report(conclusion))).status).toBe('present');
  });
});

describe('S1 from flexion-extension measurements about another part of the spine', () => {
  const films = (name: string, conclusion: string) => report(conclusion, { text: name }, 'films');
  it.each([
    ['XR cervical spine flexion and extension', '4 mm of translation on flexion.'],
    ['XR cervical spine flexion and extension', 'C4-C5: 4 mm anterolisthesis of C4 on C5 on flexion.'],
    ['XR shoulder right', 'Anterior translation of the humeral head of 8 mm.'],
  ])('%s: "%s" is no instability', async (name, conclusion) => {
    expect((await s1Of(films(name, conclusion))).status).toBe('undocumented');
  });

  it('a lumbar study\'s measurement with no level counts, as one naming a level next to the plan does', async () => {
    expect((await s1Of(films('XR lumbar spine flexion and extension', '4 mm of translation on flexion.'))).status).toBe('present');
    expect((await s1Of(films('XR flexion and extension', 'L4-L5: 4 mm of translation on flexion.'))).status).toBe('present');
  });
});
