import type { ServiceRequest } from 'fhir/r4.js';
import type { PlanDecision } from '../../src/decision/types.js';
import type { DraftOrder, SurgicalPlan } from '../../src/orders/types.js';

/** Builders for plans and decisions shaped like the seed article's patient; each test overrides what it checks. */
export function serviceRequest(id: string, cpt: string, extra: Partial<ServiceRequest> = {}): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    id,
    status: 'draft',
    intent: 'original-order',
    priority: 'routine',
    category: [{ coding: [{ system: 'http://snomed.info/sct', code: '387713003', display: 'Surgical procedure' }] }],
    code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: cpt, display: `CPT ${cpt}` }], text: `Procedure ${cpt} L3-L4` },
    subject: { reference: 'Patient/seed-1' },
    encounter: { reference: 'Encounter/enc-9' },
    requester: { reference: 'Practitioner/surgeon-7', display: 'Dr Example' },
    occurrenceDateTime: '2026-12-01',
    authoredOn: '2026-11-23',
    bodySite: [{ text: 'L3-L4' }],
    note: [{ text: 'Revision at L3-L4, left worse than right' }],
    locationCode: [
      {
        coding: [
          {
            system: 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set',
            code: '22',
            display: 'On Campus-Outpatient Hospital',
          },
        ],
        text: 'outpatient',
      },
    ],
    ...extra,
  };
}

/** An order as readOrder gives it: `asSent` is a copy of the resource as given, the id as sent unless it has none. */
export function draftOrder(resource: ServiceRequest, setting: DraftOrder['setting'] = 'outpatient'): DraftOrder {
  const asSent = structuredClone(resource) as unknown as Record<string, unknown>;
  return { id: resource.id ?? 'generated-1', resource, asSent, hasOwnId: resource.id !== undefined, levels: ['L3-L4'], side: 'left', setting };
}

export function plan(orders: DraftOrder[], level: SurgicalPlan['level'] = 'L3-L4'): SurgicalPlan {
  return { level, orders, side: 'left' };
}

export function metDecision(overrides: Partial<PlanDecision> = {}): PlanDecision {
  return {
    level: 'L3-L4',
    side: 'left',
    orderIds: ['sr-1'],
    kind: 'fusion',
    orderedCodes: [{ system: 'http://www.ama-assn.org/go/cpt', code: '22612' }],
    setting: 'inpatient',
    isRevision: true,
    determination: 'criteria-met',
    criteria: [
      {
        id: 'R1',
        status: 'met',
        evidence: [{ resourceType: 'Procedure', id: 'p1', date: '2019-04-10', display: 'Laminectomy and fusion', level: 'L3-L4' }],
      },
      {
        id: 'R2',
        status: 'met',
        progressive: true,
        evidence: [
          { resourceType: 'Condition', id: 'c0', date: '2025-07-15', display: 'Lumbar radiculopathy', side: 'left' },
          { resourceType: 'Condition', id: 'c1', date: '2025-08-01', display: 'Foot drop', side: 'left' },
          { resourceType: 'Condition', id: 'c2', date: '2025-08-01', display: 'Gait instability' },
        ],
        // Only the motor deficits that began after the surgery make it progressive; the radiculopathy does not.
        progressionEvidence: [
          { resourceType: 'Condition', id: 'c1', date: '2025-08-01', display: 'Foot drop', side: 'left' },
          { resourceType: 'Condition', id: 'c2', date: '2025-08-01', display: 'Gait instability' },
        ],
      },
      {
        id: 'R3',
        status: 'met',
        evidence: [
          {
            resourceType: 'DiagnosticReport',
            id: 'd1',
            date: '2025-10-02',
            display: 'MRI lumbar spine',
            level: 'L3-L4',
            side: 'bilateral',
            note: 'moderate bilateral foraminal narrowing at L3-L4',
          },
        ],
      },
      { id: 'R4', status: 'met', waiver: 'progressive-deficit', evidence: [] },
    ],
    supporting: [
      { id: 'S1', status: 'undocumented', evidence: [] },
      {
        id: 'S2',
        status: 'present',
        evidence: [{ resourceType: 'Condition', id: 'c3', date: '2019-04-10', display: 'Accidental puncture of dura during a procedure' }],
      },
      { id: 'S3', status: 'present', evidence: [] },
      { id: 'S4', status: 'undocumented', evidence: [] },
    ],
    considerFusion: false,
    inpatientRecommended: false,
    inpatientReasons: [],
    ...overrides,
  };
}

export const ctx = { baseUrl: 'https://cds.example.org/', patientId: 'seed-1', userId: 'Practitioner/surgeon-7', encounterId: 'enc-9' };

/** Paths of every null, undefined, empty string, empty array or empty object (a CDS Hooks response has none). */
export function emptyValues(value: unknown, path = '$'): string[] {
  if (value === null || value === undefined) return [path];
  if (typeof value === 'string') return value.trim() === '' ? [path] : [];
  if (Array.isArray(value)) return value.length === 0 ? [path] : value.flatMap((v, i) => emptyValues(v, `${path}[${i}]`));
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length === 0 ? [path] : entries.flatMap(([k, v]) => emptyValues(v, `${path}.${k}`));
  }
  return [];
}
