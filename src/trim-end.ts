/**
 * `text` without the run of `chars` at its end, in time linear in the text. A pattern such as `/[\s.]+$/` is not:
 * tried from every character of a run that does not reach the end ("a....b", "http://h//////x"), it takes time
 * quadratic in the run's length, and a request may carry a string of two million characters.
 */
export function trimEnd(text: string, chars: string | ((c: string) => boolean)): string {
  const drops = typeof chars === 'string' ? (c: string) => chars.includes(c) : chars;
  let end = text.length;
  while (end > 0 && drops(text[end - 1]!)) end--;
  return end === text.length ? text : text.slice(0, end);
}

const WHITE = /\s/;
/** Whitespace as `\s` reads it, for `trimEnd`. */
export const isWhite = (c: string): boolean => WHITE.test(c);
