/**
 * Text helpers for card fields. Evidence text comes from the patient record, so it is treated as
 * untrusted: it must not be able to inject markdown structure, links or HTML into the card detail.
 */

/** CDS Hooks asks for a summary under 140 characters. */
export const SUMMARY_MAX = 139;

/**
 * Escapes text for use inside one markdown line. Whitespace (newlines included) is collapsed first, so
 * record text can never start a new block (heading, list, table, code fence); the characters that can
 * still open inline markup, links, autolinked HTML or entities are backslash-escaped.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\`*_[\]<>|~&#!]/g, (c) => `\\${c}`);
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
  return `${head.replace(/[\s,;:.-]+$/, '')}…`;
}

/** Upper-cases the first letter (for lines that begin with a value from the decision). */
export function capitalise(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}
