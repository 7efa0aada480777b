import type { PlanDecision } from '../decision/types.js';
import type { SurgicalPlan } from '../orders/types.js';
import { makeCard } from './card-parts.js';
import { evidenceList } from './evidence-text.js';
import { fusionOrder, type FusionOrderContext } from './order-resources.js';
import { truncate } from './text.js';
import type { Action, Card, Suggestion } from './types.js';
import { criterion, planLevel, planTitle } from './wording.js';
import { randomUUID } from 'node:crypto';

/**
 * consider-fusion: decompression alone is ordered at a previously operated level while recurrent stenosis with
 * a progressive deficit, or instability, is documented. The suggestion is the one cards.md gives: "Add
 * instrumented fusion at L3-L4", one `create` action with a new draft fusion order at that level. A revision fusion
 * warrants inpatient care (criteria.md, revision complexity), so the new order is inpatient (POS 21) when the
 * operation is booked inpatient or outpatient; when the orders state no setting, neither does the new one. Booked
 * outpatient, the detail says that the rest of the operation should be booked inpatient too: the inpatient-recommended
 * card's suggestion does that when it is shown, and signing the plan again shows it for the fusion otherwise.
 */
export function considerFusionCard(plan: SurgicalPlan, decision: PlanDecision, baseUrl: string, ctx: FusionOrderContext): Card {
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
      blocks.push(
        `A revision fusion warrants inpatient care (revision complexity), so the suggested fusion is drafted inpatient (Inpatient Hospital, POS 21); book the rest of this operation, now outpatient or ambulatory, inpatient as well${
          decision.inpatientRecommended ? ' (the inpatient-recommended card does so).' : '.'
        }`,
      );
    }
    suggestions.push({
      label: truncate(`Add instrumented fusion at ${level}`, 80),
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
