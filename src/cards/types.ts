import type { FhirResource } from 'fhir/r4.js';

/** CDS Hooks 2.0 card types (https://cds-hooks.hl7.org/2.0/#card-attributes), as this service emits them. */
export type CardTopicCode =
  | 'criteria-met'
  | 'criteria-not-met'
  | 'documentation-incomplete'
  | 'consider-fusion'
  | 'inpatient-recommended'
  | 'evaluation-unavailable';

export const CARD_TOPIC_SYSTEM = 'http://spine-cds.org/fhir/CodeSystem/card-topic';

export interface Coding {
  system: string;
  code: string;
  display: string;
}

export interface Link {
  label: string;
  url: string;
  type: 'absolute' | 'smart';
}

export interface Action {
  type: 'create' | 'update' | 'delete';
  description: string;
  resource?: FhirResource;
  resourceId?: string[];
}

export interface Suggestion {
  label: string;
  uuid: string;
  isRecommended?: boolean;
  actions: Action[];
}

export interface OverrideReason {
  code: string;
  system: string;
  display: string;
}

export interface Card {
  uuid: string;
  summary: string;
  detail?: string;
  indicator: 'info' | 'warning' | 'critical';
  source: { label: string; url: string; topic: Coding };
  suggestions?: Suggestion[];
  selectionBehavior?: 'at-most-one' | 'any';
  overrideReasons?: OverrideReason[];
  links?: Link[];
}

export interface CdsResponse {
  cards: Card[];
}
