import { INTERSPACES, type Interspace, type Side } from '../orders/types.js';
import { levelMentions, sortInterspaces } from '../text/levels.js';
import { splitReport, type ReportSentence } from '../text/sentences.js';
import { combineSides, sideMentions, sidesFromText, type SideMention } from '../text/sides.js';
import { hasFindingWord, readClause, statementCount, type ClauseReading, type Verdict } from './clause-reading.js';
import type { TermCategory } from './report-lexicon.js';
import type { ImagingFinding } from './types.js';

export const FINDING_TEXT_MAX = 160;

/** "No significant stenosis at any level" speaks about every lumbar level. */
const EVERY_LEVEL = /\b(?:any|all|each|every)\s{1,3}(?:lumbar\s{1,3})?(?:disc\s{1,3})?(?:levels?|interspaces?)\b/i;

/**
 * Compression findings per level in report text (fhir-conventions.md, "Imaging (R3)"): one finding per
 * sentence and level the sentence speaks about. A sentence speaks about the levels it names, or, naming none,
 * about every level if it says so ("at any level") or else the level heading it sits under. Within a sentence each clause ("…, but …", "…; …") is read on its own
 * and applies to the levels it names, else to the sentence's; compression in any clause wins for its level,
 * except a grade alone where the report says that level's root is free (freedRoots).
 * The side is that of the deciding clauses, else of the clauses that decide nothing ("left paracentral
 * protrusion at L4-5, but it is severe"); bilateral, or left with right, makes it bilateral.
 */
export function readImagingFindings(ref: string, text: unknown): ImagingFinding[] {
  const sentences: SentenceVotes[] = [];
  let prose: Interspace[] = [];
  for (const sentence of splitReport(text)) {
    if (sentence.opensParagraph || sentence.heading) prose = [];
    if (sentence.aside) continue;
    // "Moderate stenosis at L3-4; L4-5 normal": parts naming their own levels are read as sentences of their own.
    let previous: TermCategory | undefined;
    for (const part of levelParts(sentence.text, ';')) {
      const read = voteSentence(part, sentence.heading, previous, prose);
      sentences.push(read);
      previous = read.lastCategory;
      if (read.ownLevels.length > 0) prose = read.ownLevels;
    }
  }
  const freed = freedRoots(sentences.flatMap((s) => s.votes));
  return sentences.flatMap((s) => findingsOf(ref, s, freed));
}

/** What one clause says about one level. */
interface ClauseVote {
  level: Interspace;
  sides: Side[];
  reading: ClauseReading;
}

interface SentenceVotes {
  /** The evidence text of the sentence's findings. */
  shown: string;
  votes: ClauseVote[];
  lastCategory?: TermCategory;
  /** The levels the sentence names itself. */
  ownLevels: Interspace[];
}

/** "No stenosis at the other levels": a sentence about the levels not named before. */
const OTHER_LEVELS = /\b(?:other|remaining|rest|elsewhere)\b/i;
/** The carried sentence must be about the nerve roots ("a cyst displacing the kidney" is not). */
const NAMES_ROOT = /\b(?:nerve\s{1,3})?roots?\b/i;

interface LevelVotes {
  compression: Side[];
  noCompression: Side[];
  undecided: Side[];
  voted: Set<Verdict | 'none'>;
}

/**
 * `prose`: the levels of the paragraph's last sentence that named any, when no heading stands above. A sentence
 * naming no vertebra or level at all ("At L4-5 there is moderate foraminal narrowing. The exiting nerve roots are not
 * compressed.") speaks of them only when it is about the nerve roots, and only through a compressing word, asserted
 * or negated; its grades and other words are left unread, since prose may move on to another subject.
 */
function voteSentence(text: string, heading: ReportSentence['heading'], carried: TermCategory | undefined, prose: Interspace[]): SentenceVotes {
  const own = findingLevels(text);
  const onlyByWord =
    own.length === 0 && !heading && prose.length > 0 && !EVERY_LEVEL.test(text) && !OTHER_LEVELS.test(text) && NAMES_ROOT.test(text) && levelMentions(text).length === 0;
  const sentenceLevels = own.length > 0 ? own : EVERY_LEVEL.test(text) ? [...INTERSPACES] : (heading?.levels ?? (onlyByWord ? prose : []));
  if (sentenceLevels.length === 0) return { shown: '', votes: [], ownLevels: own };
  const shown = evidenceText(own.length === 0 && heading ? `${heading.label}: ${text}` : text);

  // Each clause, cut further where it states something of each side or of each finding, keeps the clause's levels.
  const pieces = clausesOf(text).flatMap((clause) => {
    const levels = findingLevels(clause);
    return withParts(clause)
      .flatMap(sideParts)
      .map((piece) => ({ piece, levels: levels.length > 0 ? levels : sentenceLevels }));
  });
  let previous = carried;
  const readings = pieces.map(({ piece }) => {
    const reading = readClause(piece, previous);
    previous = reading.lastCategory ?? previous;
    return reading;
  });
  // "Moderate right and mild left foraminal narrowing", "severe L4-5 and mild L3-4 canal stenosis": a grade with
  // no finding word of its own describes the one named after it.
  for (let k = readings.length - 2; k >= 0; k--) {
    const later = readings[k + 1]!.lastCategory;
    if (readings[k]!.lastCategory === undefined && readings[k]!.verdict === undefined && later) readings[k] = readClause(pieces[k]!.piece, later);
  }
  const votes: ClauseVote[] = [];
  pieces.forEach(({ piece, levels }, k) => {
    if (onlyByWord && !readings[k]!.byWord) return;
    const sides = sidesFromText(piece);
    for (const level of levels) votes.push({ level, sides, reading: readings[k]! });
  });
  return previous ? { shown, votes, lastCategory: previous, ownLevels: own } : { shown, votes, ownLevels: own };
}

/** A level named as the site of an operation next to the finding ("stenosis at L3-4 above the L4-5 fusion"). */
const OPERATION_AFTER = /^\s{0,3}(?:level\s{1,3})?(?:fusion|arthrodesis|laminectomy|hemilaminectomy|laminotomy|discectomy|microdiscectomy|decompression|construct|instrumentation|hardware|interbody|fixation)\b/i;
const RELATIVE_BEFORE = /\b(?:above|below|adjacent\s{1,3}to|superior\s{1,3}to|inferior\s{1,3}to|cephalad\s{1,3}to|caudal\s{1,3}to)\s{1,3}(?:the\s{1,3})?(?:prior\s{1,3}|previous\s{1,3}|existing\s{1,3})?$/i;

/**
 * The levels a text states a finding about: the levels it names, less those named only as the place of an
 * operation ("severe stenosis at L3-4 above the L4-5 fusion", "interval L4-5 fusion with new stenosis at L3-4"),
 * as long as another level is left ("recurrent stenosis at the L3-L4 laminectomy level" is about L3-L4).
 */
function findingLevels(text: string): Interspace[] {
  const mentions = levelMentions(text).filter((m) => m.levels.length > 0);
  const about = mentions.filter(
    (m) => !OPERATION_AFTER.test(text.slice(m.end, m.end + 30)) && !RELATIVE_BEFORE.test(text.slice(Math.max(0, m.start - 40), m.start)),
  );
  return sortInterspaces((about.length > 0 ? about : mentions).flatMap((m) => m.levels));
}

/**
 * The side at each level whose nerve root the report says is free ("no nerve root compression", "without
 * impingement"; bilateral when no side is named), in any clause about the level, unless a compressing word is
 * asserted for the level too. "Moderate narrowing without impingement" reads as no compression in one clause
 * (clause-reading.ts); "moderate narrowing; no nerve root compression", or the same in two sentences under one
 * heading, says the same thing and must read the same.
 */
function freedRoots(votes: ClauseVote[]): Map<Interspace, Side> {
  const freed = new Map<Interspace, Side>();
  const compressed = new Set<Interspace>();
  for (const v of votes) {
    if (!v.reading.byWord) continue;
    if (v.reading.verdict === 'compression') compressed.add(v.level);
    else freed.set(v.level, combineSides([freed.get(v.level), combineSides(v.sides) ?? 'bilateral'])!);
  }
  for (const level of compressed) freed.delete(level);
  return freed;
}

function findingsOf(ref: string, sentence: SentenceVotes, freed: Map<Interspace, Side>): ImagingFinding[] {
  const votes = new Map<Interspace, LevelVotes>();
  for (const { level, sides, reading } of sentence.votes) {
    const v = votes.get(level) ?? { compression: [], noCompression: [], undecided: [], voted: new Set() };
    votes.set(level, v);
    // A grade alone does not outweigh a free root on the same side ("moderate left narrowing; no left root compression").
    const free = freed.get(level);
    const rootFree = free === 'bilateral' || (free !== undefined && combineSides(sides) === free);
    const verdict = reading.verdict === 'compression' && !reading.byWord && rootFree ? 'no-compression' : reading.verdict;
    v.voted.add(verdict ?? 'none');
    if (verdict === 'compression') v.compression.push(...sides);
    else if (verdict === 'no-compression') v.noCompression.push(...sides);
    else v.undecided.push(...sides);
  }

  const findings: ImagingFinding[] = [];
  for (const level of sortInterspaces(votes.keys())) {
    const v = votes.get(level)!;
    const kind = v.voted.has('compression') ? 'compression' : v.voted.has('no-compression') ? 'no-compression' : undefined;
    if (!kind) continue;
    const side = combineSides(kind === 'compression' ? v.compression : v.noCompression) ?? combineSides(v.undecided);
    const finding: ImagingFinding = { ref, level, kind, text: sentence.shown };
    if (side) finding.side = side;
    findings.push(finding);
  }
  return findings;
}

const CLAUSE_TURNS = /;|\b(?:but|however|although|though|whereas|except|while)\b/i;

/**
 * Clauses of a sentence. A clause that names several levels and states several things ("moderate stenosis at
 * L3-4 and mild at L4-5") is cut between the levels; one statement about several levels ("mild foraminal
 * narrowing at L3-4 and L4-5") stays whole and applies to each.
 */
function clausesOf(sentence: string): string[] {
  return sentence.split(CLAUSE_TURNS).flatMap((clause) => (statementCount(clause) >= 2 ? levelParts(clause, ',| and | with ') : [clause]));
}

const SIDE_SEPARATORS = /,|\band\b|\bwith\b|\bwithout\b|\bwhile\b|\bwhereas\b/gi;

/**
 * A clause cut at "with" when both halves state a finding of their own ("moderate canal stenosis with mild left
 * foraminal narrowing"): the side, grade or negation of one finding must not pass to the other. "Moderate
 * narrowing with impingement of the root" states one finding and stays whole.
 */
function withParts(clause: string): string[] {
  const at = [...clause.matchAll(/\bwith\b/gi)].map((m) => m.index ?? 0);
  if (at.length === 0) return [clause];
  // Each stretch between two "with" is read once (a clause of thousands of "with" stays linear): whether it states
  // something and names a finding, and whether the rest of the clause from it on does.
  const bounds = [0, ...at, clause.length];
  const stretches = bounds.slice(0, -1).map((from, k) => {
    const text = clause.slice(from, bounds[k + 1]);
    return { states: statementCount(text) > 0, names: hasFindingWord(text) };
  });
  const restStates: boolean[] = [];
  const restNames: boolean[] = [];
  for (let k = stretches.length - 1; k >= 0; k--) {
    restStates[k] = stretches[k]!.states || (restStates[k + 1] ?? false);
    restNames[k] = stretches[k]!.names || (restNames[k + 1] ?? false);
  }
  const parts: string[] = [];
  let from = 0;
  let states = stretches[0]!.states;
  let names = stretches[0]!.names;
  for (let k = 1; k < stretches.length; k++) {
    if (states && names && restStates[k] && restNames[k]) {
      parts.push(clause.slice(from, bounds[k]));
      from = bounds[k]!;
      states = names = false;
    }
    states ||= stretches[k]!.states;
    names ||= stretches[k]!.names;
  }
  parts.push(clause.slice(from));
  return parts.map((p) => p.replace(/^\s*with\b\s*/i, '').trim()).filter((p) => p !== '');
}

/**
 * A clause that states something of the left and something else of the right ("moderate right narrowing with no
 * nerve root compression on the left", "moderate right and mild left foraminal narrowing") cut between the sides,
 * so that each side keeps its own grade: R3 asks for compression on the side of the symptoms, and a grade of one
 * side must not count for the other. One statement about both sides ("left and right foraminal narrowing,
 * moderate"), or any clause that says "bilateral", stays whole.
 */
function sideParts(clause: string): string[] {
  const mentions = sideMentions(clause);
  if (mentions.some((m) => m.side === 'bilateral') || new Set(mentions.map((m) => m.side)).size < 2 || statementCount(clause) < 2) return [clause];
  // Cut only where the side changes.
  const pairs = mentions.slice(1).map((m, k): [SideMention, SideMention] => [mentions[k]!, m]).filter(([a, b]) => a.side !== b.side);
  const parts = partsAt(clause, cutsBefore(clause, pairs, SIDE_SEPARATORS), false);
  // "without" stays: it negates the part it opens.
  return parts.length < 2 ? [clause] : parts.map((p) => p.replace(/^\s*(?:,|and\b|with\b)\s*/i, '').trim());
}

/**
 * A text cut before each level it names, at the last separator before that level, when the parts state
 * something each ("moderate stenosis at L3-4 and mild at L4-5"). A part that states nothing by itself
 * ("… at L3-4 and L4-5") stays with the part before it.
 */
function levelParts(text: string, separators: string): string[] {
  const mentions = levelMentions(text).filter((m) => m.levels.length > 0);
  if (mentions.length < 2) return [text];
  const cuts = cutsBefore(text, mentions.slice(1).map((m, k) => [mentions[k]!, m]), new RegExp(separators, 'gi'));
  return partsAt(text, cuts, true).map((p) => p.replace(/^\s*(?:;|,|and\b|with\b)\s*/i, '').trim()).filter((p) => p !== '');
}

/** For each pair of neighbouring mentions, the last separator between them, if any: where the text is cut. */
function cutsBefore(text: string, pairs: [{ end: number }, { start: number }][], separator: RegExp): number[] {
  const cuts: number[] = [];
  for (const [before, after] of pairs) {
    let last = -1;
    for (const m of text.slice(before.end, after.start).matchAll(separator)) last = m.index ?? last;
    if (last >= 0) cuts.push(before.end + last);
  }
  return cuts;
}

/**
 * The text cut at `cuts`. A part that states nothing of its own ("…, on the left", "… and L4-5") belongs to the part
 * before it; with `joinOpening`, a first part that states nothing takes the part after it too.
 */
function partsAt(text: string, cuts: number[], joinOpening: boolean): string[] {
  const parts: string[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    const part = text.slice(from, cut);
    from = cut;
    if (parts.length > 0 && statementCount(part) === 0) parts[parts.length - 1] += part;
    else if (joinOpening && parts.length === 1 && statementCount(parts[0]!) === 0) parts[0] += part;
    else parts.push(part);
  }
  return parts;
}

/** The sentence as evidence: white space collapsed, at most FINDING_TEXT_MAX characters. */
function evidenceText(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length <= FINDING_TEXT_MAX ? clean : `${clean.slice(0, FINDING_TEXT_MAX - 1).trimEnd()}\u2026`;
}
