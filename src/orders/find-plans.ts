import { INTERSPACES, type DraftOrder, type Interspace, type Side, type SurgicalPlan } from './types.js';
import { asArray, asCode, asRecord } from '../text/fhir-values.js';
import { combineSides } from '../text/sides.js';
import { isTriggering, readOrder } from './read-order.js';
import type { ValueSetLookup } from './setting.js';

/**
 * The surgical plans in context.draftOrders (cards.md "When the service speaks", criteria.md "Plans").
 * Only ServiceRequests whose code is in the lumbar-spine-surgery value set trigger; anything else in the
 * Bundle is ignored. Triggering orders are grouped by interspace (an order covering several interspaces
 * belongs to each), orders with no readable level form one plan of level 'unknown', and plans come in
 * spinal order with 'unknown' last. The input is never changed; loosely formed input never throws.
 */
export function findPlans(draftOrders: unknown, valueSets: ValueSetLookup): SurgicalPlan[] {
  const orders = triggeringOrders(draftOrders, valueSets);
  const plans: SurgicalPlan[] = [];
  for (const level of INTERSPACES) {
    const atLevel = orders.filter((o) => o.levels.includes(level));
    if (atLevel.length > 0) plans.push(plan(level, atLevel));
  }
  const unknown = orders.filter((o) => o.levels.length === 0);
  if (unknown.length > 0) plans.push(plan('unknown', unknown));
  return plans;
}

/** The triggering ServiceRequests of a draftOrders Bundle, in Bundle order, each with a unique id. */
export function triggeringOrders(draftOrders: unknown, valueSets: ValueSetLookup): DraftOrder[] {
  const entries = asArray(asRecord(draftOrders)?.entry);
  const resources = entries.map((e) => asRecord(asRecord(e)?.resource));
  const taken = new Set(resources.map((r) => (r ? asCode(r.id) : undefined)).filter((id): id is string => id !== undefined));
  const orders: DraftOrder[] = [];
  resources.forEach((resource, index) => {
    if (!resource || !isTriggering(resource, valueSets)) return;
    orders.push(readOrder(resource, asCode(resource.id) ?? generatedId(index, taken), valueSets));
  });
  return orders;
}

/** A stable id for an order sent without one: its place in the Bundle, never clashing with a sent id. */
function generatedId(index: number, taken: Set<string>): string {
  let id = `draft-${index}`;
  for (let n = 1; taken.has(id); n++) id = `draft-${index}-${n}`;
  taken.add(id);
  return id;
}

function plan(level: Interspace | 'unknown', orders: DraftOrder[]): SurgicalPlan {
  const side: Side | undefined = combineSides(orders.map((o) => o.side));
  return side ? { level, orders, side } : { level, orders };
}
