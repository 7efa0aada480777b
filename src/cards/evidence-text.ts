import type { EvidenceItem } from '../decision/types.js';
import { escapeMarkdown } from './text.js';
import { trimEnd } from '../trim-end.js';

/**
 * An evidence line starts with the resource type (a Condition may be a problem-list entry or an encounter
 * diagnosis, so it is named for neither); studies and reports are named by their own display instead.
 */
const NAMED_BY_DISPLAY = new Set(['ImagingStudy', 'DiagnosticReport']);

/** At most this many evidence items per criterion line: the detail is read in seconds. */
const MAX_ITEMS_PER_LINE = 3;

function mentionsLevel(text: string, level: string): boolean {
  const squashed = text.replace(/\s+/g, '').replace(/[/–—]/g, '-').toUpperCase();
  const [upper, lower] = level.split('-') as [string, string];
  return squashed.includes(`${upper}-${lower}`) || squashed.includes(`${upper}-${lower.slice(1)}`);
}

const SIDE_WORD = new Map<string, RegExp>();
function mentionsSide(text: string, side: string): boolean {
  let word = SIDE_WORD.get(side);
  // Sides are the three of the Side type; the bound only guards the cache against anything else.
  if (word === undefined) {
    // "bilaterally" says the side as well as "bilateral".
    word = new RegExp(`\\b${side}(?:ly)?\\b`, 'i');
    if (SIDE_WORD.size < 10) SIDE_WORD.set(side, word);
  }
  return word.test(text);
}

/**
 * One piece of evidence as "<kind> <date>: <display>, <level>, <side>", e.g.
 * "MRI lumbar spine 2025-10-02: moderate bilateral foraminal narrowing at L3-L4". Level and side are added
 * only when the text does not already say them. Every part coming from the record is markdown-escaped.
 */
export function evidenceText(item: EvidenceItem): string {
  const byDisplay = NAMED_BY_DISPLAY.has(item.resourceType);
  const kind = byDisplay ? item.display : item.resourceType;
  // An undated finding counts as of the order (criteria.md): the surgeon should see that it has no date.
  const dated = item.date && item.date.trim() !== '' ? item.date : 'undated';
  const date = item.startDate && dated !== 'undated' ? `${item.startDate} to ${dated}` : dated;
  const head = `${kind} ${date}`;
  let body = byDisplay ? (item.note ?? '') : item.display;
  if (!byDisplay && item.note && item.note.trim() !== '' && item.note.trim() !== item.display.trim()) {
    body = `${body} (${item.note})`;
  }
  // Trailing punctuation goes: the line adds its own after the evidence.
  const parts = [trimEnd(body.replace(/\s+/g, ' ').trim(), ' .,;:')];
  if (item.level && !mentionsLevel(body, item.level)) parts.push(item.level);
  if (item.side && !mentionsSide(body, item.side)) parts.push(item.side);
  const rest = parts.filter((p) => p !== '');
  const line = rest.length > 0 ? `${head}: ${rest.join(', ')}` : head;
  return escapeMarkdown(line === '' ? item.resourceType : line);
}

/** Several evidence items on one line, the first few shown and the rest counted. */
export function evidenceList(items: EvidenceItem[]): string {
  const shown = items.slice(0, MAX_ITEMS_PER_LINE).map(evidenceText);
  const more = items.length - shown.length;
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ');
}
