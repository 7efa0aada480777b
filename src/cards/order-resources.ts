import { randomUUID } from 'node:crypto';
import type { CodeableConcept, ServiceRequest } from 'fhir/r4.js';
import { copyOf } from '../orders/json-copy.js';
import { withoutForbiddenEmpty } from '../fhir-model/json-clean.js';
import type { DraftOrder } from '../orders/types.js';

export const POS_SYSTEM = 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set';
export const CPT_SYSTEM = 'http://www.ama-assn.org/go/cpt';
const SNOMED = 'http://snomed.info/sct';

/** SNOMED CT vertebra codes (fhir-conventions.md), used to state the level of a suggested order. */
const VERTEBRA: Record<string, { code: string; display: string }> = {
  L1: { code: '66794005', display: 'Bone structure of first lumbar vertebra' },
  L2: { code: '14293000', display: 'Bone structure of second lumbar vertebra' },
  L3: { code: '36470004', display: 'Bone structure of third lumbar vertebra' },
  L4: { code: '11994002', display: 'Bone structure of fourth lumbar vertebra' },
  L5: { code: '49668003', display: 'Bone structure of fifth lumbar vertebra' },
  S1: { code: '54735007', display: 'Bone structure of sacrum' },
};

/**
 * Deep copy without null, undefined, empty strings, arrays or objects. CDS Hooks forbids empty values in a
 * response, and EHRs (the CDS Hooks Sandbox among them) send loosely formed drafts; dropping empty values
 * changes nothing a FHIR reader can see, since FHIR JSON forbids them too.
 */
export function withoutEmpty<T>(value: T): T | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return (value.trim() === '' ? undefined : value) as T | undefined;
  if (Array.isArray(value)) {
    const items = value.map((v) => withoutEmpty(v)).filter((v) => v !== undefined);
    return (items.length > 0 ? items : undefined) as T | undefined;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const kept = withoutEmpty(v);
      if (kept !== undefined) out[k] = kept;
    }
    return (Object.keys(out).length > 0 ? out : undefined) as T | undefined;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
  return value;
}

const INPATIENT: CodeableConcept = {
  coding: [{ system: POS_SYSTEM, code: '21', display: 'Inpatient Hospital' }],
  text: 'Inpatient Hospital',
};

/**
 * The draft order moved to an inpatient setting: a deep copy of the ServiceRequest as the EHR sent it, with
 * locationCode replaced by CMS POS 21 (an outpatient code left beside it would contradict it). CDS Hooks asks for
 * the updated resource in its entirety, so nothing else changes but the empty values CDS Hooks and FHIR JSON both
 * forbid (`null`, `""`, `[]`, `{}`, which loosely formed drafts carry): nulls that align a primitive array with its
 * extensions, values the service does not read and unknown elements go back as they came. An order sent without
 * an id gets no update (undefined): the EHR could not match an id the service made up.
 */
export function inpatientUpdate(order: DraftOrder): ServiceRequest | undefined {
  if (!order.hasOwnId) return undefined;
  const copy = (withoutForbiddenEmpty(copyOf(order.asSent)) ?? {}) as Record<string, unknown>;
  copy.locationCode = [structuredClone(INPATIENT)];
  return copy as unknown as ServiceRequest;
}

export interface FusionOrderContext {
  patientId: string;
  userId: string;
  encounterId?: string;
}

/** A FHIR reference string only when it has the Type/id form. */
function referenceTo(ref: string | undefined): { reference: string } | undefined {
  return ref && /^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(ref) ? { reference: ref } : undefined;
}

function levelBodySite(level: string): CodeableConcept {
  const coding = level
    .split('-')
    .map((v) => VERTEBRA[v])
    .filter((v): v is { code: string; display: string } => v !== undefined)
    .map((v) => ({ system: SNOMED, code: v.code, display: v.display }));
  return coding.length === 2 ? { coding, text: level } : { text: level };
}

/**
 * A new draft order for the posterolateral arthrodesis of an instrumented fusion at the plan's level. It belongs
 * to the same operation as the plan's first order, so subject, requester, encounter, intent, priority, dates and
 * performer are copied from it (the hook context fills subject, requester and encounter when the order lacks
 * them). The code orders the arthrodesis only (CPT 22612); the text says so, and, when the operation has no
 * instrumentation order yet, the note asks for the pedicle screw instrumentation (CPT 22840), an order of its own.
 * The setting is inpatient (POS 21) when the operation is booked inpatient, or booked outpatient (a revision
 * fusion outpatient warrants inpatient care); otherwise the orders state no setting, and neither does the new one.
 */
export interface FusionOrderOptions {
  inpatient: boolean;
  instrumentationOrdered: boolean;
}

export function fusionOrder(base: DraftOrder, level: string, ctx: FusionOrderContext, options: FusionOrderOptions): ServiceRequest {
  const src = base.resource;
  const order: Record<string, unknown> = {
    resourceType: 'ServiceRequest',
    id: randomUUID(),
    status: 'draft',
    intent: typeof src.intent === 'string' && (src.intent as string).trim() !== '' ? src.intent : 'order',
    priority: src.priority,
    code: {
      coding: [
        {
          system: CPT_SYSTEM,
          code: '22612',
          display: 'Arthrodesis, posterior or posterolateral technique, single interspace; lumbar',
        },
      ],
      text: `Posterolateral arthrodesis at ${level}, for an instrumented fusion`,
    },
    // An empty value ({}, "", as loosely formed drafts carry) is none: the new order must still name its patient.
    subject: withoutForbiddenEmpty(src.subject) ?? referenceTo(`Patient/${ctx.patientId}`),
    encounter: withoutForbiddenEmpty(src.encounter) ?? (ctx.encounterId ? referenceTo(`Encounter/${ctx.encounterId}`) : undefined),
    occurrenceDateTime: src.occurrenceDateTime,
    occurrencePeriod: src.occurrencePeriod,
    occurrenceTiming: src.occurrenceTiming,
    authoredOn: src.authoredOn,
    requester: withoutForbiddenEmpty(src.requester) ?? referenceTo(ctx.userId),
    performer: src.performer,
    bodySite: [levelBodySite(level)],
    locationCode: options.inpatient ? [structuredClone(INPATIENT)] : undefined,
    note: options.instrumentationOrdered ? undefined : [{ text: 'Instrumented fusion: order the pedicle screw instrumentation (CPT 22840) with this arthrodesis.' }],
  };
  return withoutEmpty(structuredClone(order)) as unknown as ServiceRequest;
}
