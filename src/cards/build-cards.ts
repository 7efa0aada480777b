import type { PlanDecision } from '../decision/types.js';
import type { SurgicalPlan } from '../orders/types.js';
import { considerFusionCard } from './consider-fusion-card.js';
import { determinationCard } from './determination-card.js';
import { inpatientCard } from './inpatient-card.js';
import { operationOrders } from './inpatient-moves.js';
import type { Card } from './types.js';
import { unavailableCardFor, type UnavailableReason } from './unavailable-card.js';
import type { CriteriaThresholds } from './wording.js';

export type { CriteriaThresholds } from './wording.js';
export type { UnavailableReason } from './unavailable-card.js';

export interface CardContext {
  /** Public base URL of this service, for the criteria page link. */
  baseUrl: string;
  patientId: string;
  /** context.userId of the hook call (e.g. "Practitioner/123"). */
  userId: string;
  encounterId?: string;
  /** The thresholds the CQL library ran with, quoted in what-to-document lines; worded generally when absent. */
  thresholds?: CriteriaThresholds;
}

/**
 * The cards of cards.md for the reviewed plans (all the plans of one request): nothing for a plan that is not a
 * revision; per revision plan exactly one determination card, plus consider-fusion and inpatient-recommended where
 * the decision flags them.
 */
export function buildCards(items: { plan: SurgicalPlan; decision: PlanDecision }[], ctx: CardContext): Card[] {
  const cards: Card[] = [];
  // The plans are every plan of the request: their orders together are the one operation a setting change moves.
  const operation = operationOrders(items.map((i) => i.plan));
  for (const { plan, decision } of items) {
    if (!decision.isRevision) continue;
    cards.push(determinationCard(plan, decision, ctx.baseUrl, ctx.thresholds ?? {}));
    if (decision.considerFusion) cards.push(considerFusionCard(plan, decision, ctx.baseUrl, ctx));
    if (decision.inpatientRecommended) cards.push(inpatientCard(plan, decision, ctx.baseUrl, operation));
  }
  return cards;
}

/** The evaluation-unavailable card: says that no judgment was made and why, in general terms and without PHI. */
export function unavailableCard(reason: UnavailableReason, ctx: Pick<CardContext, 'baseUrl'>): Card {
  return unavailableCardFor(reason, ctx.baseUrl);
}
