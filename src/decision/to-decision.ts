import type { Interspace, Side, SurgicalPlan } from '../orders/types.js';
import {
  NOT_MET_REASONS,
  type CriterionId,
  type CriterionResult,
  type CriterionStatus,
  type Determination,
  type EvidenceItem,
  type NotMetReason,
  type PlanDecision,
  type PlanKind,
  type SupportingId,
  type SupportingResult,
} from './types.js';

/** The "Plan Decision" tuple as cql-execution returns it (plain objects, nulls for absent values). */
interface CqlEvidence {
  resourceType?: string | null;
  id?: string | null;
  date?: string | null;
  startDate?: string | null;
  display?: string | null;
  level?: string | null;
  side?: string | null;
  note?: string | null;
}
interface CqlCriterion {
  status: string;
  evidence?: CqlEvidence[] | null;
  progressive?: boolean | null;
  reason?: string | null;
  progressionEvidence?: CqlEvidence[] | null;
  waiver?: string | null;
  careWeeks?: number | null;
  priorProcedureRecorded?: boolean | null;
  smoking?: string | null;
}
export interface CqlPlanDecision {
  isRevision: boolean | null;
  kind: string;
  determination: string | null;
  r1: CqlCriterion;
  r2: CqlCriterion;
  r3: CqlCriterion;
  r4: CqlCriterion;
  s1: CqlCriterion;
  s2: CqlCriterion;
  s3: CqlCriterion;
  s4: CqlCriterion;
  considerFusion: boolean | null;
  inpatientRecommended: boolean | null;
  inpatientReasons: string[] | null;
}

/**
 * The fields of "Plan Decision" that toPlanDecision maps, each one exactly once (a Record over CqlPlanDecision's
 * keys, so the compiler keeps the two together). The library is checked against them when it loads
 * (elm-checks.ts): a field added in CQL and not mapped here would never reach a card.
 */
const MAPPED: Record<keyof CqlPlanDecision, true> = {
  isRevision: true,
  kind: true,
  determination: true,
  r1: true,
  r2: true,
  r3: true,
  r4: true,
  s1: true,
  s2: true,
  s3: true,
  s4: true,
  considerFusion: true,
  inpatientRecommended: true,
  inpatientReasons: true,
};
export const PLAN_DECISION_FIELDS: readonly string[] = Object.keys(MAPPED);

const NOT_MET = new Set<string>(NOT_MET_REASONS);
const SIDES = new Set<string>(['left', 'right', 'bilateral']);
const LEVELS = new Set<string>(['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1']);

function evidence(list: CqlEvidence[] | null | undefined): EvidenceItem[] {
  const seen = new Set<string>();
  const out: EvidenceItem[] = [];
  for (const e of list ?? []) {
    if (!e || !e.resourceType || !e.id) continue;
    const key = `${e.resourceType}/${e.id}/${e.note ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      resourceType: e.resourceType,
      id: e.id,
      ...(e.date ? { date: e.date } : {}),
      ...(e.date && e.startDate ? { startDate: e.startDate } : {}),
      display: e.display || e.resourceType,
      ...(e.level && LEVELS.has(e.level) ? { level: e.level as Interspace } : {}),
      ...(e.side && SIDES.has(e.side) ? { side: e.side as Side } : {}),
      ...(e.note ? { note: e.note } : {}),
    });
  }
  return out;
}

function criterion(id: CriterionId, c: CqlCriterion): CriterionResult {
  const result: CriterionResult = { id, status: c.status as CriterionStatus, evidence: evidence(c.evidence) };
  if (c.status === 'not-met' && typeof c.reason === 'string' && NOT_MET.has(c.reason)) result.reason = c.reason as NotMetReason;
  if (c.status === 'not-documented' && c.reason === 'conflicting-reports') result.missingBecause = 'conflicting-reports';
  if (id === 'R1' && typeof c.priorProcedureRecorded === 'boolean') result.priorProcedureRecorded = c.priorProcedureRecorded;
  if (id === 'R2') {
    result.progressive = c.progressive === true;
    if (result.progressive) result.progressionEvidence = evidence(c.progressionEvidence);
  }
  if (id === 'R4') {
    if (c.waiver) result.waiver = c.waiver;
    if (typeof c.careWeeks === 'number' && c.careWeeks > 0) result.weeks = c.careWeeks;
  }
  return result;
}

function supporting(id: SupportingId, c: CqlCriterion): SupportingResult {
  const result: SupportingResult = { id, status: c.status as SupportingResult['status'], evidence: evidence(c.evidence) };
  if (id === 'S4' && (c.smoking === 'current' || c.smoking === 'former' || c.smoking === 'never')) result.smoking = c.smoking;
  return result;
}

export function toPlanDecision(plan: SurgicalPlan, raw: CqlPlanDecision): PlanDecision {
  const isRevision = raw.isRevision === true;
  const codes = plan.orders.flatMap((o) =>
    (o.resource.code?.coding ?? [])
      .filter((c) => typeof c.system === 'string' && typeof c.code === 'string')
      .map((c) => ({ system: c.system!, code: c.code!, ...(typeof c.display === 'string' && c.display ? { display: c.display } : {}) })),
  );
  const settings = plan.orders.map((o) => o.setting);
  return {
    level: plan.level,
    ...(plan.side ? { side: plan.side } : {}),
    orderIds: plan.orders.map((o) => o.id),
    kind: raw.kind as PlanKind,
    orderedCodes: codes,
    setting: settings.includes('outpatient') ? 'outpatient' : settings.includes('inpatient') ? 'inpatient' : 'unknown',
    isRevision,
    ...(isRevision && raw.determination ? { determination: raw.determination as Determination } : {}),
    criteria: [criterion('R1', raw.r1), criterion('R2', raw.r2), criterion('R3', raw.r3), criterion('R4', raw.r4)],
    supporting: [supporting('S1', raw.s1), supporting('S2', raw.s2), supporting('S3', raw.s3), supporting('S4', raw.s4)],
    considerFusion: isRevision && raw.considerFusion === true,
    inpatientRecommended: isRevision && raw.inpatientRecommended === true,
    inpatientReasons: isRevision && raw.inpatientRecommended === true ? (raw.inpatientReasons ?? []) : [],
  };
}
