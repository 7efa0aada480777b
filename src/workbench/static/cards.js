// Cards as an EHR shows them: indicator (colour and word), summary, markdown detail, source, topic,
// suggestion buttons, an override menu, links, and what the feedback call answered.

import { el, safeUrl } from './dom.js';
import { renderMarkdown } from './markdown.js';

const INDICATOR_LABEL = { info: 'Info', warning: 'Warning', critical: 'Critical' };

let cardCount = 0;

/**
 * One card. `actions.accept(card, suggestion)` and `actions.override(card, reason, comment)` run the
 * feedback round trip and resolve to { ok, text }; the card then shows the result and locks, since a
 * card is accepted or overridden once.
 */
export function renderCard(card, actions) {
  const n = ++cardCount;
  const indicator = INDICATOR_LABEL[card.indicator] ? card.indicator : 'info';
  const topic = card.source?.topic;
  const summaryId = `card-${n}-summary`;
  const result = el('p', { class: 'feedback-result', role: 'status', 'aria-live': 'polite' });
  const controls = [];

  const finish = (outcome, lock) => {
    result.textContent = outcome.text;
    result.classList.toggle('feedback-result--error', !outcome.ok);
    if (lock) for (const c of controls) c.disabled = true;
  };

  const suggestionButtons = (card.suggestions ?? []).map((s) => {
    const button = el(
      'button',
      { type: 'button', class: 'suggestion', dataset: { suggestionUuid: s.uuid ?? '' } },
      s.label ?? 'Apply suggestion',
      s.isRecommended ? el('span', { class: 'recommended' }, ' (recommended)') : '',
    );
    button.addEventListener('click', async () => {
      // The actions are applied before feedback is sent, so the card locks whatever the feedback call answers.
      for (const c of controls) c.disabled = true;
      button.classList.add('suggestion--accepted');
      finish(await actions.accept(card, s), true);
    });
    controls.push(button);
    return el('li', {}, button, actionList(s.actions));
  });

  const override = overrideMenu(card, n, async (reason, comment) => {
    const outcome = await actions.override(card, reason, comment);
    finish(outcome, outcome.ok);
    return outcome.ok;
  });
  if (override) controls.push(...override.querySelectorAll('select, input, button'));

  return el(
    'article',
    {
      class: `card card--${indicator}`,
      'aria-labelledby': summaryId,
      dataset: { topic: topic?.code ?? '', indicator, cardUuid: card.uuid ?? '' },
    },
    el(
      'header',
      { class: 'card-header' },
      el('span', { class: `indicator indicator--${indicator}` }, INDICATOR_LABEL[indicator]),
      el('h3', { id: summaryId, class: 'card-summary' }, card.summary ?? '(no summary)'),
    ),
    el(
      'p',
      { class: 'card-meta' },
      'Source: ',
      linkOrText(card.source?.url, card.source?.label ?? 'unknown source'),
      topic ? [' · Topic: ', el('span', { class: 'topic' }, topic.display ?? topic.code), ' ', el('code', { class: 'topic-code' }, topic.code ?? '')] : '',
    ),
    card.detail ? el('div', { class: 'card-detail' }, renderMarkdown(card.detail)) : '',
    suggestionButtons.length > 0
      ? el(
          'div',
          { class: 'card-suggestions' },
          el('p', { class: 'label' }, card.selectionBehavior === 'at-most-one' ? 'Suggestion (choose at most one):' : 'Suggestions:'),
          el('ul', { class: 'suggestions' }, suggestionButtons),
        )
      : '',
    override,
    (card.links ?? []).length > 0
      ? el(
          'ul',
          { class: 'card-links' },
          card.links.map((l) => el('li', {}, linkOrText(l.url, l.label ?? l.url), l.type === 'smart' ? ' (SMART app)' : '')),
        )
      : '',
    result,
  );
}

/** A link when the URL is http(s), else just its label: a card cannot plant a javascript: link. */
function linkOrText(url, label) {
  const href = url ? safeUrl(url) : undefined;
  return href ? el('a', { href, target: '_blank', rel: 'noopener noreferrer' }, label ?? href) : el('span', {}, label ?? '');
}

/** What a suggestion would do, in words, under its button. */
function actionList(actions) {
  const items = (actions ?? []).map((a) => el('li', {}, `${a.type}: ${a.description ?? a.resource?.resourceType ?? ''}`));
  return items.length > 0 ? el('ul', { class: 'actions' }, items) : '';
}

function overrideMenu(card, n, onOverride) {
  const reasons = card.overrideReasons ?? [];
  if (reasons.length === 0) return '';
  const selectId = `card-${n}-override-reason`;
  const commentId = `card-${n}-override-comment`;
  const select = el(
    'select',
    { id: selectId, name: 'override-reason' },
    reasons.map((r, i) => el('option', { value: String(i) }, r.display ?? r.code)),
  );
  const comment = el('input', { id: commentId, name: 'override-comment', type: 'text', autocomplete: 'off' });
  const button = el('button', { type: 'button', class: 'override' }, 'Override card');
  button.addEventListener('click', async () => {
    button.disabled = true;
    const done = await onOverride(reasons[Number(select.value)], comment.value.trim());
    if (!done) button.disabled = false;
  });
  return el(
    'details',
    { class: 'override-menu' },
    el('summary', {}, 'Override…'),
    el(
      'div',
      { class: 'override-fields' },
      el('div', { class: 'field' }, el('label', { for: selectId }, 'Override reason'), select),
      el('div', { class: 'field' }, el('label', { for: commentId }, 'Comment (optional, not stored by the service)'), comment),
      button,
    ),
  );
}

/** Cards of a response, or a line saying there are none. */
export function renderCards(container, cards, actions) {
  container.replaceChildren();
  if (cards.length === 0) {
    container.append(el('p', { class: 'no-cards', dataset: { empty: 'true' } }, 'No cards: the service has nothing to say about these orders (only an order with one of the lumbar spine surgery codes of the criteria page is reviewed).'));
    return;
  }
  for (const card of cards) container.append(renderCard(card, actions));
}
