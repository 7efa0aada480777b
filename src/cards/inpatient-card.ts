import { randomUUID } from 'node:crypto';
import type { PlanDecision } from '../decision/types.js';
import type { DraftOrder, SurgicalPlan } from '../orders/types.js';
import { makeCard } from './card-parts.js';
import { evidenceList } from './evidence-text.js';
import { inpatientUpdate } from './order-resources.js';
import { escapeMarkdown, truncate } from './text.js';
import type { Action, Card } from './types.js';
import { criterion, planLevel, planTitle } from './wording.js';

function reasonLine(reason: string, decision: PlanDecision): string {
  switch (reason) {
    case 'revision-fusion':
      return '- Revision fusion: scar tissue and altered anatomy make it more complex than a first operation, with more complications.';
    case 'dural-tear': {
      const s2 = decision.supporting.find((s) => s.id === 'S2');
      return `- Prior dural tear${s2 && s2.evidence.length > 0 ? `: ${evidenceList(s2.evidence)}` : ''}.`;
    }
    case 'progressive-deficit': {
      const shown = criterion(decision, 'R2')?.progressionEvidence ?? [];
      const evidence = shown.length > 0 ? `: ${evidenceList(shown)}` : '';
      return `- Progressive neurological deficit, which needs close neurological checks after surgery${evidence}.`;
    }
    default:
      return `- ${escapeMarkdown(reason.replace(/[-_]+/g, ' '))}.`;
  }
}

/** How the order is named in an action description: its code text or display, never an identifier. */
function orderName(order: DraftOrder): string {
  const code = order.resource.code;
  const name = code?.text ?? code?.coding?.find((c) => c.display)?.display ?? code?.coding?.find((c) => c.code)?.code;
  return name && name.trim() !== '' ? truncate(name, 60) : 'the surgery order';
}

/**
 * inpatient-recommended: a revision ordered outpatient while the record shows a reason for inpatient care.
 * One suggestion whose actions update every order of the plan not already inpatient: the actions of a
 * suggestion are applied together, so accepting it moves the whole operation, never part of it. An order sent
 * without an id cannot be updated (the EHR could not match an id the service made up): the detail asks the
 * surgeon to change it by hand, and with no order left to update there is no suggestion.
 */
export function inpatientCard(plan: SurgicalPlan, decision: PlanDecision, baseUrl: string): Card {
  const level = planLevel(plan, decision);
  const reasonLines = [...new Set(decision.inpatientReasons)].map((r) => reasonLine(r, decision));
  const toMove = plan.orders.filter((o) => o.setting !== 'inpatient');
  const actions: Action[] = toMove.flatMap((o) => {
    const resource = inpatientUpdate(o);
    return resource ? [{ type: 'update' as const, description: `Change ${orderName(o)} to an inpatient admission (place of service 21, Inpatient Hospital)`, resource }] : [];
  });
  const byHand = toMove.filter((o) => !o.hasOwnId);
  const detail = [
    'This revision is ordered in an outpatient or ambulatory setting, but the record shows a reason for inpatient care:',
    reasonLines.length > 0
      ? reasonLines.join('\n')
      : '- Revision complexity, a prior dural tear or a progressive neurological deficit (see the criteria page).',
    ...(actions.length > 0
      ? ['Accepting the suggestion sets the place of service of the orders of this operation to Inpatient Hospital and keeps everything else in them.']
      : []),
    ...(byHand.length > 0 ? [byHandLine(byHand)] : []),
  ].join('\n\n');
  return makeCard(
    'inpatient-recommended',
    {
      summary: truncate(`${planTitle(level, decision)} ordered outpatient: inpatient admission recommended`),
      detail,
      indicator: 'warning',
      suggestions: actions.length > 0 ? [{ label: 'Plan inpatient admission', uuid: randomUUID(), actions }] : [],
    },
    baseUrl,
  );
}

/** What the surgeon changes by hand: the orders that came without an id, named as the EHR names them. */
export function byHandLine(orders: DraftOrder[]): string {
  const names = orders.map((o) => escapeMarkdown(orderName(o)));
  const which = names.length === 1 ? `The order ${names[0]} was` : `The orders ${names.join('; ')} were`;
  return `${which} sent without an id, so no suggestion can change ${orders.length === 1 ? 'it' : 'them'}: set ${orders.length === 1 ? 'its' : 'their'} place of service to Inpatient Hospital (POS 21) by hand.`;
}
