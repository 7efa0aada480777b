import type { Interspace } from '../orders/types.js';
import { asString } from './fhir-values.js';
import { levelMentions, sortInterspaces, type LevelMention } from './levels.js';

/**
 * Report text cut into sentences, the unit in which radiology reports state one finding.
 * Reports often list findings under level headings ("L3-L4: broad-based bulge. Moderate foraminal narrowing."):
 * a sentence that names no level of its own belongs to the heading above it. A heading's reach ends at the
 * next level heading, a blank line, another label ("IMPRESSION:", "Sacroiliac joints:") or a numbered item; a label
 * of a part of the level ("Central canal: patent.", "Left neural foramen: severe stenosis.") stays under it.
 */
export interface ReportSentence {
  /** The sentence, whitespace collapsed. */
  text: string;
  /** The level heading the sentence sits under, if any ("L3-L4"), and the interspaces it names. */
  heading?: { label: string; levels: Interspace[] };
  /** The sentence opens a paragraph (the text's first, or the first after a blank line). */
  opensParagraph?: true;
  /**
   * The sentence sits in a section that is not the study's findings: the question asked ("Indication: rule out
   * recurrent herniation"), the history, the technique, or an earlier study's result ("Comparison: MRI 2022 showing
   * severe stenosis"). It reaches to the end of the label's line, or, for a label alone on its line, to the next
   * blank line, label or level heading: reports often go on with their findings on the next line without a label.
   */
  aside?: true;
}

const ABBREVIATIONS = new Set(['approx', 'vs', 'eg', 'e.g', 'ie', 'i.e', 'dr', 'mr', 'mrs', 'ms', 'st', 'fig', 'cf', 'etc']);
const NUMBERED_ITEM = /^\(?\d{1,2}[.)](?:\s|$)/;
const SECTION_LABEL = /^[A-Za-z][A-Za-z /&()-]{0,40}:/;
/** Labels of a part of a level ("Central canal:", "Left neural foramen:"): they stay under the level heading. */
const LEVEL_PART_LABEL =
  /^(?:(?:left|right|bilateral)\s{1,3})?(?:central\s{1,3}(?:spinal\s{1,3})?canal|spinal\s{1,3}canal|canal|(?:neural\s{1,3})?foram(?:en|ina|inal)|neuro-?foram(?:en|ina|inal)|(?:lateral|subarticular)\s{1,3}recess(?:es)?|recess(?:es)?|discs?|disks?|facets?(?:\s{1,3}(?:joints?|arthropathy|hypertrophy))?|ligamentum\s{1,3}flavum|nerve\s{1,3}roots?|roots?|thecal\s{1,3}sac|posterior\s{1,3}elements|left|right|bilateral)(?:\s{1,3}(?:stenosis|narrowing|encroachment|compromise))?\s{0,3}:/i;
const ASIDE_LABEL =
  /^(?:clinical\s{1,3})?(?:indications?|history|reason\s{1,3}for\s{1,3}(?:exam|examination|study|referral)|comparisons?|technique|clinical\s{1,3}(?:information|data|question))\s{0,3}:/i;
const NOTHING_TO_COMPARE = /:\s{0,3}(?:none|n\/a|not available|no prior(?:\s{1,3}(?:studies|study|imaging|exams?|examinations?))?)\s{0,3}\.?$/i;
const LIST_GAP = /^\s{0,3}(?:,|&|\/|and|,\s{0,3}and)?\s{0,3}$/i;

export function splitReport(input: unknown): ReportSentence[] {
  const text = asString(input);
  if (!text) return [];
  const out: ReportSentence[] = [];
  for (const block of text.split(/\r?\n[ \t]*\r?\n/)) {
    let first = true;
    // A blank line ends a heading's reach, and an aside's.
    let heading: ReportSentence['heading'];
    let aside: 'line' | 'block' | undefined;
    for (const line of block.split(/\r?\n/)) {
      if (aside === 'line') aside = undefined;
      for (const piece of splitLine(line)) {
        const sentence = piece.text.replace(/\s+/g, ' ').trim();
        if (sentence === '') continue;
        let asideNow = false;
        if (piece.heading) {
          heading = piece.heading;
          aside = undefined;
        } else if (ASIDE_LABEL.test(sentence)) {
          heading = undefined;
          asideNow = true;
          // "COMPARISON: none." says nothing more; "COMPARISON:" alone on its line heads the lines below it.
          aside = NOTHING_TO_COMPARE.test(sentence) ? undefined : /:$/.test(sentence) ? 'block' : 'line';
        } else if ((SECTION_LABEL.test(sentence) && !LEVEL_PART_LABEL.test(sentence)) || NUMBERED_ITEM.test(sentence)) {
          heading = undefined;
          aside = undefined;
        }
        const read: ReportSentence = heading ? { text: sentence, heading } : { text: sentence };
        if (asideNow || aside !== undefined) read.aside = true;
        if (first) read.opensParagraph = true;
        first = false;
        out.push(read);
      }
    }
  }
  return out;
}

interface Piece {
  text: string;
  heading?: { label: string; levels: Interspace[] };
}

/** One line cut at level headings ("L3-L4:") and at sentence ends. */
function splitLine(line: string): Piece[] {
  // "Sagittal T2:" names an MRI sequence, not a heading: a single vertebra heads a section only if lumbar.
  const mentions = levelMentions(line);
  const firstText = line.search(/\S/);
  const headings: LevelMention[] = [];
  for (const [i, m] of mentions.entries()) {
    if (!(m.kind === 'interspace' || m.levels.length > 0) || !/^\s{0,3}:/.test(line.slice(m.end, m.end + 4))) continue;
    // A heading starts its line or a sentence: "Foraminal stenosis at L4-5: moderate" is one sentence about L4-5.
    if (!startsStatement(line, m.start, mentions.slice(Math.max(0, i - 8), i), firstText)) continue;
    // "L2-L3 and L3-L4:" heads one section for both levels.
    let start = m.start;
    const levels = [...m.levels];
    for (let k = i - 1; k >= 0 && LIST_GAP.test(line.slice(mentions[k]!.end, start)); k--) {
      start = mentions[k]!.start;
      levels.unshift(...mentions[k]!.levels);
    }
    headings.push({ ...m, start, levels: sortInterspaces(levels) });
  }
  const pieces: Piece[] = [];
  let from = 0;
  for (const [i, h] of headings.entries()) {
    pieces.push(...sentencesOf(line.slice(from, h.start)));
    const next = headings[i + 1]?.start ?? line.length;
    const section = sentencesOf(line.slice(h.start, next));
    if (section.length > 0) section[0]!.heading = { label: line.slice(h.start, h.end), levels: h.levels };
    pieces.push(...section);
    from = next;
  }
  if (from === 0) pieces.push(...sentencesOf(line));
  return pieces;
}

/** Whether a level mention at `start` opens the line or a sentence, alone or after other levels ("L2-L3 and L3-L4:"). */
function startsStatement(line: string, start: number, earlier: LevelMention[], firstText: number): boolean {
  let from = start;
  for (let k = earlier.length - 1; k >= 0 && LIST_GAP.test(line.slice(earlier[k]!.end, from)); k--) from = earlier[k]!.start;
  // What may stand before a heading: a sentence's end, a bullet or list mark, "At" or "Level" ("- L3-4:", "a) L3-4:").
  // Only the last characters are read, so a line of thousands of headings stays linear.
  const head = Math.max(0, from - 40);
  const tail = line.slice(head, from);
  return (head <= firstText && OPENS_LINE.test(tail)) || AFTER_SENTENCE.test(tail);
}

const OPENS_LINE = /^[ \t]*(?:[-\u2013\u2022*\u00b7]|\(?[a-z0-9]{1,2}[.)])?[ \t]{0,3}(?:at|levels?)?[ \t]*$/i;
const AFTER_SENTENCE = /[.!?:;][ \t]{0,8}(?:[-\u2013\u2022*\u00b7]|\(?[a-z0-9]{1,2}[.)])?[ \t]{0,3}(?:at|levels?)?[ \t]*$/i;

/** Cut at ".", "!" or "?" followed by white space, except after a common abbreviation. */
function sentencesOf(text: string): Piece[] {
  const pieces: Piece[] = [];
  let start = 0;
  // One character at a time: a quantified run here would backtrack quadratically on "......".
  for (const m of text.matchAll(/[.!?](?=\s)/g)) {
    const end = (m.index ?? 0) + 1;
    const word = /([A-Za-z.]+)\.$/.exec(text.slice(Math.max(start, end - 8), end))?.[1]?.toLowerCase();
    if (word && ABBREVIATIONS.has(word)) continue;
    pieces.push({ text: text.slice(start, end) });
    start = end;
  }
  pieces.push({ text: text.slice(start) });
  return pieces.filter((p) => p.text.trim() !== '');
}
