import type { DraftOrder, SurgicalPlan } from '../orders/types.js';
import { inpatientUpdate } from './order-resources.js';
import { escapeMarkdown, truncate } from './text.js';
import type { Action } from './types.js';

/**
 * Booking an operation inpatient. The triggering orders of one order-sign request are one operation (a revision
 * at L3-L4 with its extension to L4-L5, an instrumentation order that states no level): a suggestion that moved
 * only some of them would leave the operation booked in two settings. So every suggestion that books inpatient
 * updates every triggering order of the request not already inpatient, and its card names each one.
 */

/** Every triggering order of the request, each once (an order covering several levels sits in several plans). */
export function operationOrders(plans: SurgicalPlan[]): DraftOrder[] {
  const seen = new Map<string, DraftOrder>();
  for (const plan of plans) for (const order of plan.orders) if (!seen.has(order.id)) seen.set(order.id, order);
  return [...seen.values()];
}

/** How an order is named in a card: its code text or display, never an identifier. */
export function orderName(order: DraftOrder): string {
  const code = order.resource.code;
  const name = code?.text ?? code?.coding?.find((c) => c.display)?.display ?? code?.coding?.find((c) => c.code)?.code;
  return name && name.trim() !== '' ? truncate(name, 60) : 'the surgery order';
}

export interface InpatientMoves {
  /** One update per order that moves, POS 21, the rest of the order as sent. */
  actions: Action[];
  /** The orders the actions move. */
  moved: DraftOrder[];
  /** Orders that should move but were sent without an id: no action can name them, the surgeon changes them by hand. */
  byHand: DraftOrder[];
}

export function inpatientMoves(orders: DraftOrder[]): InpatientMoves {
  const moves: InpatientMoves = { actions: [], moved: [], byHand: [] };
  for (const order of orders) {
    if (order.setting === 'inpatient') continue;
    const resource = inpatientUpdate(order);
    if (!resource) {
      moves.byHand.push(order);
      continue;
    }
    moves.moved.push(order);
    moves.actions.push({
      type: 'update',
      description: `Change ${orderName(order)} (${levelsOf(order)}) to an inpatient admission (place of service 21, Inpatient Hospital)`,
      resource,
    });
  }
  return moves;
}

function levelsOf(order: DraftOrder): string {
  return order.levels.length > 0 ? order.levels.join(', ') : 'level not stated';
}

/** One markdown list item per order, named as the EHR names it, with the levels the service read from it. */
export function orderList(orders: DraftOrder[]): string {
  return orders.map((o) => `- ${escapeMarkdown(orderName(o))} (${levelsOf(o)})`).join('\n');
}

/** What the surgeon changes by hand: the orders that came without an id. */
export function byHandText(orders: DraftOrder[]): string {
  const one = orders.length === 1;
  return [
    `${one ? 'This order was' : 'These orders were'} sent without an id, so no suggestion can change ${one ? 'it' : 'them'}: set ${one ? 'its' : 'their'} place of service to Inpatient Hospital (POS 21) by hand.`,
    orderList(orders),
  ].join('\n\n');
}
