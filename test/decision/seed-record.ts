import type { ServiceRequest } from 'fhir/r4.js';
import type { PatientRecord } from '../../src/data/types.js';
import type { EvidenceFacts } from '../../src/evidence/types.js';
import type { DraftOrder, SurgicalPlan } from '../../src/orders/types.js';

/** A compact chart in the shape of the seed article's patient, with its facts read by hand. */
export const PATIENT = 'p1';
const subject = { reference: `Patient/${PATIENT}` };
const icd = 'http://hl7.org/fhir/sid/icd-10-cm';
const cpt = 'http://www.ama-assn.org/go/cpt';

export function seedRecord(): PatientRecord {
  return {
    patientId: PATIENT,
    patient: { resourceType: 'Patient', id: PATIENT },
    procedures: [
      {
        resourceType: 'Procedure', id: 'prior', status: 'completed', subject,
        code: { coding: [{ system: cpt, code: '22612', display: 'Arthrodesis, posterolateral, lumbar' }], text: 'L3-L4 laminectomy and posterolateral fusion' },
        performedDateTime: '2023-05-10',
        complication: [{ coding: [{ system: icd, code: 'G97.41', display: 'Accidental puncture or laceration of dura during a procedure' }] }],
      },
    ],
    conditions: [
      {
        resourceType: 'Condition', id: 'footdrop', subject,
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        code: { coding: [{ system: icd, code: 'M21.372', display: 'Foot drop, left foot' }], text: 'Left foot drop' },
        onsetDateTime: '2026-06-01',
      },
      {
        resourceType: 'Condition', id: 'radic', subject,
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        code: { coding: [{ system: icd, code: 'M54.16', display: 'Radiculopathy, lumbar region' }], text: 'Left leg numbness and tingling' },
        onsetDateTime: '2025-11-01',
      },
    ],
    observations: [],
    imagingStudies: [],
    diagnosticReports: [
      {
        resourceType: 'DiagnosticReport', id: 'mri', status: 'final', subject,
        code: { coding: [{ system: 'http://loinc.org', code: '30679-5', display: 'MR Lumbar spine WO contrast' }], text: 'MRI lumbar spine' },
        effectiveDateTime: '2026-09-15',
        conclusion: 'L3-L4: broad-based disc bulge and moderate bilateral foraminal narrowing.',
      },
    ],
  };
}

export function seedFacts(): EvidenceFacts {
  return {
    resources: [
      { ref: 'Procedure/prior', levels: ['L3-L4'], sides: [] },
      { ref: 'Condition/footdrop', levels: [], sides: ['left'] },
      { ref: 'Condition/radic', levels: [], sides: ['left'] },
      { ref: 'DiagnosticReport/mri', levels: ['L3-L4'], sides: ['bilateral'] },
    ],
    imaging: [
      { ref: 'DiagnosticReport/mri', level: 'L3-L4', side: 'bilateral', kind: 'compression', text: 'L3-L4: broad-based disc bulge and moderate bilateral foraminal narrowing.' },
    ],
    strength: [],
    instability: [],
    failures: [],
  };
}

export function order(id: string, codes: string[], setting: DraftOrder['setting'], level: DraftOrder['levels'][number] = 'L3-L4'): DraftOrder {
  const resource: ServiceRequest = {
    resourceType: 'ServiceRequest', id, status: 'draft', intent: 'order', subject,
    code: { coding: codes.map((code) => ({ system: cpt, code })), text: `Revision ${level}` },
  };
  return { id, levels: [level], setting, resource, asSent: structuredClone(resource) as unknown as Record<string, unknown>, hasOwnId: true };
}

export function plan(orders: DraftOrder[], level: SurgicalPlan['level'] = 'L3-L4'): SurgicalPlan {
  return { level, orders };
}
