import type { CriterionId, CriterionResult, NotMetReason, PlanDecision } from '../decision/types.js';
import type { SurgicalPlan } from '../orders/types.js';

/** Thresholds the CQL library ran with, so the card can quote them; without them the card words them generally. */
export interface CriteriaThresholds {
  imagingLookbackMonths?: number;
  conservativeCareWeeks?: number;
}

export function planLevel(plan: SurgicalPlan, decision: PlanDecision): string | undefined {
  const level = plan.level !== 'unknown' ? plan.level : decision.level;
  return level === 'unknown' ? undefined : level;
}

/** What was ordered, in a surgeon's words. */
export function orderedNoun(decision: PlanDecision): string {
  if (decision.kind === 'fusion') return 'fusion';
  if (decision.kind === 'decompression') return 'decompression';
  return 'spine surgery';
}

/** "Revision L3-L4 fusion", or "Lumbar revision fusion" when the level is not known. */
export function planTitle(level: string | undefined, decision: PlanDecision): string {
  return level ? `Revision ${level} ${orderedNoun(decision)}` : `Lumbar revision ${orderedNoun(decision)}`;
}

export const CRITERION_TITLE: Record<CriterionId, (at: string) => string> = {
  R1: (at) => `Failed prior surgery ${at}`,
  R2: () => 'Recurrent or progressive neurological deficit',
  R3: (at) => `Imaging confirms compression ${at}`,
  R4: () => 'Conservative care, or a reason to skip it',
};

/** "at L3-L4", or "at the ordered level". */
export function atLevel(level: string | undefined): string {
  return level ? `at ${level}` : 'at the ordered level';
}

/** What to add to the record for a criterion that is not documented: exact enough to act on. */
export function whatToDocument(id: CriterionId, level: string | undefined, t: CriteriaThresholds): string {
  const months = t.imagingLookbackMonths !== undefined ? `within ${t.imagingLookbackMonths} months` : 'within the imaging look-back period';
  const weeks = t.conservativeCareWeeks !== undefined ? `at least ${t.conservativeCareWeeks} weeks` : 'the required weeks';
  switch (id) {
    case 'R1':
      return `Document the prior lumbar fusion or decompression ${atLevel(level)} as a completed procedure with its date and level`;
    case 'R2':
      return 'Document the neurological findings since the prior surgery: motor deficit (foot drop, weakness, gait instability) or radicular symptoms, with their side';
    case 'R3':
      return `Document a lumbar MRI or CT after the prior surgery, ${months}, reporting the ${level ?? 'operated'} level`;
    case 'R4':
      return `Document ${weeks} of conservative care since the prior surgery (physical therapy, epidural injection, chiropractic or supervised exercise), or a reason to skip it (progressive motor deficit, cauda equina syndrome, hardware failure)`;
  }
}

/** Why a criterion is not met, as one clause; the reason, when the library gives one, makes it exact. */
export function whyNotMet(id: CriterionId, level: string | undefined, reason?: NotMetReason): string {
  switch (id) {
    case 'R1':
      return 'the recorded prior lumbar surgery is at another level';
    case 'R2':
      if (reason === 'axial-pain-only') return 'only axial back pain is recorded since the prior surgery';
      if (reason === 'findings-not-current') return 'every neurological finding since the prior surgery is refuted, entered in error or resolved';
      return 'neurological findings since the prior surgery are refuted or resolved, or only axial back pain is recorded';
    case 'R3':
      if (reason === 'opposite-side') return `imaging shows compression ${atLevel(level)} only on the side opposite the symptoms`;
      if (reason === 'opposite-order-side') return `imaging shows compression ${atLevel(level)} only on the side opposite the one ordered (no finding states a side)`;
      if (reason === 'no-compression') return `imaging ${atLevel(level)} shows no compression, or only mild findings`;
      return `imaging shows no compression ${atLevel(level)} on the side of the symptoms`;
    case 'R4':
      return 'conservative care is not documented as required';
  }
}

const SUMMARY_NOT_MET: Record<CriterionId, string> = {
  R1: 'prior surgery was at another level',
  R2: 'neurological findings resolved or axial pain only',
  R3: 'imaging shows no compression at the level',
  R4: 'conservative care criterion not met',
};
const SUMMARY_NOT_MET_BECAUSE: Record<NotMetReason, string> = {
  'axial-pain-only': 'only axial back pain recorded',
  'findings-not-current': 'neurological findings refuted or resolved',
  'opposite-side': 'compression only opposite the symptoms',
  'opposite-order-side': 'compression only opposite the ordered side',
  'no-compression': 'imaging shows no compression at the level',
};

/** Short conclusion for the summary line. */
export function summaryNotMet(c: CriterionResult): string {
  return c.reason ? SUMMARY_NOT_MET_BECAUSE[c.reason] : SUMMARY_NOT_MET[c.id];
}
export const SUMMARY_MISSING: Record<CriterionId, string> = {
  R1: 'document the prior surgery at the level',
  R2: 'document current neurological findings',
  R3: 'document a recent lumbar MRI or CT of the level',
  R4: 'document conservative care or a reason to skip it',
};

/** Names the waiver that lets R4 be met without conservative care, whatever form the decision reports it in. */
export function waiverText(waiver: string): string {
  const w = waiver.toLowerCase().replace(/[-_]+/g, ' ');
  if (w.includes('cauda')) return 'cauda equina syndrome';
  if (w.includes('hardware')) return 'hardware failure';
  if (w.includes('strength') || w.includes('score')) return 'falling motor-strength score';
  if (w.includes('progress') || w.includes('motor') || w.includes('onset')) return 'progressive neurological deficit';
  return w.trim();
}

export function criterion(decision: PlanDecision, id: CriterionId): CriterionResult | undefined {
  return decision.criteria.find((c) => c.id === id);
}
