import type { CriterionId, CriterionResult, PlanDecision, SupportingId, SupportingResult } from '../decision/types.js';
import type { SurgicalPlan } from '../orders/types.js';
import { makeCard } from './card-parts.js';
import { evidenceList } from './evidence-text.js';
import { capitalise, escapeMarkdown, truncate } from './text.js';
import type { Card } from './types.js';
import {
  CRITERION_TITLE,
  SUMMARY_MISSING,
  atLevel,
  planLevel,
  planTitle,
  summaryNotMet,
  waiverText,
  whatToDocument,
  whyNotMet,
  type CriteriaThresholds,
} from './wording.js';

// Every criterion with a title, in order: a new one (its CriterionId in decision/types.ts) is listed once it has its wording.
const CRITERIA = Object.keys(CRITERION_TITLE) as CriterionId[];

function statusWords(c: CriterionResult | undefined): string {
  if (!c || c.status === 'not-documented') return 'not documented';
  if (c.status === 'not-met') return 'not met';
  if (c.id === 'R2' && c.progressive) return 'met, progressive';
  return 'met';
}

/** One markdown list item per criterion: its status, then the evidence or what to document. */
function criterionLine(id: CriterionId, c: CriterionResult | undefined, level: string | undefined, t: CriteriaThresholds): string {
  const head = `- **${id} ${CRITERION_TITLE[id](atLevel(level))}: ${statusWords(c)}.**`;
  const evidence = c && c.evidence.length > 0 ? evidenceList(c.evidence) : '';
  if (!c || c.status === 'not-documented') {
    // Without a level there is nothing to document yet for the criteria about the level: the level comes first.
    if (!level && (id === 'R1' || id === 'R3')) {
      // With no prior lumbar surgery recorded, stating the level is not enough: the surgery itself must be documented.
      if (id === 'R1' && c?.priorProcedureRecorded === false) {
        const document = 'No prior lumbar surgery is recorded as a procedure: document the prior lumbar fusion or decompression as a completed procedure with its level and date';
        return `${head} State the level on the order. ${document}.${evidence !== '' ? ` Found: ${evidence}.` : ''}`;
      }
      return `${head} Checked once the order states its level${evidence !== '' ? `; in the record: ${evidence}` : ''}.`;
    }
    if (c?.missingBecause === 'conflicting-reports') {
      return `${head} Imaging reports of the same day disagree ${atLevel(level)}${evidence !== '' ? `: ${evidence}` : ''}. Document which reading stands (an addendum or a corrected report).`;
    }
    // Care that falls short is worth quantifying: the surgeon sees how far the record is from the threshold.
    const span = id === 'R4' && c?.weeks !== undefined ? ` (${c.weeks} week${c.weeks === 1 ? '' : 's'})` : '';
    const found = evidence !== '' ? ` Found${span}: ${evidence}.` : '';
    return `${head} ${whatToDocument(id, level, t)}.${found}`;
  }
  if (c.status === 'not-met') {
    return `${head} ${capitalise(whyNotMet(id, level, c.reason))}${evidence !== '' ? `: ${evidence}` : ''}.`;
  }
  if (id === 'R4' && c.waiver && c.waiver.trim() !== '') {
    const why = `Conservative care may be skipped: ${escapeMarkdown(waiverText(c.waiver))}`;
    return `${head} ${why}${evidence !== '' ? ` (${evidence})` : ''}.`;
  }
  if (id === 'R4' && c.weeks !== undefined && Number.isFinite(c.weeks)) {
    return `${head} ${c.weeks} weeks of conservative care${evidence !== '' ? `: ${evidence}` : ''}.`;
  }
  return evidence !== '' ? `${head} ${evidence}.` : head;
}

const SUPPORTING_TITLE: Record<SupportingId, string> = {
  S1: 'Instability or biomechanical failure',
  S2: 'Prior dural tear',
  S3: 'Instrumented fusion ordered',
  S4: 'Smoking status',
};

const SMOKING: Record<string, string> = {
  current: 'current smoker, higher risk of non-union',
  former: 'former smoker',
  never: 'never smoker',
};

/** Supporting findings that the record documents (S4 also when it documents a non-smoker). */
function supportingLines(supporting: SupportingResult[]): string[] {
  const lines: string[] = [];
  for (const id of ['S1', 'S2', 'S3', 'S4'] as SupportingId[]) {
    const s = supporting.find((x) => x.id === id);
    if (!s || s.status === 'undocumented') continue;
    if (id !== 'S4' && s.status !== 'present') continue;
    const evidence = s.evidence.length > 0 ? evidenceList(s.evidence) : '';
    if (id === 'S4') {
      const smoking = s.smoking ? SMOKING[s.smoking] : s.status === 'present' ? SMOKING.current : 'non-smoker';
      lines.push(`- ${id} ${SUPPORTING_TITLE[id]}: ${smoking}${evidence !== '' ? ` (${evidence})` : ''}.`);
    } else {
      lines.push(`- ${id} ${SUPPORTING_TITLE[id]}${evidence !== '' ? `: ${evidence}` : ''}.`);
    }
  }
  return lines;
}

/** For a fusion plan, what payers commonly ask for that the record lacks; never changes the determination. */
function documentationTip(decision: PlanDecision): string | undefined {
  if (decision.kind !== 'fusion') return undefined;
  const undocumented = (id: SupportingId): boolean => (decision.supporting.find((s) => s.id === id)?.status ?? 'undocumented') === 'undocumented';
  const missing: string[] = [];
  if (undocumented('S1')) missing.push('a stated finding of instability');
  if (undocumented('S4')) missing.push('smoking status');
  if (missing.length === 0) return undefined;
  return `Documentation tip: payers commonly ask for CT or flexion-extension evidence of instability and for smoking status before a fusion. Not in this record: ${missing.join('; ')}.`;
}

function summaryFor(decision: PlanDecision, level: string | undefined): string {
  const title = planTitle(level, decision);
  const failing = (status: CriterionResult['status']): CriterionId[] =>
    CRITERIA.filter((id) => (decision.criteria.find((c) => c.id === id)?.status ?? 'not-documented') === status);
  const withMore = (first: string, count: number): string => (count > 1 ? `${first} (+${count - 1} more)` : first);
  switch (decision.determination) {
    case 'criteria-met':
      return truncate(`${title}: necessity criteria met`);
    case 'criteria-not-met': {
      const ids = failing('not-met');
      const first = decision.criteria.find((c) => c.id === ids[0]);
      return truncate(first ? `${title}: ${withMore(summaryNotMet(first), ids.length)}` : `${title}: necessity criteria not met`);
    }
    default: {
      if (!level) return 'Lumbar revision order: state the spinal level to review';
      const ids = failing('not-documented');
      const first = ids[0];
      const missing = (id: CriterionId) =>
        decision.criteria.find((c) => c.id === id)?.missingBecause === 'conflicting-reports' ? 'imaging reports of one day disagree' : SUMMARY_MISSING[id];
      return truncate(first ? `${title}: ${withMore(missing(first), ids.length)}` : `${title}: documentation incomplete`);
    }
  }
}

/** The one determination card of a revision plan: criteria-met, criteria-not-met or documentation-incomplete. */
export function determinationCard(plan: SurgicalPlan, decision: PlanDecision, baseUrl: string, t: CriteriaThresholds): Card {
  const level = planLevel(plan, decision);
  const topic = decision.determination ?? 'documentation-incomplete';
  const blocks: string[] = [];
  if (!level) {
    blocks.push(
      '**The order does not state a readable lumbar level.** Add the interspace (for example L3-L4) to the order body site or text, so the criteria can be checked at that level.',
    );
  }
  blocks.push(CRITERIA.map((id) => criterionLine(id, decision.criteria.find((c) => c.id === id), level, t)).join('\n'));
  const supporting = supportingLines(decision.supporting);
  if (supporting.length > 0) blocks.push(`Supporting findings:\n\n${supporting.join('\n')}`);
  const tip = documentationTip(decision);
  if (tip) blocks.push(tip);
  return makeCard(
    topic,
    {
      summary: summaryFor(decision, level),
      detail: blocks.join('\n\n'),
      indicator: topic === 'criteria-met' ? 'info' : 'warning',
    },
    baseUrl,
  );
}
