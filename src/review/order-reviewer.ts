import type { Card } from '../cards/types.js';
import { buildCards, unavailableCard } from '../cards/build-cards.js';
import type { OrderReviewer, ReviewContext } from '../cds/order-reviewer.js';
import type { PatientRecord } from '../data/types.js';
import { DecisionEngine } from '../decision/engine.js';
import { extractEvidence } from '../evidence/extract.js';
import { findPlans } from '../orders/find-plans.js';
import type { SurgicalPlan } from '../orders/types.js';
import { loadValueSets, type ValueSetIndex } from '../terminology/value-sets.js';

export interface ReviewerOptions {
  baseUrl: string;
  engine?: DecisionEngine;
  valueSets?: ValueSetIndex;
}

/**
 * The clinical side of a hook call, one way through: draft orders -> plans; record -> facts read from text;
 * plans + record + facts -> CQL decisions; decisions -> cards.
 */
export function orderReviewer(options: ReviewerOptions): OrderReviewer {
  const valueSets = options.valueSets ?? loadValueSets();
  const engine = options.engine ?? DecisionEngine.load({ valueSets });
  const thresholds = {
    imagingLookbackMonths: engine.parameterDefaults['Imaging Lookback Months'],
    conservativeCareWeeks: engine.parameterDefaults['Conservative Care Weeks'],
  };
  return {
    plansFor: (draftOrders: unknown): SurgicalPlan[] => findPlans(draftOrders, valueSets),
    async review(plans: SurgicalPlan[], record: PatientRecord, now: Date, context?: ReviewContext): Promise<Card[]> {
      const facts = extractEvidence(record, valueSets);
      const decisions = await engine.evaluate(plans, record, facts, now, context?.deadlineAt);
      return buildCards(
        plans.map((plan, i) => ({ plan, decision: decisions[i] })),
        {
          baseUrl: options.baseUrl,
          patientId: record.patientId,
          userId: context?.userId ?? '',
          ...(context?.encounterId ? { encounterId: context.encounterId } : {}),
          thresholds,
        },
      );
    },
    unavailable: (reason) => unavailableCard(reason, { baseUrl: options.baseUrl }),
  };
}
