import type { Condition, DiagnosticReport, ImagingStudy, Observation, Procedure } from 'fhir/r4.js';
import { DecisionEngine } from '../../src/decision/engine.js';
import type { PlanDecision } from '../../src/decision/types.js';
import type { PatientRecord } from '../../src/data/types.js';
import { extractEvidence } from '../../src/evidence/extract.js';
import type { EvidenceFacts } from '../../src/evidence/types.js';
import type { SurgicalPlan } from '../../src/orders/types.js';
import { PATIENT, order, plan, seedFacts, seedRecord } from './seed-record.js';

const NOW = new Date('2026-11-20T10:00:00Z');
const engine = DecisionEngine.load();
const subject = { reference: `Patient/${PATIENT}` };
const icd = 'http://hl7.org/fhir/sid/icd-10-cm';
const active = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] };

const fusionInpatient = (): SurgicalPlan => plan([order('o1', ['22830', '22612', '22840'], 'inpatient')]);

async function decide(p: SurgicalPlan, record: PatientRecord, facts: EvidenceFacts): Promise<PlanDecision> {
  const [d] = await engine.evaluate([p], record, facts, NOW);
  return d;
}
const status = (d: PlanDecision, id: string) => d.criteria.find((c) => c.id === id)?.status;
const support = (d: PlanDecision, id: string) => d.supporting.find((s) => s.id === id)!;

function condition(id: string, code: string, display: string, onset: string, extra: Partial<Condition> = {}): Condition {
  return { resourceType: 'Condition', id, subject, clinicalStatus: active, code: { coding: [{ system: icd, code, display }], text: display }, onsetDateTime: onset, ...extra };
}

/** The seed chart with its neurological findings replaced. */
function withConditions(conditions: Condition[], record = seedRecord()): PatientRecord {
  return { ...record, conditions };
}

describe('revision and R1', () => {
  it('is not a revision without a prior procedure at the level or a revision code', async () => {
    const record = { ...seedRecord(), procedures: [] };
    const d = await decide(plan([order('o1', ['22612'], 'inpatient')]), record, seedFacts());
    expect(d.isRevision).toBe(false);
    expect(d.determination).toBeUndefined();
    expect(d.inpatientRecommended).toBe(false);
  });

  it('R1 is not met when the only prior surgery is at another level, and the determination is criteria-not-met', async () => {
    const facts = seedFacts();
    facts.resources[0] = { ref: 'Procedure/prior', levels: ['L4-L5'], sides: [] };
    const d = await decide(fusionInpatient(), seedRecord(), facts);
    expect(d.isRevision).toBe(true);
    expect(status(d, 'R1')).toBe('not-met');
    expect(d.determination).toBe('criteria-not-met');
  });

  it('dates evidence as precisely as the record does: a day, a month or a year, never a made-up first of January', async () => {
    const record = { ...seedRecord(), procedures: [] as Procedure[] };
    record.conditions.push(
      condition('z981-day', 'Z98.1', 'Arthrodesis status', '2024-03-07'),
      condition('z981-month', 'Z98.1', 'Arthrodesis status', '2024-03'),
      condition('z981-year', 'Z98.1', 'Arthrodesis status', '2024'),
      condition('z981-time', 'Z98.1', 'Arthrodesis status', '2024-03-07T23:30:00-05:00'),
    );
    const d = await decide(fusionInpatient(), record, seedFacts());
    const dates = Object.fromEntries(d.criteria[0].evidence.map((e) => [e.id, e.date]));
    expect(dates).toMatchObject({ 'z981-day': '2024-03-07', 'z981-month': '2024-03', 'z981-year': '2024', 'z981-time': '2024-03-07' });
  });

  it('R1 is not documented with a revision code, no prior Procedure, and only an arthrodesis-status Condition', async () => {
    const record = { ...seedRecord(), procedures: [] as Procedure[] };
    record.conditions.push(condition('z981', 'Z98.1', 'Arthrodesis status', '2024-01-01'));
    const d = await decide(fusionInpatient(), record, seedFacts());
    expect(d.isRevision).toBe(true);
    expect(status(d, 'R1')).toBe('not-documented');
    expect(d.criteria[0].evidence.map((e) => e.id)).toContain('z981');
    expect(d.determination).toBe('documentation-incomplete');
  });

  it('a plan of unknown level after lumbar surgery is documentation-incomplete', async () => {
    const d = await decide(plan([{ ...order('o1', ['22612'], 'inpatient'), levels: [] }], 'unknown'), seedRecord(), seedFacts());
    expect(d.isRevision).toBe(true);
    expect(d.determination).toBe('documentation-incomplete');
  });

  it('a plan of unknown level booked outpatient is a revision for its setting only by its own revision code', async () => {
    // A prior fusion elsewhere does not put an order of unstated level at an operated level.
    const noCode = await decide(plan([{ ...order('o1', ['22612', '22840'], 'outpatient'), levels: [] }], 'unknown'), seedRecord(), seedFacts());
    expect(noCode.isRevision).toBe(true);
    expect(noCode.inpatientRecommended).toBe(false);
    // 22830 (exploration of fusion) is a revision wherever it is: criteria.md's setting rule applies.
    const revisionCode = await decide(plan([{ ...order('o1', ['22830', '22612', '22840'], 'outpatient'), levels: [] }], 'unknown'), seedRecord(), seedFacts());
    expect(revisionCode.inpatientRecommended).toBe(true);
    expect(revisionCode.inpatientReasons).toContain('revision-fusion');
    const known = await decide(plan([order('o1', ['22830', '22612', '22840'], 'outpatient')]), seedRecord(), seedFacts());
    expect(known.inpatientRecommended).toBe(true);
    // A re-exploration decompression (63042) needs a prior operation at the ordered level, which an unstated level
    // cannot show: stating the level never takes a recommendation away.
    const decompression = await decide(plan([{ ...order('o1', ['63042'], 'outpatient'), levels: [] }], 'unknown'), seedRecord(), seedFacts());
    expect(decompression.inpatientRecommended).toBe(false);
  });

  it('R1 says whether any prior lumbar Procedure is recorded, for a plan of unknown level', async () => {
    const unknownPlan = plan([{ ...order('o1', ['22830'], 'unknown'), levels: [] }], 'unknown');
    const withProcedure = await decide(unknownPlan, seedRecord(), seedFacts());
    expect(withProcedure.criteria[0]).toMatchObject({ status: 'not-documented', priorProcedureRecorded: true });
    const record = { ...seedRecord(), procedures: [] as Procedure[] };
    record.conditions.push(condition('z981', 'Z98.1', 'Arthrodesis status', '2024-01-01'));
    const without = await decide(unknownPlan, record, seedFacts());
    expect(without.isRevision).toBe(true);
    expect(without.criteria[0]).toMatchObject({ status: 'not-documented', priorProcedureRecorded: false });
  });
});

describe('R2 neurological deficit', () => {
  it('is not met when the only findings after surgery are refuted or resolved', async () => {
    const refuted = condition('fd', 'M21.372', 'Foot drop, left foot', '2026-06-01', {
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'refuted' }] },
    });
    const resolved = condition('rad', 'M54.16', 'Radiculopathy, lumbar region', '2025-01-01', {
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] },
    });
    const lbp = condition('lbp', 'M54.50', 'Low back pain, unspecified', '2026-01-01');
    const d = await decide(fusionInpatient(), withConditions([refuted, resolved, lbp]), seedFacts());
    expect(status(d, 'R2')).toBe('not-met');
    expect(d.criteria[1].reason).toBe('findings-not-current');
    // The evidence under that reason is the neurological findings, not the current axial pain.
    expect(d.criteria[1].evidence.map((e) => e.id).sort()).toEqual(['fd', 'rad']);
    expect(d.determination).toBe('criteria-not-met');
  });

  it('is not met with only axial low back pain', async () => {
    const d = await decide(fusionInpatient(), withConditions([condition('lbp', 'M54.50', 'Low back pain, unspecified', '2026-01-01')]), seedFacts());
    expect(status(d, 'R2')).toBe('not-met');
    expect(d.criteria[1].reason).toBe('axial-pain-only');
  });

  it('is not documented with no finding after surgery (a finding before it does not count)', async () => {
    const d = await decide(fusionInpatient(), withConditions([condition('old', 'M54.16', 'Radiculopathy', '2022-01-01')]), seedFacts());
    expect(status(d, 'R2')).toBe('not-documented');
    expect(d.determination).toBe('documentation-incomplete');
  });

  it('an abatement in the past makes a finding history, not a current deficit', async () => {
    const abated = condition('fd', 'M21.372', 'Foot drop, left foot', '2026-06-01', { abatementDateTime: '2026-08-01' });
    const d = await decide(fusionInpatient(), withConditions([abated]), seedFacts());
    expect(status(d, 'R2')).toBe('not-met');
  });

  it('an abatement that cannot be placed before or after the order (its month, a string, an age) says the finding abated', async () => {
    const fd = (abatement: Partial<Condition>) => withConditions([condition('fd', 'M21.372', 'Foot drop, left foot', '2026-06-01', abatement)]);
    for (const a of [{ abatementDateTime: '2026-11' }, { abatementString: 'resolved after physiotherapy' }, { abatementAge: { value: 61, unit: 'a' } }]) {
      expect(status(await decide(fusionInpatient(), fd(a), seedFacts()), 'R2')).toBe('not-met');
    }
    expect(status(await decide(fusionInpatient(), fd({ abatementDateTime: '2026-12-01' }), seedFacts()), 'R2')).toBe('met');
  });

  it('is progressive by a falling strength score, and radicular symptoms alone are not', async () => {
    const radicularOnly = withConditions([condition('rad', 'M54.16', 'Radiculopathy', '2025-01-01')]);
    const steady = await decide(fusionInpatient(), radicularOnly, seedFacts());
    expect(status(steady, 'R2')).toBe('met');
    expect(steady.criteria[1].progressive).toBe(false);

    const obs = (id: string, date: string): Observation => ({
      resourceType: 'Observation', id, status: 'final', subject, code: { text: 'Left ankle dorsiflexion strength' }, effectiveDateTime: date,
    });
    const record = { ...radicularOnly, observations: [obs('s1', '2025-06-01'), obs('s2', '2026-09-01')] };
    const facts = seedFacts();
    facts.strength = [
      { ref: 'Observation/s1', movement: 'dorsiflexion', side: 'left', score: 4 },
      { ref: 'Observation/s2', movement: 'dorsiflexion', side: 'left', score: 3 },
    ];
    const falling = await decide(fusionInpatient(), record, facts);
    expect(falling.criteria[1].progressive).toBe(true);
    expect(falling.criteria[1].evidence.some((e) => e.id === 's2' && /3\/5/.test(e.note ?? ''))).toBe(true);
    // The score is named as the chart names it, and only the falling score shows why the deficit is progressive.
    expect(falling.criteria[1].evidence.find((e) => e.id === 's2')!.display).toBe('Left ankle dorsiflexion strength');
    expect(falling.criteria[1].progressionEvidence!.map((e) => e.id)).toEqual(['s2']);
    // With a motor deficit too, the falling score comes first: cards show only the first few items.
    const both = await decide(fusionInpatient(), { ...record, conditions: [...record.conditions, condition('fd', 'M21.372', 'Foot drop, left foot', '2026-06-01')] }, facts);
    expect(both.criteria[1].progressionEvidence!.map((e) => e.id)).toEqual(['s2', 'fd']);
    // An undated later score is compared as of the order, and shown undated, not with the order's date.
    const { effectiveDateTime: _d, ...undated } = obs('s2', '');
    const late = await decide(fusionInpatient(), { ...record, observations: [obs('s1', '2025-06-01'), undated as Observation] }, facts);
    expect(late.criteria[1].progressive).toBe(true);
    expect(late.criteria[1].evidence.find((e) => e.id === 's2')!.date).toBeUndefined();
  });

  it('gives as progression the motor deficits that began after the surgery, not the radicular findings', async () => {
    const d = await decide(
      fusionInpatient(),
      withConditions([condition('rad', 'M54.16', 'Radiculopathy', '2025-01-01'), condition('fd', 'M21.372', 'Foot drop, left foot', '2026-06-01')]),
      seedFacts(),
    );
    expect(d.criteria[1].progressive).toBe(true);
    expect(d.criteria[1].evidence.map((e) => e.id).sort()).toEqual(['fd', 'rad']);
    expect(d.criteria[1].progressionEvidence!.map((e) => e.id)).toEqual(['fd']);
  });
});

describe('R3 imaging', () => {
  const report = (extra: Partial<DiagnosticReport>): DiagnosticReport => ({ ...seedRecord().diagnosticReports[0], ...extra });
  /** A lumbar MR study, for the reports that read it. */
  const lumbarMri = (status: ImagingStudy['status']): ImagingStudy => ({
    resourceType: 'ImagingStudy', id: 'mr-study', status, subject, started: '2026-10-01',
    modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'MR' }],
    description: 'MRI lumbar spine',
    series: [{ uid: '1.2', modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'MR' }, bodySite: { system: 'http://snomed.info/sct', code: '122496007', display: 'Lumbar spine' } }],
  });

  it('is not met when the study at the level reads mild narrowing', async () => {
    const facts = seedFacts();
    facts.imaging = [{ ref: 'DiagnosticReport/mri', level: 'L3-L4', kind: 'no-compression', text: 'Mild foraminal narrowing at L3-L4.' }];
    const d = await decide(fusionInpatient(), seedRecord(), facts);
    expect(status(d, 'R3')).toBe('not-met');
    expect(d.criteria[2].reason).toBe('no-compression');
    expect(d.determination).toBe('criteria-not-met');
  });

  it('is not met when compression is only opposite the symptoms', async () => {
    const facts = seedFacts();
    facts.imaging = [{ ref: 'DiagnosticReport/mri', level: 'L3-L4', side: 'right', kind: 'compression', text: 'Moderate right foraminal stenosis at L3-L4.' }];
    const d = await decide(fusionInpatient(), seedRecord(), facts);
    expect(status(d, 'R3')).toBe('not-met');
    expect(d.criteria[2].reason).toBe('opposite-side');
    // With findings that state no side, the side is the order's, and the reason says so.
    const sideless = withConditions([condition('rad', 'M54.16', 'Lumbar radiculopathy', '2026-01-01'), condition('gait', 'R26.81', 'Unsteady gait', '2026-05-14')]);
    const byOrder = await decide({ ...fusionInpatient(), side: 'left' }, sideless, facts);
    expect(byOrder.criteria[2].reason).toBe('opposite-order-side');
  });

  it('is not documented when the study says nothing about the level', async () => {
    const facts = seedFacts();
    facts.imaging = [{ ref: 'DiagnosticReport/mri', level: 'L4-L5', kind: 'compression', text: 'Moderate stenosis at L4-L5.' }];
    const d = await decide(fusionInpatient(), seedRecord(), facts);
    expect(status(d, 'R3')).toBe('not-documented');
  });

  it('counts a study dated (without a time) on the order day or on the first day of the look-back', async () => {
    // The order is signed 2026-11-20 at 10:00; the look-back of 12 months starts 2025-11-20.
    for (const day of ['2026-11-20', '2025-11-20']) {
      const d = await decide(fusionInpatient(), { ...seedRecord(), diagnosticReports: [report({ effectiveDateTime: day })] }, seedFacts());
      expect([day, status(d, 'R3')]).toEqual([day, 'met']);
    }
    const before = await decide(fusionInpatient(), { ...seedRecord(), diagnosticReports: [report({ effectiveDateTime: '2025-11-19' })] }, seedFacts());
    expect(status(before, 'R3')).toBe('not-documented');
  });

  it('is not documented when the only study is older than the lookback, or void', async () => {
    const old = await decide(fusionInpatient(), { ...seedRecord(), diagnosticReports: [report({ effectiveDateTime: '2025-06-01' })] }, seedFacts());
    expect(status(old, 'R3')).toBe('not-documented');
    // The card says which study was left out and why.
    expect(old.criteria[2].evidence).toEqual([expect.objectContaining({ id: 'mri', date: '2025-06-01', note: 'more than 12 months before the order, so it does not count' })]);
    const beforeSurgery = await decide(fusionInpatient(), { ...seedRecord(), diagnosticReports: [report({ effectiveDateTime: '2023-01-15' })] }, seedFacts());
    expect(beforeSurgery.criteria[2].evidence.map((e) => e.note)).toEqual(['before the prior surgery, so it does not count']);
    // Dated to the month of the order's look-back start: it may be inside or out, so it is not counted, and the card says why.
    const byMonth = await decide(fusionInpatient(), { ...seedRecord(), diagnosticReports: [report({ effectiveDateTime: '2025-11' })] }, seedFacts());
    expect(status(byMonth, 'R3')).toBe('not-documented');
    expect(byMonth.criteria[2].evidence.map((e) => e.note)).toEqual(['dated only to the month or year, so it cannot be placed within the 12 months']);
    const voided = await decide(fusionInpatient(), { ...seedRecord(), diagnosticReports: [report({ status: 'entered-in-error' })] }, seedFacts());
    expect(status(voided, 'R3')).toBe('not-documented');
  });

  it('names a study whose only report is preliminary as waiting for its final report', async () => {
    const study = lumbarMri('available');
    const preliminary = report({ status: 'preliminary', imagingStudy: [{ reference: 'ImagingStudy/mr-study' }] });
    const d = await decide(fusionInpatient(), { ...seedRecord(), imagingStudies: [study], diagnosticReports: [preliminary] }, seedFacts());
    expect(status(d, 'R3')).toBe('not-documented');
    expect(d.criteria[2].evidence).toEqual([expect.objectContaining({ id: 'mr-study', note: 'its report is still preliminary; the final report is needed' })]);
  });

  it('a report of a study entered in error is void with it; a study whose report is void says so', async () => {
    const study = lumbarMri('entered-in-error');
    const reading = report({ imagingStudy: [{ reference: 'ImagingStudy/mr-study' }] });
    const voidStudy = await decide(fusionInpatient(), { ...seedRecord(), imagingStudies: [study], diagnosticReports: [reading] }, seedFacts());
    expect(status(voidStudy, 'R3')).toBe('not-documented');
    const voidReport = await decide(
      fusionInpatient(),
      { ...seedRecord(), imagingStudies: [{ ...study, status: 'available' }], diagnosticReports: [{ ...reading, status: 'entered-in-error' }] },
      seedFacts(),
    );
    expect(voidReport.criteria[2].evidence).toEqual([expect.objectContaining({ id: 'mr-study', note: 'its report was entered in error or cancelled; a valid report is needed' })]);
  });

  it('the most recent study about the level decides', async () => {
    const record = { ...seedRecord(), diagnosticReports: [report({}), report({ id: 'mri2', effectiveDateTime: '2026-10-30' })] };
    const facts = seedFacts();
    facts.imaging.push({ ref: 'DiagnosticReport/mri2', level: 'L3-L4', kind: 'no-compression', text: 'No stenosis at L3-L4.' });
    const d = await decide(fusionInpatient(), record, facts);
    expect(status(d, 'R3')).toBe('not-met');
    expect(d.criteria[2].evidence[0].id).toBe('mri2');
  });
});

describe('R3: reports of the deciding day that disagree', () => {
  const report = (extra: Partial<DiagnosticReport>): DiagnosticReport => ({ ...seedRecord().diagnosticReports[0], ...extra });
  const againstMri = { ref: 'DiagnosticReport/mri2', level: 'L3-L4', kind: 'no-compression', text: 'Foramina patent at L3-L4.' } as const;

  it('is not documented, whichever comes first in the chart, and names both', async () => {
    const second = report({ id: 'mri2' });
    const facts = seedFacts();
    facts.imaging.push(againstMri);
    for (const reports of [[report({}), second], [second, report({})]]) {
      const d = await decide(fusionInpatient(), { ...seedRecord(), diagnosticReports: reports }, facts);
      expect(status(d, 'R3')).toBe('not-documented');
      expect(d.criteria[2].missingBecause).toBe('conflicting-reports');
      expect(d.criteria[2].evidence.map((e) => e.id).sort()).toEqual(['mri', 'mri2']);
      expect(d.determination).toBe('documentation-incomplete');
    }
  });

  it('does not hold back a later study, or two of one day that agree', async () => {
    const facts = seedFacts();
    facts.imaging.push(againstMri);
    const later = await decide(fusionInpatient(), { ...seedRecord(), diagnosticReports: [report({}), report({ id: 'mri2', effectiveDateTime: '2026-10-03' })] }, facts);
    expect(status(later, 'R3')).toBe('not-met');
    const agreeing = seedFacts();
    agreeing.imaging.push({ ...againstMri, kind: 'compression', text: 'Moderate left foraminal stenosis at L3-L4.', side: 'left' });
    const both = await decide(fusionInpatient(), { ...seedRecord(), diagnosticReports: [report({}), report({ id: 'mri2' })] }, agreeing);
    expect(status(both, 'R3')).toBe('met');
  });
});

describe('R4 conservative care', () => {
  const radicularOnly = () => withConditions([condition('rad', 'M54.16', 'Radiculopathy', '2025-01-01')]);
  const pt = (id: string, start: string, end: string): Procedure => ({
    resourceType: 'Procedure', id, status: 'completed', subject,
    code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '97110', display: 'Therapeutic exercise' }] },
    performedPeriod: { start, end },
  });

  it('is met by eight weeks of physical therapy after the surgery', async () => {
    const record = radicularOnly();
    record.procedures.push(pt('pt1', '2025-02-01', '2025-02-28'), pt('pt2', '2025-03-01', '2025-03-29'));
    const d = await decide(fusionInpatient(), record, seedFacts());
    expect(status(d, 'R4')).toBe('met');
    expect(d.criteria[3].weeks).toBe(8);
    expect(d.determination).toBe('criteria-met');
    // Each course is shown with its whole period, not as one session on its last day.
    expect(d.criteria[3].evidence.map((e) => [e.startDate, e.date])).toEqual([
      ['2025-02-01', '2025-02-28'],
      ['2025-03-01', '2025-03-29'],
    ]);
  });

  it('is not documented with three weeks of care and no waiver', async () => {
    const record = radicularOnly();
    record.procedures.push(pt('pt1', '2025-02-01', '2025-02-22'));
    const d = await decide(fusionInpatient(), record, seedFacts());
    expect(status(d, 'R4')).toBe('not-documented');
    expect(d.determination).toBe('documentation-incomplete');
  });

  it('is waived by cauda equina syndrome', async () => {
    const record = radicularOnly();
    record.conditions.push(condition('ces', 'G83.4', 'Cauda equina syndrome', '2026-10-01'));
    const d = await decide(fusionInpatient(), record, seedFacts());
    expect(status(d, 'R4')).toBe('met');
  });
});

describe('card rules', () => {
  it('recommends inpatient care for a revision fusion booked outpatient, with every reason', async () => {
    const d = await decide(plan([order('o1', ['22830', '22612'], 'outpatient')]), seedRecord(), seedFacts());
    expect(d.inpatientRecommended).toBe(true);
    expect(d.inpatientReasons).toEqual(['revision-fusion', 'dural-tear', 'progressive-deficit']);
  });

  it('no setting card when the setting is unknown', async () => {
    const d = await decide(plan([order('o1', ['22830', '22612'], 'unknown')]), seedRecord(), seedFacts());
    expect(d.inpatientRecommended).toBe(false);
  });

  it('considers fusion for decompression alone with recurrent stenosis and progressive deficit', async () => {
    const d = await decide(plan([order('o1', ['63042'], 'inpatient')]), seedRecord(), seedFacts());
    expect(d.kind).toBe('decompression');
    expect(d.considerFusion).toBe(true);
    expect(d.determination).toBe('criteria-met');
  });

  it('S1 instability from flexion-extension translation over the threshold, and not under it', async () => {
    const facts = seedFacts();
    facts.instability = [{ ref: 'DiagnosticReport/flex', translationMm: 4, level: 'L3-L4' }];
    const flex: DiagnosticReport = { ...seedRecord().diagnosticReports[0], id: 'flex', effectiveDateTime: '2026-08-04', conclusion: 'L3-L4: 4 mm of translation on flexion.' };
    const withFilms = { ...seedRecord(), diagnosticReports: [...seedRecord().diagnosticReports, flex] };
    const s1 = support(await decide(fusionInpatient(), withFilms, facts), 'S1');
    expect(s1.status).toBe('present');
    // The measurement is dated by the report it was read from.
    expect(s1.evidence.find((e) => e.id === 'flex')).toMatchObject({ date: '2026-08-04', note: '4 mm translation' });
    facts.instability = [{ ref: 'DiagnosticReport/flex', translationMm: 2, level: 'L3-L4' }];
    expect(support(await decide(fusionInpatient(), seedRecord(), facts), 'S1').status).toBe('undocumented');
  });

  it('S1 from a measurement is named as its record names itself: code text, else a coding display, else its kind', async () => {
    const facts = seedFacts();
    facts.instability = [
      { ref: 'DiagnosticReport/flex', translationMm: 4, level: 'L3-L4' },
      { ref: 'Observation/angle', angulationDegrees: 12, level: 'L3-L4' },
      { ref: 'DiagnosticReport/#3', translationMm: 5, level: 'L3-L4' },
    ];
    const report = seedRecord().diagnosticReports[0]!;
    const flex: DiagnosticReport = {
      ...report, id: 'flex', effectiveDateTime: '2026-08-04', conclusion: 'L3-L4: 4 mm of translation on flexion.',
      code: { coding: [{ system: 'http://loinc.org', code: '24971-4', display: 'XR Lumbar spine Flexion and Extension' }] },
    };
    const angle: Observation = {
      resourceType: 'Observation', id: 'angle', status: 'final', subject, effectiveDateTime: '2026-08-05',
      code: { text: 'Dynamic radiograph L3-L4 angulation' }, valueQuantity: { value: 12, unit: 'deg' },
    };
    const record = { ...seedRecord(), diagnosticReports: [...seedRecord().diagnosticReports, flex], observations: [...seedRecord().observations, angle] };
    const evidence = support(await decide(fusionInpatient(), record, facts), 'S1').evidence;
    expect(evidence.find((e) => e.id === 'flex')).toMatchObject({ resourceType: 'DiagnosticReport', display: 'XR Lumbar spine Flexion and Extension', date: '2026-08-04' });
    expect(evidence.find((e) => e.id === 'angle')).toMatchObject({ resourceType: 'Observation', display: 'Dynamic radiograph L3-L4 angulation', date: '2026-08-05' });
    expect(evidence.find((e) => e.id === '#3')).toMatchObject({ resourceType: 'DiagnosticReport', display: 'Imaging report' });
    expect(evidence.map((e) => e.display)).not.toContain('Flexion-extension films');
    flex.code = { text: 'Flexion-extension radiographs, lumbar', coding: flex.code.coding };
    const named = support(await decide(fusionInpatient(), record, facts), 'S1').evidence;
    expect(named.find((e) => e.id === 'flex')!.display).toBe('Flexion-extension radiographs, lumbar');
  });

  it('S1 from a report quotes the sentences that state the failure, not the whole conclusion', async () => {
    const ct: DiagnosticReport = {
      ...seedRecord().diagnosticReports[0], id: 'ct', effectiveDateTime: '2026-07-28',
      conclusion: 'L3-L4: lucency around the left L4 pedicle screw consistent with screw loosening. L3-L4: moderate left foraminal stenosis.\nNo pseudarthrosis.',
    };
    const record = { ...seedRecord(), diagnosticReports: [...seedRecord().diagnosticReports, ct] };
    const s1 = support(await decide(fusionInpatient(), record, extractEvidence(record)), 'S1');
    expect(s1.status).toBe('present');
    expect(s1.evidence.find((e) => e.id === 'ct')!.note).toBe('L3-L4: lucency around the left L4 pedicle screw consistent with screw loosening');
    // The quote stands alone: no level or side borrowed from the report's other sentences.
    expect(s1.evidence.find((e) => e.id === 'ct')).not.toHaveProperty('side');
  });

  it.each([
    ['No spondylolisthesis.', 'undocumented'],
    ['No evidence of screw loosening.', 'undocumented'],
    ['No screw fracture or nonunion.', 'undocumented'],
    ['No lucency around the screws. No pseudarthrosis.', 'undocumented'],
    ['Pseudarthrosis at L3-L4 with no lucency around the screws.', 'present'],
  ])('S1 from a report sentence: "%s" is %s', async (conclusion, expected) => {
    const ct: DiagnosticReport = { ...seedRecord().diagnosticReports[0], id: 'ct', effectiveDateTime: '2026-07-28', conclusion };
    const record = { ...seedRecord(), diagnosticReports: [...seedRecord().diagnosticReports, ct] };
    const s1 = support(await decide(fusionInpatient(), record, extractEvidence(record)), 'S1');
    expect(s1.status).toBe(expected);
  });

  it('S1 from spondylolisthesis next to the level but not two levels away', async () => {
    const facts = seedFacts();
    const record = seedRecord();
    record.conditions.push(condition('listh', 'M43.16', 'Spondylolisthesis, lumbar region', '2026-01-01'));
    facts.resources.push({ ref: 'Condition/listh', levels: ['L4-L5'], sides: [] });
    expect(support(await decide(fusionInpatient(), record, facts), 'S1').status).toBe('present');
    facts.resources[facts.resources.length - 1] = { ref: 'Condition/listh', levels: ['L5-S1'], sides: [] };
    expect(support(await decide(fusionInpatient(), record, facts), 'S1').status).toBe('undocumented');
  });

  it('S4 reads the latest smoking status', async () => {
    const record = seedRecord();
    const smoke = (id: string, date: string, code: string): Observation => ({
      resourceType: 'Observation', id, status: 'final', subject, effectiveDateTime: date,
      code: { coding: [{ system: 'http://loinc.org', code: '72166-2' }] },
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code, display: code === '8517006' ? 'Ex-smoker' : 'Smoker' }] },
    });
    record.observations.push(smoke('sm1', '2024-01-01', '77176002'), smoke('sm2', '2026-01-01', '8517006'));
    const s4 = support(await decide(fusionInpatient(), record, seedFacts()), 'S4');
    expect(s4).toMatchObject({ status: 'absent', smoking: 'former' });
  });
});

describe('found by the criteria audit', () => {
  it('reads motor words as whole words: gastroparesis and electrolyte imbalance are no motor deficit', async () => {
    const lbp = condition('lbp', 'M54.50', 'Low back pain, unspecified', '2025-06-01');
    const others = [condition('gp', 'K31.84', 'Diabetic gastroparesis', '2026-06-01'), condition('ei', 'E87.8', 'Electrolyte imbalance', '2026-06-01')];
    const d = await decide(fusionInpatient(), withConditions([lbp, ...others]), seedFacts());
    expect(status(d, 'R2')).toBe('not-met');
    expect(d.criteria[1].reason).toBe('axial-pain-only');
    const weak = await decide(fusionInpatient(), withConditions([lbp, condition('wk', 'R29.898', 'Weakness of the left leg', '2026-06-01')]), seedFacts());
    expect(status(weak, 'R2')).toBe('met');
  });

  it('reads surgery and deficit words whole, with their micro-/hemi-/mono- forms and plurals', async () => {
    const named = (text: string) => {
      const record = seedRecord();
      record.procedures[0] = { resourceType: 'Procedure', id: 'prior', status: 'completed', subject, performedDateTime: '2023-05-10', code: { text } };
      return decide(fusionInpatient(), record, seedFacts());
    };
    for (const text of ['L3-L4 microdiscectomy', 'Left L3-L4 hemilaminectomy', 'L3-4 and L4-5 fusions', 'L3-L4 microdecompression']) {
      expect(status(await named(text), 'R1')).toBe('met');
    }
    for (const text of ['Left lower extremity monoparesis', 'Paresthesias of left foot']) {
      expect(status(await decide(fusionInpatient(), withConditions([condition('c', 'R29.898', text, '2026-06-01')]), seedFacts()), 'R2')).toBe('met');
    }
  });

  it('a coded surgery stays one whatever its text says ("laminectomy for epidural lipomatosis")', async () => {
    const record = seedRecord();
    record.procedures[0]!.code!.text = 'L3-L4 laminectomy for epidural lipomatosis';
    expect(status(await decide(fusionInpatient(), record, seedFacts()), 'R1')).toBe('met');
  });

  it('R1 is not documented, not "another level", when a prior lumbar surgery has no recorded level', async () => {
    const facts = seedFacts();
    facts.resources[0] = { ref: 'Procedure/prior', levels: [], sides: [] };
    const d = await decide(fusionInpatient(), seedRecord(), facts);
    expect(status(d, 'R1')).toBe('not-documented');
    expect(d.criteria[0].evidence).toEqual([expect.objectContaining({ id: 'prior', note: 'its level is not recorded' })]);
  });

  it('an undated surgery at the level never borrows the date of an operation at another level', async () => {
    const record = seedRecord();
    delete record.procedures[0]!.performedDateTime;
    record.procedures.push({ ...record.procedures[0]!, id: 'other', performedDateTime: '2026-09-01', complication: [] });
    const facts = seedFacts();
    facts.resources.push({ ref: 'Procedure/other', levels: ['L4-L5'], sides: [] });
    const d = await decide(fusionInpatient(), record, facts);
    expect(status(d, 'R2')).toBe('met');
    expect(status(d, 'R3')).toBe('met');
  });

  it('does not read conservative care as a prior surgery, whatever its text names', async () => {
    const record = seedRecord();
    record.procedures.push({
      resourceType: 'Procedure', id: 'pt', status: 'completed', subject, performedDateTime: '2026-07-01',
      code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '97110', display: 'Therapeutic exercise' }], text: 'Physical therapy after L3-L4 fusion' },
    });
    const facts = seedFacts();
    facts.resources.push({ ref: 'Procedure/pt', levels: ['L3-L4'], sides: [] });
    const d = await decide(fusionInpatient(), record, facts);
    expect(d.criteria[0].evidence.map((e) => e.id)).toEqual(['prior']);
    expect(status(d, 'R2')).toBe('met');
  });

  it('credits a coded conclusion of compression only to a report about that one level', async () => {
    const coded = (levels: ('L3-L4' | 'L4-L5')[]) => {
      const record = seedRecord();
      record.diagnosticReports[0] = {
        ...record.diagnosticReports[0]!,
        conclusion: 'L3-L4: post-operative changes. L4-L5: severe left foraminal stenosis.',
        conclusionCode: [{ coding: [{ system: icd, code: 'M48.062', display: 'Spinal stenosis, lumbar region with neurogenic claudication' }] }],
      };
      const facts = seedFacts();
      facts.resources[3] = { ref: 'DiagnosticReport/mri', levels, sides: [] };
      facts.imaging = [];
      return decide(fusionInpatient(), record, facts);
    };
    expect(status(await coded(['L3-L4', 'L4-L5']), 'R3')).toBe('not-documented');
    expect(status(await coded(['L3-L4']), 'R3')).toBe('met');
  });

  it('counts the care weeks over care dated to the day: a care date recorded to the month does not wipe them out', async () => {
    const pt = (id: string, dates: Partial<Procedure>): Procedure => ({
      resourceType: 'Procedure', id, status: 'completed', subject, ...dates,
      code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '97110', display: 'Therapeutic exercise' }] },
    });
    const record = withConditions([condition('rad', 'M54.16', 'Radiculopathy', '2025-01-01')]);
    record.procedures.push(pt('pt1', { performedPeriod: { start: '2025-02-01', end: '2025-02-28' } }), pt('pt2', { performedPeriod: { start: '2025-03-01', end: '2025-03-29' } }));
    record.procedures.push(pt('pt3', { performedDateTime: '2025-04' }));
    const d = await decide(fusionInpatient(), record, seedFacts());
    expect(status(d, 'R4')).toBe('met');
    expect(d.criteria[3].weeks).toBe(8);
    expect(d.criteria[3].evidence.map((e) => e.id)).toContain('pt3');
  });

  it('counts care still in progress, its period open, until the order', async () => {
    const open = (status: Procedure['status']): PatientRecord => {
      const record = withConditions([condition('rad', 'M54.16', 'Radiculopathy', '2025-01-01')]);
      record.procedures.push({
        resourceType: 'Procedure', id: 'pt', status, subject, performedPeriod: { start: '2026-09-01' },
        code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '97110', display: 'Therapeutic exercise' }] },
      });
      return record;
    };
    const going = await decide(fusionInpatient(), open('in-progress'), seedFacts());
    expect(status(going, 'R4')).toBe('met');
    expect(going.criteria[3].weeks).toBe(11);
    // A completed period without its end says only when the care began.
    expect(status(await decide(fusionInpatient(), open('completed'), seedFacts()), 'R4')).toBe('not-documented');
  });

  it('reads the findings of the study a report links when the report itself states none', async () => {
    const record = seedRecord();
    const study: ImagingStudy = {
      resourceType: 'ImagingStudy', id: 'st1', status: 'available', subject, started: '2026-09-15',
      modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'MR' }], description: 'MRI lumbar spine',
      note: [{ text: 'L3-L4: moderate bilateral foraminal narrowing.' }],
    };
    record.imagingStudies.push(study);
    const { conclusion: _gone, ...report } = record.diagnosticReports[0]!;
    record.diagnosticReports[0] = { ...report, imagingStudy: [{ reference: 'ImagingStudy/st1' }] };
    const facts = seedFacts();
    facts.imaging = [{ ...facts.imaging[0]!, ref: 'ImagingStudy/st1' }];
    const d = await decide(fusionInpatient(), record, facts);
    expect(status(d, 'R3')).toBe('met');
    expect(d.criteria[2].evidence[0]).toMatchObject({ resourceType: 'DiagnosticReport', id: 'mri' });
  });

  it('a newer study that only finds the side opposite the symptoms free does not decide R3', async () => {
    const newer = (side: 'left' | 'right') => {
      const record = seedRecord();
      record.diagnosticReports.push({ ...record.diagnosticReports[0]!, id: 'mri2', effectiveDateTime: '2026-10-01', conclusion: `L3-L4: the ${side} neural foramen is patent.` });
      const facts = seedFacts();
      facts.resources.push({ ref: 'DiagnosticReport/mri2', levels: ['L3-L4'], sides: [side] });
      facts.imaging.push({ ref: 'DiagnosticReport/mri2', level: 'L3-L4', side, kind: 'no-compression', text: `L3-L4: the ${side} neural foramen is patent.` });
      return decide(fusionInpatient(), record, facts);
    };
    // The symptoms are on the left (seed chart): the right foramen's patency says nothing about them.
    const right = await newer('right');
    expect(status(right, 'R3')).toBe('met');
    expect(right.criteria[2].evidence[0]).toMatchObject({ id: 'mri' });
    const left = await newer('left');
    expect(status(left, 'R3')).toBe('not-met');
    expect(left.criteria[2].reason).toBe('no-compression');
  });

  it('S1: no measurement from a void or preliminary record, and no instability from a resolved Condition', async () => {
    const facts = seedFacts();
    facts.instability = [{ ref: 'DiagnosticReport/flex', translationMm: 4, level: 'L3-L4' }];
    const films = (status: DiagnosticReport['status']) => {
      const flex: DiagnosticReport = { ...seedRecord().diagnosticReports[0]!, id: 'flex', status, effectiveDateTime: '2026-08-04', conclusion: 'L3-L4: 4 mm of translation on flexion.' };
      return { ...seedRecord(), diagnosticReports: [...seedRecord().diagnosticReports, flex] };
    };
    for (const s of ['entered-in-error', 'cancelled', 'preliminary'] as const) {
      expect(support(await decide(fusionInpatient(), films(s), facts), 'S1').status).toBe('undocumented');
    }
    expect(support(await decide(fusionInpatient(), films('final'), facts), 'S1').status).toBe('present');
    // A record sent without an id cannot be looked up: its measurement counts.
    facts.instability = [{ ref: 'DiagnosticReport/#3', translationMm: 4, level: 'L3-L4' }];
    expect(support(await decide(fusionInpatient(), seedRecord(), facts), 'S1').status).toBe('present');

    const resolved = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] };
    const slip = (clinicalStatus: typeof active) => withConditions([...seedRecord().conditions, condition('slip', 'M43.16', 'Spondylolisthesis, lumbar region', '2021-01-01', { clinicalStatus })]);
    expect(support(await decide(fusionInpatient(), slip(resolved), seedFacts()), 'S1').status).toBe('undocumented');
    expect(support(await decide(fusionInpatient(), slip(active), seedFacts()), 'S1').status).toBe('present');
  });
});

describe('found by the second criteria audit', () => {
  const textOnly = (id: string, text: string): Condition => ({ resourceType: 'Condition', id, subject, clinicalStatus: active, code: { text }, onsetDateTime: '2026-06-01' });

  it('reads no deficit in negated words, nor in "weak" of another organ or a history of falls', async () => {
    for (const text of [
      'No foot drop; strength 5/5', 'Patient does not have foot drop', 'Negative for weakness', 'Foot drop, resolved', 'Left leg weakness denied',
      'Denies weakness, numbness or tingling', 'Weak urinary stream', 'History of falls', 'Denies low back pain', 'Rule out sciatica',
    ]) {
      const d = await decide(fusionInpatient(), withConditions([textOnly('c', text)]), seedFacts());
      expect([text, status(d, 'R2')]).toEqual([text, 'not-documented']);
    }
  });

  it('reads a deficit stated beside a negation, after a turn, or whose change is negated', async () => {
    for (const text of [
      'No numbness; left foot drop', 'Denies numbness but reports weakness of the left leg', 'No improvement in left foot drop', 'Weakness not resolved',
      'Weak left leg', 'Left foot drop without numbness', 'Negative for numbness, positive for gait instability',
    ]) {
      const d = await decide(fusionInpatient(), withConditions([textOnly('c', text)]), seedFacts());
      expect([text, status(d, 'R2'), d.criteria[1].progressive]).toEqual([text, 'met', true]);
    }
    const radicular = await decide(fusionInpatient(), withConditions([textOnly('c', 'No weakness. Numbness of the left foot')]), seedFacts());
    expect([status(radicular, 'R2'), radicular.criteria[1].progressive]).toEqual(['met', false]);
  });
  it('a finding of another region (hand, neck, cervical spine) is no R2 finding and sets no side', async () => {
    const facts = seedFacts();
    facts.imaging = [{ ref: 'DiagnosticReport/mri', level: 'L3-L4', side: 'left', kind: 'compression', text: 'Moderate left foraminal stenosis at L3-L4.' }];
    const lumbar = condition('rad', 'M54.16', 'Lumbar radiculopathy', '2026-01-01');
    const others: Condition[] = [
      condition('cts', 'G56.01', 'Carpal tunnel syndrome, right upper limb', '2026-06-01'),
      textOnly('hand', 'Numbness and tingling of the right hand'),
      textOnly('c6', 'Right C6 radiculopathy'),
      { ...textOnly('site', 'Right-sided radiculopathy'), bodySite: [{ coding: [{ system: 'http://snomed.info/sct', code: '122494005', display: 'Cervical spine structure' }] }] },
      textOnly('grip', 'Weakness of right hand grip'),
    ];
    for (const other of others) {
      const withSide = { ...facts, resources: [...facts.resources, { ref: `Condition/${other.id}`, levels: [], sides: ['right' as const] }] };
      const d = await decide(fusionInpatient(), withConditions([lumbar, other]), withSide);
      expect([other.id, status(d, 'R2'), d.criteria[1].evidence.map((e) => e.id), status(d, 'R3')]).toEqual([other.id, 'met', ['rad'], 'met']);
      // Alone, it leaves R2 with nothing recorded.
      expect([other.id, status(await decide(fusionInpatient(), withConditions([other]), withSide), 'R2')]).toEqual([other.id, 'not-documented']);
    }
  });
  it('R4 counts lumbar care only, an epidural only as an injection, and shows first the care that begins and ends the span', async () => {
    const care = (id: string, date: string, text: string, extra: Partial<Procedure> = {}): Procedure => ({
      resourceType: 'Procedure', id, status: 'completed', subject, performedDateTime: date, code: { text }, ...extra,
    });
    const record = withConditions([condition('rad', 'M54.16', 'Radiculopathy', '2025-01-01')]);
    record.procedures.push(care('pt1', '2026-08-03', 'Physical therapy'), care('pt2', '2026-08-17', 'Physical therapy'), care('pt3', '2026-08-31', 'Physical therapy'));
    const weeks = async (added: Procedure[], facts = seedFacts()) => {
      const d = await decide(fusionInpatient(), { ...record, procedures: [...record.procedures, ...added] }, facts);
      return d.criteria[3];
    };
    expect((await weeks([])).weeks).toBe(4);
    for (const other of [
      care('shoulder', '2026-05-01', 'Physical therapy, right shoulder'),
      care('neck', '2026-05-01', 'Cervical epidural steroid injection'),
      care('c67', '2026-05-01', 'Epidural steroid injection C6-C7'),
      care('knee', '2026-05-01', 'Epidural injection, left knee'),
      care('catheter', '2026-05-01', 'Epidural catheter placement'),
      care('site', '2026-05-01', 'Physical therapy', { bodySite: [{ coding: [{ system: 'http://snomed.info/sct', code: '122494005', display: 'Cervical spine structure' }] }] }),
    ]) {
      expect([other.id, (await weeks([other])).weeks]).toEqual([other.id, 4]);
    }
    for (const lumbar of [care('esi', '2026-05-01', 'L4-5 ESI'), care('both', '2026-05-01', 'Physical therapy for neck and low back pain'), care('tfesi', '2026-05-01', 'Transforaminal epidural injection')]) {
      expect([lumbar.id, (await weeks([lumbar])).weeks]).toEqual([lumbar.id, 17]);
    }
    // A level read from the record says lumbar, whatever else the text names.
    const facts = seedFacts();
    facts.resources.push({ ref: 'Procedure/kneeAndBack', levels: ['L4-L5'], sides: [] });
    expect((await weeks([care('kneeAndBack', '2026-05-01', 'Physical therapy, knee and L4-L5')], facts)).weeks).toBe(17);
    // One early visit stretches the span: the card shows it, and the last visit, before the others.
    const early = await weeks([care('eval', '2025-01-10', 'Physical therapy evaluation')]);
    expect(early.weeks).toBe(85);
    expect(early.evidence.map((e) => e.id)).toEqual(['eval', 'pt3', 'pt1', 'pt2']);
  });
  it('a code that serves every region is no prior lumbar operation at a cervical or thoracic site; a lumbar-only code always is', async () => {
    const prior = (code: string) => {
      const record = seedRecord();
      record.procedures[0] = { ...record.procedures[0]!, code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code }], text: 'Laminectomy C5-C6' } };
      return record;
    };
    const facts = { ...seedFacts(), upperSpineProcedures: ['Procedure/prior'] };
    facts.resources[0] = { ref: 'Procedure/prior', levels: [], sides: [] };
    const spineWide = await decide(plan([order('o1', ['22612'], 'inpatient')]), prior('63048'), facts);
    expect(spineWide.isRevision).toBe(false);
    const revision = await decide(fusionInpatient(), prior('63048'), facts);
    expect(revision.criteria[0]).toMatchObject({ status: 'not-documented', priorProcedureRecorded: false });
    expect((await decide(fusionInpatient(), prior('63048'), { ...facts, upperSpineProcedures: [] })).criteria[0]).toMatchObject({ priorProcedureRecorded: true });
    // 63047 names the lumbar spine: whatever the text says, it stays a lumbar operation (of unrecorded level here).
    expect((await decide(fusionInpatient(), prior('63047'), facts)).criteria[0]).toMatchObject({ status: 'not-documented', priorProcedureRecorded: true });
  });
  it('counts a standing exam finding recorded as an Observation, with its side, unless its value denies it', async () => {
    const exam = (id: string, extra: Partial<Observation> = {}): Observation => ({
      resourceType: 'Observation', id, status: 'final', subject, effectiveDateTime: '2026-09-01', code: { text: 'Right foot drop' }, ...extra,
    });
    const facts = (id: string) => ({ ...seedFacts(), resources: [...seedFacts().resources, { ref: `Observation/${id}`, levels: [], sides: ['right' as const] }] });
    const onlyExam = (o: Observation) => ({ ...withConditions([]), observations: [o] });
    const counted = await decide(fusionInpatient(), onlyExam(exam('fd', { status: 'amended' })), facts('fd'));
    expect(status(counted, 'R2')).toBe('met');
    expect(counted.criteria[1].progressive).toBe(true);
    expect(counted.criteria[1].progressionEvidence).toEqual([expect.objectContaining({ resourceType: 'Observation', id: 'fd', display: 'Right foot drop', date: '2026-09-01' })]);
    // Its side is the side of the symptoms: the left compression of the study is then opposite.
    const leftOnly = { ...facts('fd'), imaging: [{ ref: 'DiagnosticReport/mri', level: 'L3-L4' as const, side: 'left' as const, kind: 'compression' as const, text: 'Moderate left foraminal stenosis at L3-L4.' }] };
    expect((await decide(fusionInpatient(), onlyExam(exam('fd')), leftOnly)).criteria[2].reason).toBe('opposite-side');
    const radicular = await decide(fusionInpatient(), onlyExam(exam('num', { code: { text: 'Numbness of the left foot' } })), facts('num'));
    expect([status(radicular, 'R2'), radicular.criteria[1].progressive]).toEqual(['met', false]);
    for (const denied of [
      exam('x', { valueString: 'Absent.' }),
      exam('x', { valueCodeableConcept: { text: 'Negative' } }),
      exam('x', { valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '373067005' }] } }),
      exam('x', { interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N' }] }] }),
      exam('x', { status: 'registered' }),
      exam('x', { effectiveDateTime: '2023-01-01' }),
      exam('x', { code: { text: 'Right hand weakness' } }),
    ]) {
      // Written answers are read by the evidence step (denied-answers.ts), coded ones by the CQL.
      const read = { ...facts('x'), deniedAnswers: extractEvidence(onlyExam(denied)).deniedAnswers };
      expect([JSON.stringify(denied).slice(90), status(await decide(fusionInpatient(), onlyExam(denied), read), 'R2')]).toEqual([JSON.stringify(denied).slice(90), 'not-documented']);
    }
    // A value that states the finding does not deny it.
    expect(status(await decide(fusionInpatient(), onlyExam(exam('x', { valueBoolean: true })), facts('x')), 'R2')).toBe('met');
  });
});
