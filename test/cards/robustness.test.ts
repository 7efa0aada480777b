import { buildCards } from '../../src/cards/build-cards.js';
import { escapeMarkdown, truncate } from '../../src/cards/text.js';
import type { CriterionResult, EvidenceItem, PlanDecision } from '../../src/decision/types.js';
import type { Interspace } from '../../src/orders/types.js';
import { ctx, draftOrder, emptyValues, metDecision, plan, serviceRequest } from './card-fixtures.js';

const hostile = 'Foot *drop* _left_ [click](http://evil.example) <img src=x onerror=alert(1)> | a | `code` ~~x~~ &amp; \\ !\n# Heading\n- item\n```';

describe('markdown escaping of record text', () => {
  it('escapes inline markup, links, HTML and entities, and never lets record text start a block', () => {
    const item: EvidenceItem = { resourceType: 'Condition', id: 'c', date: '2025-01-01', display: hostile, note: '1. numbered\n> quote' };
    const base = metDecision();
    const d: PlanDecision = { ...base, criteria: base.criteria.map((c) => (c.id === 'R2' ? { ...c, evidence: [item] } : c)) };
    const [card] = buildCards([{ plan: plan([draftOrder(serviceRequest('sr-1', '22612'), 'inpatient')]), decision: d }], ctx);
    const detail = card!.detail!;
    expect(detail).not.toMatch(/(^|[^\\`])\[click\]\(/);
    // The word holds a bare URL: it goes whole into a code span, where nothing is a link.
    expect(detail).toContain('`[click](http://evil.example)`');
    expect(detail).not.toMatch(/(^|[^\\])<img/);
    expect(detail).toContain('\\*drop\\*');
    expect(detail).toContain('\\_left\\_');
    expect(detail).toContain('\\&amp;');
    expect(detail).toContain('\\`code\\`');
    const lines = detail.split('\n');
    expect(lines.some((l) => /^#|^> |^1\. |^```/.test(l))).toBe(false);
    expect(lines.filter((l) => l.startsWith('- **R2 '))).toHaveLength(1);
  });

  it('does not double the full stop after evidence text that ends with one', () => {
    const item: EvidenceItem = { resourceType: 'DiagnosticReport', id: 'd', date: '2026-09-15', display: 'MRI lumbar spine', note: 'L3-L4: moderate bilateral foraminal narrowing.' };
    const base = metDecision();
    const d: PlanDecision = { ...base, criteria: base.criteria.map((c) => (c.id === 'R3' ? { ...c, evidence: [item] } : c)) };
    const [card] = buildCards([{ plan: plan([draftOrder(serviceRequest('sr-1', '22612'), 'inpatient')]), decision: d }], ctx);
    expect(card!.detail).toContain('MRI lumbar spine 2026-09-15: L3-L4: moderate bilateral foraminal narrowing.\n');
    expect(card!.detail).not.toContain('..');
  });

  it('escapeMarkdown collapses newlines and escapes specials', () => {
    expect(escapeMarkdown('a\n\n# b *c*')).toBe('a \\# b \\*c\\*');
    expect(escapeMarkdown('moderate bilateral foraminal narrowing at L3-L4.')).toBe('moderate bilateral foraminal narrowing at L3-L4.');
  });
});

/** The detail with its code spans taken out (CommonMark: a run of n backticks closes at the next run of exactly n). */
function outsideCodeSpans(markdown: string): { outside: string; spans: string[] } {
  const spans: string[] = [];
  let outside = '';
  let i = 0;
  while (i < markdown.length) {
    if (markdown[i] === '\\') {
      outside += markdown.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (markdown[i] !== '`') {
      outside += markdown[i];
      i += 1;
      continue;
    }
    const run = /^`+/.exec(markdown.slice(i))![0];
    const close = new RegExp(`(?<!\`)${run}(?!\`)`, 'g');
    close.lastIndex = i + run.length;
    const end = close.exec(markdown);
    if (!end) {
      outside += run;
      i += run.length;
      continue;
    }
    const content = markdown.slice(i + run.length, end.index);
    spans.push(/^ .*[^ ].* $/.test(content) ? content.slice(1, -1) : content);
    i = end.index + run.length;
  }
  return { outside, spans };
}

describe('record text never becomes a link', () => {
  const AUTOLINKABLE = /https?:\/\/|www\.|[a-z0-9._+-]@[a-z0-9_-]+\.[a-z0-9_-]|mailto:/i;
  const linky = [
    'https://evil.example/phish?x=1',
    'www.evil.example/login',
    'a@evil.example',
    '(http://pacs.evil.example/report?id=1)',
    '<https://auto.example>',
    'http://x.example/`a`',
    '`www.x.example`',
    'mailto:someone@x.example',
    'ftp://files.example/a',
    'x``https://y.example```z',
  ];

  it.each(linky)('%s goes whole into a code span; the text around it keeps its escaping', (word) => {
    const out = escapeMarkdown(`Foot *drop* see ${word} or [x]`);
    const { outside, spans } = outsideCodeSpans(out);
    expect(spans).toEqual([word]);
    expect(outside).not.toMatch(AUTOLINKABLE);
    expect(outside).toBe('Foot \\*drop\\* see  or \\[x\\]');
  });

  it('leaves text without links as it was escaped before', () => {
    expect(escapeMarkdown('L3-L4: moderate stenosis. Dr. Smith, clinic')).toBe('L3-L4: moderate stenosis. Dr. Smith, clinic');
    expect(escapeMarkdown('foo@bar, x.y@z, 1.5 mm')).toBe('foo@bar, x.y@z, 1.5 mm');
  });

  it('in a card, record text holds no link outside code spans; the service link to the criteria page stays', () => {
    const item: EvidenceItem = {
      resourceType: 'DiagnosticReport',
      id: 'd',
      date: '2025-10-02',
      display: 'MRI lumbar spine www.evil.example',
      note: 'L3-L4 moderate narrowing, details at http://pacs.evil.example/report?id=1 or ask a@evil.example',
    };
    const base = metDecision();
    const d: PlanDecision = { ...base, criteria: base.criteria.map((c) => (c.id === 'R3' ? { ...c, evidence: [item] } : c)) };
    const [card] = buildCards([{ plan: plan([draftOrder(serviceRequest('sr-1', '22612'), 'inpatient')]), decision: d }], ctx);
    const { outside, spans } = outsideCodeSpans(card!.detail!);
    expect(outside).not.toMatch(AUTOLINKABLE);
    expect(spans).toEqual(['www.evil.example', 'http://pacs.evil.example/report?id=1', 'a@evil.example']);
    expect(card!.links).toEqual([{ label: 'Revision lumbar fusion criteria', url: 'https://cds.example.org/criteria/lumbar-fusion-criteria', type: 'absolute' }]);
  });

  it('stays linear on a long run of letters and on many backticks', () => {
    const started = Date.now();
    escapeMarkdown('a'.repeat(100_000));
    escapeMarkdown(`http://x.example/${'`a'.repeat(50_000)}`);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('summary length', () => {
  it('truncate keeps text under the limit, on a word boundary, without splitting surrogate pairs', () => {
    const long = 'word '.repeat(60);
    const t = truncate(long);
    expect(t.length).toBeLessThan(140);
    expect(t.endsWith('…')).toBe(true);
    expect(t).not.toMatch(/ …$/);
    const emoji = '😀'.repeat(100);
    const e = truncate(emoji);
    expect(e.length).toBeLessThan(140);
    expect(/[\uD800-\uDBFF]…$/.test(e)).toBe(false);
    expect(truncate('short')).toBe('short');
  });

  it('every card stays under 140 characters and free of empty values, whatever the decision', () => {
    const levels: (Interspace | 'unknown')[] = ['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1', 'unknown'];
    const statuses: CriterionResult['status'][] = ['met', 'not-met', 'not-documented'];
    const longDisplay = 'x'.repeat(500);
    let seen = 0;
    for (const level of levels)
      for (const kind of ['fusion', 'decompression', 'other'] as const)
        for (const determination of ['criteria-met', 'criteria-not-met', 'documentation-incomplete'] as const)
          for (const s of statuses) {
            const base = metDecision({ level, kind, determination, considerFusion: true, inpatientRecommended: true, inpatientReasons: ['revision-fusion', 'dural-tear', 'progressive-deficit', 'some-new-reason'] });
            const d: PlanDecision = {
              ...base,
              criteria: base.criteria.map((c) => ({ ...c, status: s, evidence: [...c.evidence, { resourceType: 'Observation', id: 'o', display: longDisplay, note: longDisplay }] })),
              supporting: [
                { id: 'S1', status: 'present', evidence: [] },
                { id: 'S4', status: 'absent', smoking: 'never', evidence: [] },
              ],
            };
            const orders = [draftOrder(serviceRequest('sr-1', '22612', { code: { text: longDisplay } }))];
            const cards = buildCards([{ plan: plan(orders, level), decision: d }], ctx);
            expect(cards.length).toBeGreaterThanOrEqual(3);
            for (const card of cards) {
              seen += 1;
              expect(card.summary.length).toBeLessThan(140);
              expect(emptyValues(card)).toEqual([]);
              expect(JSON.stringify(card)).not.toMatch(/undefined|NaN|null/);
              if (card.suggestions) expect(card.selectionBehavior).toBe('at-most-one');
            }
          }
    expect(seen).toBeGreaterThan(400);
  });
});
