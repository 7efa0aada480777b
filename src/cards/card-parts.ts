import { randomUUID } from 'node:crypto';
import { CARD_TOPIC_SYSTEM } from './types.js';
import type { Card, CardTopicCode, Coding, Link, OverrideReason } from './types.js';

export const CRITERIA_PAGE_PATH = '/criteria/lumbar-fusion-criteria';
export const SOURCE_LABEL = 'spine-cds revision lumbar fusion criteria';
export const OVERRIDE_REASON_SYSTEM = 'http://spine-cds.org/fhir/CodeSystem/override-reason';

/** Human labels of the card topics (source.topic.display). */
export const TOPIC_DISPLAY: Record<CardTopicCode, string> = {
  'criteria-met': 'Revision criteria met',
  'criteria-not-met': 'Revision criteria not met',
  'documentation-incomplete': 'Documentation incomplete',
  'consider-fusion': 'Consider fusion',
  'inpatient-recommended': 'Inpatient admission recommended',
  'evaluation-unavailable': 'Evaluation unavailable',
};

export function criteriaPageUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${CRITERIA_PAGE_PATH}`;
}

function reason(code: string, display: string): OverrideReason {
  return { system: OVERRIDE_REASON_SYSTEM, code, display };
}

const DOCUMENTED_ELSEWHERE = reason('documented-elsewhere', 'Documented outside this EHR');
const CLINICAL_JUDGMENT = reason('clinical-judgment', 'Patient-specific clinical judgment');
const PATIENT_PREFERENCE = reason('patient-preference', 'Patient preference');

/**
 * Reasons a surgeon may give for overriding a warning, per topic. Each list keeps the three shared reasons
 * and adds the one that most often explains an override of that topic, so feedback analytics can tell
 * "the record is incomplete" apart from "the surgeon disagrees".
 */
const OVERRIDE_REASONS: Partial<Record<CardTopicCode, OverrideReason[]>> = {
  'criteria-not-met': [DOCUMENTED_ELSEWHERE, CLINICAL_JUDGMENT, PATIENT_PREFERENCE],
  'documentation-incomplete': [
    reason('will-document', 'Documentation will be added before surgery'),
    DOCUMENTED_ELSEWHERE,
    CLINICAL_JUDGMENT,
    PATIENT_PREFERENCE,
  ],
  'consider-fusion': [
    reason('fusion-not-appropriate', 'Fusion not appropriate for this patient'),
    DOCUMENTED_ELSEWHERE,
    CLINICAL_JUDGMENT,
    PATIENT_PREFERENCE,
  ],
  'inpatient-recommended': [
    reason('overnight-observation', 'Outpatient surgery with planned overnight observation'),
    DOCUMENTED_ELSEWHERE,
    CLINICAL_JUDGMENT,
    PATIENT_PREFERENCE,
  ],
};

/** The override reasons a warning card of this topic offers (none for the info topics). */
export function overrideReasonsOf(topic: string): readonly OverrideReason[] {
  // Own keys only: the topic comes from a stored record, and "constructor" must not find Object's.
  return Object.hasOwn(OVERRIDE_REASONS, topic) ? (OVERRIDE_REASONS[topic as CardTopicCode] ?? []) : [];
}

export interface CardBody {
  summary: string;
  detail: string;
  indicator: Card['indicator'];
  suggestions?: NonNullable<Card['suggestions']>;
}

/** Assembles a card with the parts every card of this service shares: uuid, source, link, override reasons. */
export function makeCard(topic: CardTopicCode, body: CardBody, baseUrl: string): Card {
  const url = criteriaPageUrl(baseUrl);
  const coding: Coding = { system: CARD_TOPIC_SYSTEM, code: topic, display: TOPIC_DISPLAY[topic] };
  const link: Link = { label: 'Revision lumbar fusion criteria', url, type: 'absolute' };
  const card: Card = {
    uuid: randomUUID(),
    summary: body.summary,
    detail: body.detail,
    indicator: body.indicator,
    source: { label: SOURCE_LABEL, url, topic: coding },
    links: [link],
  };
  if (body.suggestions && body.suggestions.length > 0) {
    card.suggestions = body.suggestions;
    card.selectionBehavior = 'at-most-one';
  }
  const reasons = OVERRIDE_REASONS[topic];
  if (body.indicator === 'warning' && reasons) card.overrideReasons = reasons.map((r) => ({ ...r }));
  return card;
}
