import type { Interspace, Side } from '../orders/types.js';

/**
 * Structured facts that TypeScript reads from free text and hands to the CQL library,
 * because CQL reads them poorly. Every fact names its resource as "Type/id".
 */
export interface ResourceFacts {
  ref: string;
  /** Interspaces named by bodySite codings or text (a single vertebra yields both neighbours). */
  levels: Interspace[];
  /** Sides named by bodySite, side-carrying codes, or text. */
  sides: Side[];
}

/** One sentence of an imaging report or study text about one interspace. */
export interface ImagingFinding {
  /** The resource whose text held the sentence (DiagnosticReport/.. or ImagingStudy/..). */
  ref: string;
  level: Interspace;
  side?: Side;
  /** compression: at least moderate, or compressing/impinging; no-compression: negated, mild, normal or patent. */
  kind: 'compression' | 'no-compression';
  /** The sentence, trimmed to at most 160 characters, for the card's evidence line. */
  text: string;
}

/** A motor-strength score on the 0-5 scale, read from an Observation. */
export interface StrengthScore {
  ref: string;
  /** Normalised movement name, e.g. "dorsiflexion", "ehl", "hip flexion", "quadriceps", "strength". */
  movement: string;
  side?: Side;
  score: number;
}

/** Translation (mm) or angulation (degrees) read from flexion-extension report text. */
export interface InstabilityMeasure {
  ref: string;
  translationMm?: number;
  angulationDegrees?: number;
  level?: Interspace;
}

/** A report sentence that states a biomechanical failure (S1): stated, about the lumbar spine or no region. */
export interface FailureFinding {
  ref: string;
  /** A lumbar level the failure is about; absent when the sentence names none. */
  level?: Interspace;
  /** The sentence (to its semicolon), trimmed to at most 160 characters, for the card's evidence line. */
  text: string;
}

export interface EvidenceFacts {
  resources: ResourceFacts[];
  imaging: ImagingFinding[];
  strength: StrengthScore[];
  instability: InstabilityMeasure[];
  failures: FailureFinding[];
  /**
   * Procedures ("Procedure/id") whose own site names only the cervical or thoracic spine, read as draft orders are
   * (src/orders/spine-region.ts): a code that serves every region of the spine makes no lumbar operation there.
   * extractEvidence always gives it; absent reads as none.
   */
  upperSpineProcedures?: string[];
  /**
   * Observations ("Observation/id") whose written answer denies the finding they name (denied-answers.ts).
   * extractEvidence always gives it; absent reads as none.
   */
  deniedAnswers?: string[];
}
