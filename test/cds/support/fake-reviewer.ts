import { randomUUID } from 'node:crypto';
import type { Card } from '../../../src/cards/types.js';
import { CARD_TOPIC_SYSTEM } from '../../../src/cards/types.js';
import { OVERRIDE_REASON_SYSTEM } from '../../../src/cards/card-parts.js';
import type { OrderReviewer, ReviewContext } from '../../../src/cds/order-reviewer.js';
import type { PatientRecord } from '../../../src/data/types.js';
import type { SurgicalPlan } from '../../../src/orders/types.js';
import type { UpstreamError } from '../../../src/errors.js';

/** CPT codes this double treats as triggering (the real trigger value set lives in cql-mappings/). */
export const FAKE_TRIGGER_CODES = ['22612', '22830'];

export interface ReviewCall {
  plans: SurgicalPlan[];
  record: PatientRecord;
  now: Date;
  context?: ReviewContext;
}

/** The override reasons the double's warning cards offer (an info card offers none, as the real ones). */
export const FAKE_OVERRIDE_REASONS = [
  { system: OVERRIDE_REASON_SYSTEM, code: 'documented-elsewhere', display: 'Documented outside this EHR' },
  { system: OVERRIDE_REASON_SYSTEM, code: 'clinical-judgment', display: 'Patient-specific clinical judgment' },
];

/**
 * A test double for the clinical side: one plan per ServiceRequest with a triggering CPT code, one card per
 * plan whose topic depends on whether the record holds any Condition, each card with one suggestion. The card
 * carries empty values on purpose, which the protocol layer must strip.
 */
export class FakeReviewer implements OrderReviewer {
  readonly reviews: ReviewCall[] = [];
  planCalls = 0;
  failWith?: Error;

  plansFor(draftOrders: unknown): SurgicalPlan[] {
    this.planCalls++;
    const entries = (draftOrders as { entry?: { resource?: Record<string, unknown> }[] }).entry ?? [];
    return entries
      .map((e) => e.resource)
      .filter((r): r is Record<string, unknown> => r?.resourceType === 'ServiceRequest')
      .filter((r) => {
        const codings = ((r.code as { coding?: { code?: string }[] } | undefined)?.coding ?? []);
        return codings.some((c) => FAKE_TRIGGER_CODES.includes(c.code ?? ''));
      })
      .map((r) => ({
        level: 'L3-L4' as const,
        orders: [{ id: String(r.id ?? 'generated'), resource: r as never, asSent: r, hasOwnId: r.id !== undefined, levels: ['L3-L4' as const], setting: 'unknown' as const }],
      }));
  }

  async review(plans: SurgicalPlan[], record: PatientRecord, now: Date, context?: ReviewContext): Promise<Card[]> {
    this.reviews.push({ plans, record, now, ...(context ? { context } : {}) });
    if (this.failWith) throw this.failWith;
    const topic = record.conditions.length > 0 ? 'criteria-met' : 'documentation-incomplete';
    return plans.map(() => ({
      uuid: randomUUID(),
      summary: `Revision L3-L4 fusion: ${topic}`,
      detail: '',
      indicator: topic === 'criteria-met' ? 'info' : 'warning',
      source: { label: 'spine-cds', url: 'http://localhost/criteria/lumbar-fusion-criteria', topic: { system: CARD_TOPIC_SYSTEM, code: topic, display: topic } },
      suggestions: [{ label: 'Plan inpatient admission', uuid: randomUUID(), actions: [{ type: 'update', description: 'set inpatient' }] }],
      selectionBehavior: 'at-most-one',
      ...(topic === 'criteria-met' ? {} : { overrideReasons: FAKE_OVERRIDE_REASONS.map((r) => ({ ...r })) }),
      links: [],
    }));
  }

  unavailable(reason: UpstreamError['reason']): Card {
    return {
      uuid: randomUUID(),
      summary: `Lumbar surgery criteria not evaluated: ${reason}`,
      indicator: 'info',
      source: {
        label: 'spine-cds',
        url: 'http://localhost/criteria/lumbar-fusion-criteria',
        topic: { system: CARD_TOPIC_SYSTEM, code: 'evaluation-unavailable', display: 'Evaluation unavailable' },
      },
    };
  }
}
