import type { Card } from '../cards/types.js';
import type { PatientRecord } from '../data/types.js';
import type { SurgicalPlan } from '../orders/types.js';
import type { UpstreamError } from '../errors.js';

/**
 * The clinical side of a hook call, as the protocol layer sees it. The protocol layer only moves
 * data: it asks which plans the draft orders hold, gathers the record when there is one, and hands
 * both over. Injected into the app so that protocol tests need no CQL engine.
 */
export interface ReviewContext {
  userId?: string;
  encounterId?: string;
  /** Epoch ms by which the review must end; past it the review stops with UpstreamError 'review-timeout'. */
  deadlineAt?: number;
}

export interface OrderReviewer {
  /** The surgical plans that the draft orders trigger; none means the service has nothing to say. */
  plansFor(draftOrders: unknown): SurgicalPlan[];
  /**
   * The cards for these plans, judged on this record at this moment. `context` carries the hook
   * context's user and encounter, which suggestions that create an order must name.
   */
  review(plans: SurgicalPlan[], record: PatientRecord, now: Date, context?: ReviewContext): Promise<Card[]>;
  /** The evaluation-unavailable card, saying why no judgment was made (never PHI). */
  unavailable(reason: UpstreamError['reason']): Card;
}
