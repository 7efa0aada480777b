import { randomUUID } from 'node:crypto';
import type { PlanDecision } from '../decision/types.js';
import type { DraftOrder, SurgicalPlan } from '../orders/types.js';
import { makeCard } from './card-parts.js';
import { evidenceList } from './evidence-text.js';
import { byHandText, inpatientMoves, orderList } from './inpatient-moves.js';
import { escapeMarkdown, truncate } from './text.js';
import type { Card } from './types.js';
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

/**
 * inpatient-recommended: a revision ordered outpatient while the record shows a reason for inpatient care.
 * One suggestion whose actions update every triggering order of the request not already inpatient (the plan's
 * and any other plan's, levels stated or not): the actions of a suggestion are applied together, so accepting it
 * moves the whole operation, never part of it. The detail names each order it moves; an order sent without an id
 * cannot be updated (the EHR could not match an id the service made up), so the detail asks the surgeon to change
 * it by hand, and with no order left to update there is no suggestion.
 */
export function inpatientCard(plan: SurgicalPlan, decision: PlanDecision, baseUrl: string, operation: DraftOrder[]): Card {
  const level = planLevel(plan, decision);
  const reasonLines = [...new Set(decision.inpatientReasons)].map((r) => reasonLine(r, decision));
  const { actions, moved, byHand } = inpatientMoves(operation);
  const detail = [
    'This revision is ordered in an outpatient or ambulatory setting, but the record shows a reason for inpatient care:',
    reasonLines.length > 0
      ? reasonLines.join('\n')
      : '- Revision complexity, a prior dural tear or a progressive neurological deficit (see the criteria page).',
    ...(moved.length > 0
      ? [
          `Accepting the suggestion sets the place of service of ${moved.length === 1 ? 'this order' : `these ${moved.length} orders`} of the operation to Inpatient Hospital (POS 21) and keeps everything else in ${moved.length === 1 ? 'it' : 'them'}:`,
          orderList(moved),
        ]
      : []),
    ...(byHand.length > 0 ? [byHandText(byHand)] : []),
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
