import type { Interspace, Setting, Side } from '../orders/types.js';

export type CriterionId = 'R1' | 'R2' | 'R3' | 'R4';
export type SupportingId = 'S1' | 'S2' | 'S3' | 'S4';
export type CriterionStatus = 'met' | 'not-met' | 'not-documented';
export type Determination = 'criteria-met' | 'criteria-not-met' | 'documentation-incomplete';
export type PlanKind = 'fusion' | 'decompression' | 'other';

/** One piece of evidence behind a criterion, as the CQL library reported it. */
export interface EvidenceItem {
  resourceType: string;
  id: string;
  /** YYYY-MM-DD when the resource is dated (a period's end). */
  date?: string;
  /** A period's start, when it is another day than `date`. */
  startDate?: string;
  /** Code display or text naming what the resource records. */
  display: string;
  level?: Interspace;
  side?: Side;
  /** Extra words, e.g. the report sentence, or "score 3 (was 4)". */
  note?: string;
}

/**
 * Why R2 or R3 is not met, when the library says: R2 axial pain only, or findings all refuted or resolved;
 * R3 compression only opposite the symptoms (or, when no finding states a side, opposite the order's side), or
 * none stated at the level.
 */
export const NOT_MET_REASONS = ['axial-pain-only', 'findings-not-current', 'opposite-side', 'opposite-order-side', 'no-compression'] as const;
export type NotMetReason = (typeof NOT_MET_REASONS)[number];

/** Why R3 is not documented although studies speak about the level: reports of the deciding day disagree. */
export type NotDocumentedReason = 'conflicting-reports';

export interface CriterionResult {
  id: CriterionId;
  status: CriterionStatus;
  evidence: EvidenceItem[];
  /** Set only when not met, for R2 and R3. */
  reason?: NotMetReason;
  /** Set only when not documented for a reason other than absence (R3: same-day reports that disagree). */
  missingBecause?: NotDocumentedReason;
  /** For R2: the deficit is progressive (by onset after surgery or a falling score). */
  progressive?: boolean;
  /** For R2 when progressive: what makes it so (motor deficits that began after surgery, falling scores). */
  progressionEvidence?: EvidenceItem[];
  /** For R1: whether the record holds a completed prior lumbar fusion or decompression at all, at any level. */
  priorProcedureRecorded?: boolean;
  /** For R4 met by a waiver: why conservative care may be skipped. */
  waiver?: string;
  /** For R4 met by care: weeks of documented conservative care. */
  weeks?: number;
}

export interface SupportingResult {
  id: SupportingId;
  /** present: documented; absent: documented as absent (e.g. never smoker); undocumented: nothing recorded. */
  status: 'present' | 'absent' | 'undocumented';
  evidence: EvidenceItem[];
  /** S4 only. */
  smoking?: 'current' | 'former' | 'never';
}

/** The result of the CQL library for one surgical plan. */
export interface PlanDecision {
  level: Interspace | 'unknown';
  side?: Side;
  orderIds: string[];
  kind: PlanKind;
  /** Codes of the triggering orders (CPT or SNOMED), for naming what was ordered. */
  orderedCodes: { system: string; code: string; display?: string }[];
  setting: Setting;
  isRevision: boolean;
  /** Present exactly when isRevision. */
  determination?: Determination;
  criteria: CriterionResult[];
  supporting: SupportingResult[];
  considerFusion: boolean;
  inpatientRecommended: boolean;
  /** Why inpatient care is recommended: 'revision-fusion' | 'dural-tear' | 'progressive-deficit'. */
  inpatientReasons: string[];
}
