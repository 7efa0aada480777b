import type { PlanDecision } from '../decision/types.js';
import type { DraftOrder, SurgicalPlan } from '../orders/types.js';
import { makeCard } from './card-parts.js';
import { evidenceList } from './evidence-text.js';
import { byHandText, inpatientMoves, orderList } from './inpatient-moves.js';
import { fusionOrder, type FusionOrderContext } from './order-resources.js';
import { truncate } from './text.js';
import type { Action, Card, Suggestion } from './types.js';
import { criterion, planLevel, planTitle } from './wording.js';
import { randomUUID } from 'node:crypto';

/**
 * consider-fusion: decompression alone is ordered at a previously operated level while recurrent stenosis with
 * a progressive deficit, or instability, is documented. The suggestion adds a draft fusion order at that level, and
 * leaves a plan the service itself would sign off on: a revision fusion booked outpatient or ambulatory always
 * warrants inpatient care (criteria.md, revision complexity), so when the operation is booked outpatient the same
 * suggestion books the new order and every triggering order of the request inpatient (POS 21); when it is booked
 * inpatient the new order is too; when the orders state no setting, neither does the new one.
 */
export function considerFusionCard(plan: SurgicalPlan, decision: PlanDecision, baseUrl: string, ctx: FusionOrderContext, operation: DraftOrder[]): Card {
  const level = planLevel(plan, decision);
  const where = level ?? 'the previously operated level';
  const reasons: string[] = [];
  const s1 = decision.supporting.find((s) => s.id === 'S1');
  if (s1?.status === 'present') {
    reasons.push(`- Instability or biomechanical failure${s1.evidence.length > 0 ? `: ${evidenceList(s1.evidence)}` : ''}.`);
  }
  const r2 = criterion(decision, 'R2');
  const r3 = criterion(decision, 'R3');
  if (r3?.status === 'met' && r2?.status === 'met' && r2.progressive) {
    if (r3.evidence.length > 0) reasons.push(`- Recurrent stenosis: ${evidenceList(r3.evidence)}.`);
    else reasons.push('- Recurrent stenosis on imaging.');
    const progression = r2.progressionEvidence ?? [];
    if (progression.length > 0) reasons.push(`- Progressive neurological deficit: ${evidenceList(progression)}.`);
    else reasons.push('- Progressive neurological deficit.');
  }
  const blocks = [
    `Decompression without fusion is ordered at ${where}, which was operated on before, and the record shows:`,
    reasons.length > 0 ? reasons.join('\n') : '- Recurrent stenosis with progressive deficit, or instability, at this level.',
    'Decompression alone here risks further instability and a later fusion; in revision surgery, instrumented (pedicle screw) fusion gives the best chance of a solid fusion.',
  ];

  const suggestions: Suggestion[] = [];
  const base = plan.orders[0];
  if (level && base) {
    const booksInpatient = decision.setting === 'outpatient';
    const inpatient = booksInpatient || decision.setting === 'inpatient';
    const instrumentationOrdered = decision.supporting.some((s) => s.id === 'S3' && s.status === 'present');
    const actions: Action[] = [
      {
        type: 'create',
        description: `Add a draft order for posterolateral arthrodesis at ${level} (CPT 22612)${inpatient ? ', inpatient,' : ''} to this operation${
          instrumentationOrdered ? ', which already orders the instrumentation' : '; order the pedicle screw instrumentation (CPT 22840) with it'
        }`,
        resource: fusionOrder(base, level, ctx, { inpatient, instrumentationOrdered }),
      },
    ];
    if (booksInpatient) {
      const { actions: updates, moved, byHand } = inpatientMoves(operation);
      actions.push(...updates);
      blocks.push(
        `A revision fusion booked outpatient or ambulatory warrants inpatient care (revision complexity), so accepting the suggestion books the fusion inpatient${
          moved.length > 0 ? ` and sets the place of service of ${moved.length === 1 ? 'this order' : `these ${moved.length} orders`} of the operation to Inpatient Hospital (POS 21), keeping everything else in ${moved.length === 1 ? 'it' : 'them'}:` : '.'
        }`,
      );
      if (moved.length > 0) blocks.push(orderList(moved));
      if (byHand.length > 0) blocks.push(byHandText(byHand));
    }
    suggestions.push({
      label: truncate(booksInpatient ? `Add instrumented fusion at ${level}, booked inpatient` : `Add instrumented fusion at ${level}`, 80),
      uuid: randomUUID(),
      actions,
    });
  }
  return makeCard(
    'consider-fusion',
    {
      summary: truncate(`${planTitle(level, decision)}: consider adding instrumented fusion`),
      detail: blocks.join('\n\n'),
      indicator: 'warning',
      suggestions,
    },
    baseUrl,
  );
}
