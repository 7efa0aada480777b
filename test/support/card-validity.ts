import { emptyValuePaths } from '../../src/cds/no-empty.js';
import { CARD_TOPIC_SYSTEM, type Card } from '../../src/cards/types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOPICS = ['criteria-met', 'criteria-not-met', 'documentation-incomplete', 'consider-fusion', 'inpatient-recommended', 'evaluation-unavailable'];
const INDICATOR: Record<string, string> = {
  'criteria-met': 'info',
  'criteria-not-met': 'warning',
  'documentation-incomplete': 'warning',
  'consider-fusion': 'warning',
  'inpatient-recommended': 'warning',
  'evaluation-unavailable': 'info',
};

/** The card contract (cards.md and CDS Hooks 2.0) checked on one card; throws naming what is wrong. */
export function assertValidCard(card: Card): void {
  const problems: string[] = [];
  const topic = card.source?.topic;
  if (!UUID.test(card.uuid ?? '')) problems.push('uuid');
  if (typeof card.summary !== 'string' || card.summary.length === 0 || card.summary.length >= 140) problems.push(`summary length ${card.summary?.length}`);
  if (!topic || topic.system !== CARD_TOPIC_SYSTEM || !TOPICS.includes(topic.code) || !topic.display) problems.push('source.topic');
  else if (card.indicator !== INDICATOR[topic.code]) problems.push(`indicator ${card.indicator} for ${topic.code}`);
  if (!card.source?.label || !/^https?:\/\/.+\/criteria\/lumbar-fusion-criteria$/.test(card.source.url ?? '')) problems.push('source label/url');
  if (!card.links?.some((l) => l.type === 'absolute' && l.url === card.source.url)) problems.push('criteria link');
  if (card.suggestions) {
    if (card.suggestions.length === 0) problems.push('empty suggestions');
    if (!card.selectionBehavior) problems.push('selectionBehavior missing with suggestions');
    for (const s of card.suggestions) {
      if (!UUID.test(s.uuid ?? '')) problems.push('suggestion uuid');
      if (!s.label || !s.actions?.length) problems.push('suggestion label/actions');
      for (const a of s.actions ?? []) {
        if (!['create', 'update', 'delete'].includes(a.type) || !a.description) problems.push('action type/description');
        if ((a.type === 'create' || a.type === 'update') && a.resource?.resourceType !== 'ServiceRequest') problems.push('action resource');
      }
    }
  } else if (card.selectionBehavior) problems.push('selectionBehavior without suggestions');
  if (card.indicator === 'warning' && !card.overrideReasons?.length) problems.push('overrideReasons on a warning card');
  const empty = emptyValuePaths(card);
  if (empty.length > 0) problems.push(`empty values at ${empty.join(', ')}`);
  if (problems.length > 0) throw new Error(`invalid card "${card.summary}": ${problems.join('; ')}`);
}
