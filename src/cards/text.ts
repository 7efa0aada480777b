/**
 * Text helpers for card fields. Evidence text comes from the patient record, so it is treated as
 * untrusted: it must not be able to inject markdown structure, links or HTML into the card detail.
 */
import { trimEnd } from '../trim-end.js';

/** CDS Hooks asks for a summary under 140 characters. */
export const SUMMARY_MAX = 139;

/**
 * A word that GitHub-flavoured markdown would turn into a link by itself (its autolink extension, and the linkify
 * of common renderers): a URL (http://, https:// or any scheme://), www., mailto: or xmpp:, or an e-mail address.
 * Matched anywhere in the word, so punctuation before it ("(www.x.org", "*a@b.org") cannot hide it. The scheme's
 * length is bounded so that a long run of letters is read in linear time.
 */
const LINKABLE = /[a-z][a-z0-9+.-]{0,31}:\/\/|www\.|(?:mailto|xmpp):|[a-z0-9._+-]@[a-z0-9_-]+\.[a-z0-9_-]/i;

/**
 * A word as a code span, where GFM neither autolinks nor reads markup. Its fence is one backtick longer than the
 * longest run inside it, and a word that starts or ends with a backtick is padded with one space each side (the
 * padding GFM strips), so no backtick in the word can close the span.
 */
function codeSpan(word: string): string {
  const longestRun = (word.match(/`+/g) ?? []).reduce((longest, run) => Math.max(longest, run.length), 0);
  const fence = '`'.repeat(longestRun + 1);
  const pad = word.startsWith('`') || word.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${word}${pad}${fence}`;
}

/**
 * Escapes text for use inside one markdown line. Whitespace (newlines included) is collapsed first, so
 * record text can never start a new block (heading, list, table, code fence); the characters that can
 * still open inline markup, links, autolinked HTML or entities are backslash-escaped. A word GFM would autolink
 * (a bare URL, www. or an e-mail address) goes in a code span instead: escaping its dots or slashes would not stop
 * the autolink, and a record must never put a link in a card.
 */
export function escapeMarkdown(text: string): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  if (!LINKABLE.test(collapsed)) return escapeWord(collapsed);
  return collapsed
    .split(' ')
    .map((word) => (LINKABLE.test(word) ? codeSpan(word) : escapeWord(word)))
    .join(' ');
}

function escapeWord(text: string): string {
  return text.replace(/[\\`*_[\]<>|~&#!]/g, (c) => `\\${c}`);
}

/** Shortens text to at most `max` UTF-16 units, at a word boundary when one is near, never splitting a surrogate pair. */
export function truncate(text: string, max: number = SUMMARY_MAX): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  let cut = max - 1;
  const code = clean.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  let head = clean.slice(0, cut);
  const space = head.lastIndexOf(' ');
  if (space >= cut - 24 && space > 0) head = head.slice(0, space);
  return `${trimEnd(head, ' ,;:.-')}…`;
}

/** Upper-cases the first letter (for lines that begin with a value from the decision). */
export function capitalise(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}
