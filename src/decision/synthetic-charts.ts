import type { ServiceRequest } from 'fhir/r4.js';
import type { PatientRecord } from '../data/types.js';
import type { EvidenceFacts } from '../evidence/types.js';
import type { DraftOrder, Interspace, SurgicalPlan } from '../orders/types.js';

/**
 * Made-up charts that the engine evaluates once when it loads (engine.ts), so that a library that fails at run
 * time (a `singleton from` over two items, a definition reached only at run time) stops the service at start,
 * naming the CQL definition, instead of failing every call. No patient data: everything here is invented.
 * They take the library down its main paths: no chart at all, and a revision with every criterion documented.
 */
export interface SyntheticChart {
  name: string;
  plans: SurgicalPlan[];
  record: PatientRecord;
  facts: EvidenceFacts;
  now: Date;
}

const PATIENT = 'synthetic-patient';
const subject = { reference: `Patient/${PATIENT}` };
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const CPT = 'http://www.ama-assn.org/go/cpt';
const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const active = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] };

function order(id: string, codes: string[], setting: DraftOrder['setting'], level?: Interspace): DraftOrder {
  const resource: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id,
    status: 'draft',
    intent: 'order',
    subject,
    code: { coding: codes.map((code) => ({ system: CPT, code })), ...(level ? { text: `Revision ${level}` } : {}) },
  };
  return { id, levels: level ? [level] : [], setting, resource, asSent: structuredClone(resource) as unknown as DraftOrder['asSent'], hasOwnId: true };
}

/** A revision fusion booked inpatient, a decompression booked outpatient (consider-fusion), one of unknown level. */
function plans(): SurgicalPlan[] {
  return [
    { level: 'L3-L4', side: 'left', orders: [order('fusion', ['22830', '22612', '22840'], 'inpatient', 'L3-L4')] },
    { level: 'L4-L5', orders: [order('decompression', ['63047'], 'outpatient', 'L4-L5')] },
    { level: 'unknown', orders: [order('no-level', ['22830', '22612'], 'outpatient')] },
  ];
}

const day = (now: Date, daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);

function documentedRecord(now: Date): PatientRecord {
  const d = (n: number) => day(now, n);
  return {
    patientId: PATIENT,
    patient: { resourceType: 'Patient', id: PATIENT, birthDate: '1960-01-01' },
    procedures: [
      {
        resourceType: 'Procedure', id: 'prior', status: 'completed', subject, performedDateTime: d(900),
        code: { coding: [{ system: CPT, code: '22612', display: 'Arthrodesis, posterolateral, lumbar' }], text: 'L3-L4 laminectomy and fusion' },
        complication: [{ coding: [{ system: ICD, code: 'G97.41', display: 'Accidental puncture of dura' }] }],
      },
      {
        resourceType: 'Procedure', id: 'prior-l4', status: 'completed', subject, performedDateTime: d(800),
        code: { coding: [{ system: CPT, code: '63047', display: 'Laminectomy, lumbar' }], text: 'L4-L5 decompression' },
      },
      {
        resourceType: 'Procedure', id: 'therapy', status: 'completed', subject, performedPeriod: { start: d(200), end: d(100) },
        code: { coding: [{ system: CPT, code: '97110', display: 'Therapeutic exercise' }], text: 'Physical therapy' },
      },
    ],
    conditions: [
      { resourceType: 'Condition', id: 'foot-drop', subject, clinicalStatus: active, onsetDateTime: d(180), code: { coding: [{ system: ICD, code: 'M21.372', display: 'Foot drop, left foot' }], text: 'Left foot drop' } },
      { resourceType: 'Condition', id: 'radicular', subject, clinicalStatus: active, onsetDateTime: d(300), code: { coding: [{ system: ICD, code: 'M54.16', display: 'Radiculopathy, lumbar region' }], text: 'Left leg numbness' } },
      { resourceType: 'Condition', id: 'instability', subject, clinicalStatus: active, onsetDateTime: d(60), code: { coding: [{ system: ICD, code: 'M43.16', display: 'Spondylolisthesis, lumbar region' }] } },
    ],
    observations: [
      { resourceType: 'Observation', id: 'strength-then', status: 'final', subject, effectiveDateTime: d(250), code: { text: 'Left ankle dorsiflexion strength' }, valueString: '4/5' },
      { resourceType: 'Observation', id: 'strength-now', status: 'final', subject, effectiveDateTime: d(30), code: { text: 'Left ankle dorsiflexion strength' }, valueString: '3/5' },
      {
        resourceType: 'Observation', id: 'smoking', status: 'final', subject, effectiveDateTime: d(30),
        code: { coding: [{ system: LOINC, code: '72166-2' }] }, valueCodeableConcept: { coding: [{ system: SNOMED, code: '8517006', display: 'Former smoker' }] },
      },
    ],
    imagingStudies: [],
    diagnosticReports: [
      {
        resourceType: 'DiagnosticReport', id: 'mri', status: 'final', subject, effectiveDateTime: d(60),
        code: { coding: [{ system: LOINC, code: '30679-5', display: 'MR Lumbar spine WO contrast' }], text: 'MRI lumbar spine' },
        conclusion: 'L3-L4: moderate left foraminal narrowing. L4-L5: severe central stenosis.',
      },
      {
        resourceType: 'DiagnosticReport', id: 'flexion', status: 'final', subject, effectiveDateTime: d(40),
        code: { coding: [{ system: LOINC, code: '24971-4' }], text: 'Lumbar spine flexion and extension views' },
        conclusion: 'L4-L5: 5 mm translation on flexion.',
      },
    ],
  };
}

function documentedFacts(): EvidenceFacts {
  return {
    resources: [
      { ref: 'Procedure/prior', levels: ['L3-L4'], sides: [] },
      { ref: 'Procedure/prior-l4', levels: ['L4-L5'], sides: [] },
      { ref: 'Condition/foot-drop', levels: [], sides: ['left'] },
      { ref: 'Condition/radicular', levels: [], sides: ['left'] },
      { ref: 'DiagnosticReport/mri', levels: ['L3-L4', 'L4-L5'], sides: ['left'] },
      { ref: 'DiagnosticReport/flexion', levels: ['L4-L5'], sides: [] },
    ],
    imaging: [
      { ref: 'DiagnosticReport/mri', level: 'L3-L4', side: 'left', kind: 'compression', text: 'L3-L4: moderate left foraminal narrowing.' },
      { ref: 'DiagnosticReport/mri', level: 'L4-L5', kind: 'compression', text: 'L4-L5: severe central stenosis.' },
    ],
    strength: [
      { ref: 'Observation/strength-then', movement: 'dorsiflexion', side: 'left', score: 4 },
      { ref: 'Observation/strength-now', movement: 'dorsiflexion', side: 'left', score: 3 },
    ],
    instability: [{ ref: 'DiagnosticReport/flexion', translationMm: 5, level: 'L4-L5' }],
    failures: [{ ref: 'DiagnosticReport/flexion', level: 'L4-L5', text: 'L4-L5: 5 mm translation on flexion' }],
    upperSpineProcedures: [],
    deniedAnswers: [],
  };
}

/** The charts, dated from `now` so that every look-back window holds them. */
export function syntheticCharts(now: Date = new Date()): SyntheticChart[] {
  const empty: PatientRecord = { patientId: PATIENT, conditions: [], procedures: [], observations: [], imagingStudies: [], diagnosticReports: [] };
  return [
    { name: 'empty', plans: plans(), record: empty, facts: { resources: [], imaging: [], strength: [], instability: [], failures: [], upperSpineProcedures: [], deniedAnswers: [] }, now },
    { name: 'documented revision', plans: plans(), record: documentedRecord(now), facts: documentedFacts(), now },
  ];
}
