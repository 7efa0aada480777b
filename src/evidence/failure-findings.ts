import type { Interspace } from '../orders/types.js';
import { bodyRegion, type BodyRegion } from '../text/body-region.js';
import { levelMentions, sortInterspaces, type LevelMention } from '../text/levels.js';
import { splitReport, type ReportSentence } from '../text/sentences.js';
import { FINDING_TEXT_MAX } from './imaging-findings.js';
import { DIFFERENTIAL, HEDGE_PAIRS, HEDGES, NEGATING_AFTER, NEGATION_CUES, NEGATION_PAIRS, NOT_AFTER, SCOPE_ENDS } from './report-lexicon.js';
import type { FailureFinding } from './types.js';

/**
 * Report sentences that state a biomechanical failure (criteria.md S1; fhir-conventions.md "Supporting
 * findings"): non-union or pseudarthrosis, hardware failure, a broken or fractured screw or rod, loosening,
 * lucency or a lucent halo around the hardware, listhesis, instability. One finding per such sentence and
 * lumbar level it names (no level when it names none); CQL decides which of them count for a plan.
 *
 * A failure word counts only when stated:
 * - not negated, before it ("no", "without", "negative for") or after it ("… is not present", "… ruled out",
 *   "lucency: none", "… is not confirmed", "… has resolved"). A negation or hedge after the failure words of a
 *   clause takes back every one of them ("pseudarthrosis, instability not seen");
 * - not hedged: "possible", "probable", "likely", "suspected", "questionable", "equivocal", "may", "cannot
 *   exclude", "concerning / suspicious / worrisome for", "suggestive of", "rule out", "evaluate for", "unlikely",
 *   a differential ("fibrosis versus pseudarthrosis"), "history of", "status post". S1 asks for a failure the
 *   record states; an uncertain one is what the card's documentation tip asks to confirm. "Consistent with",
 *   "compatible with" and "in keeping with" state it.
 * Negation and hedging reach from the cue to the end of the clause, or to "with", "there", "change"
 * ("no change in the lucency around the screws" states the lucency), or to a new statement after a negated
 * failure ("no listhesis at L2-3, grade 1 anterolisthesis at L3-4").
 *
 * Each failure word takes the lumbar levels of its own part of the sentence (cut between the levels it names,
 * as "solid fusion at L3-4 and L4-5 with grade 1 anterolisthesis at L5-S1" reads), else of its clause, its
 * sentence, or the level heading above it. A failure about the cervical or thoracic spine or another part of
 * the body ("C5-C6 pseudarthrosis", "lucency around the tibial component", "glenohumeral instability"), read
 * from its part, clause, sentence or heading, whichever says first, is left out.
 */
export function readFailureFindings(ref: string, text: unknown): FailureFinding[] {
  // Most texts (every problem on a long problem list) hold no failure word: they are not read further.
  if (typeof text !== 'string' || !MAY_STATE_FAILURE.test(text)) return [];
  const findings: FailureFinding[] = [];
  const seen = new Set<string>();
  for (const sentence of splitReport(text)) {
    if (sentence.aside) continue;
    const heading = new Context(sentence.heading?.label, undefined, sentence.heading?.levels ?? []);
    const outer = new Context(sentence.text, heading);
    for (const statement of sentence.text.split(';')) {
      const levels = failureLevels(new Context(statement, outer));
      if (levels.size === 0) continue;
      const shown = shownText(statement, sentence);
      for (const level of levels) {
        const key = `${level ?? ''}|${shown}`;
        if (shown === '' || seen.has(key)) continue;
        seen.add(key);
        findings.push(level ? { ref, level, text: shown } : { ref, text: shown });
      }
    }
  }
  return findings;
}

/**
 * A text around a failure word (its clause, statement, sentence, heading), read once for the region it names
 * and its lumbar levels, each falling back to the text around it: a long report stays linear.
 */
class Context {
  private regionRead = false;
  private regionValue: BodyRegion | undefined;
  private levelsValue: Interspace[] | undefined;

  constructor(
    readonly text: string | undefined,
    private readonly outer?: Context,
    private readonly ownLevels?: Interspace[],
  ) {}

  get region(): BodyRegion | undefined {
    if (!this.regionRead) {
      this.regionValue = bodyRegion(this.text) ?? this.outer?.region;
      this.regionRead = true;
    }
    return this.regionValue;
  }

  /** Its own lumbar levels, else those of the text around it. */
  get levels(): Interspace[] {
    this.levelsValue ??= this.ownLevels ?? this.read();
    return this.levelsValue;
  }

  private read(): Interspace[] {
    const own = this.text === undefined ? [] : lumbar(levelMentions(this.text));
    return own.length > 0 ? own : (this.outer?.levels ?? []);
  }
}

/** The levels of each failure the statement states (undefined: a failure that names no level). */
function failureLevels(statement: Context): Set<Interspace | undefined> {
  const out = new Set<Interspace | undefined>();
  for (const text of (statement.text ?? '').split(CLAUSE_TURNS)) {
    const stated = statedFailures(text);
    if (stated.length === 0) continue;
    const clause = new Context(text, statement);
    // Both in text order: each part with a stated failure in it, in one pass.
    let next = 0;
    for (const part of partsOf(text)) {
      while (next < stated.length && stated[next]! < part.from) next++;
      if (next >= stated.length || stated[next]! >= part.to) continue;
      const partContext = new Context(text.slice(part.from, part.to), clause);
      if (partContext.region === 'elsewhere') continue;
      // A part that names a lumbar or sacral vertebra ("the S1 screws") speaks of that one, not of the sentence's
      // levels; "T2" (an MRI sequence) names none.
      const own = part.mentions.filter((m) => bodyRegion(text.slice(m.start, m.end)) === 'lumbar');
      const levels = own.length > 0 ? lumbar(own) : clause.levels;
      if (levels.length === 0) out.add(undefined);
      for (const l of levels) out.add(l);
    }
  }
  return out;
}

const lumbar = (mentions: LevelMention[]): Interspace[] => sortInterspaces(mentions.flatMap((m) => m.levels));

const CLAUSE_TURNS = /\b(?:but|however|although|though|whereas|except|while)\b/i;

interface Token {
  word: string;
  /** Offset in the clause. */
  at: number;
}

/** A failure word or phrase at token i ("pseudarthrosis", "screw fracture", "the screws are loose"): how many tokens it takes (0: none). */
function failureAt(tokens: Token[], i: number): number {
  const w = tokens[i]!.word;
  const next = tokens[i + 1]?.word ?? '';
  if (SINGLE_FAILURE.test(w)) return w.startsWith('instabilit') && tokens[i - 1]?.word === 'gait' ? 0 : 1;
  if (PAIR_FAILURE.has(`${w} ${next}`)) return 2;
  if (HARDWARE.test(w) && BREAKS.test(next)) return 2;
  // "broken rod", "loose left L5 pedicle screw": the hardware within the next words that only say which one.
  if (BROKEN.test(w)) {
    let k = i + 1;
    while (k < i + 4 && WHICH.has(tokens[k]?.word ?? '')) k++;
    if (HARDWARE.test(tokens[k]?.word ?? '')) return k - i + 1;
  }
  if (HARDWARE.test(w) && COPULA.test(next) && BROKEN.test(tokens[i + 2]?.word ?? '')) return 3;
  // "fracture of the left L5 pedicle screw"
  if (/^(?:fractures?|breakage)$/.test(w) && next === 'of' && tokens.slice(i + 2, i + 7).some((t) => HARDWARE.test(t.word))) return 1;
  return 0;
}
/** A piece of every failure word and phrase below (SINGLE_FAILURE, PAIR_FAILURE, HARDWARE): a text without one states none. */
const MAY_STATE_FAILURE = /union|arthros|listhes|instabilit|lucenc|loosen|halo|screw|rod|plate|hardware/i;
const SINGLE_FAILURE = /^(?:nonunions?|pseudo?arthros[ie]s|[a-z]*listhes[ie]s|instabilit(?:y|ies)|[a-z]*lucenc(?:y|ies)|loosening|loosened)$/;
const PAIR_FAILURE = new Set(['non union', 'non unions', 'pseudo arthrosis', 'halo around', 'lucent halo', 'radiolucent halo', 'hardware failure']);
const HARDWARE = /^(?:screws?|rods?|plates?|hardware)$/;
const BREAKS = /^(?:fractures?|fractured|breakage|failure|loosening)$/;
const BROKEN = /^(?:broken|fractured|loose|loosened)$/;
const COPULA = /^(?:is|are|appears?|was|were|remains?)$/;
const WHICH = new Set(['left', 'right', 'bilateral', 'pedicle', 'iliac', 'the', 'a']);

/** Hedges of S1 beyond the compression lexicon's: a failure "probable", "concerning for" or "suggestive of" is not stated. */
const FAILURE_HEDGES = new Set(['probable', 'probably', 'likely', 'unlikely', 'suspect', 'suspicion', 'suspicious', 'concerning', 'worrisome', 'suggestive', 'suggests', 'suggesting', 'presumed', 'indeterminate', 'uncertain']);
/** After "not", words that take back what came before: "instability is not present", "… is not confirmed". */
const FAILURE_NOT_AFTER = new Set([...NOT_AFTER, 'confirmed', 'found', 'visible', 'apparent', 'shown', 'observed']);
/** Words that start a new statement after a negated failure: "no listhesis at L2-3, grade 1 anterolisthesis at L3-4". */
const OPENERS = new Set(['grade', 'new', 'interval', 'increased', 'increasing', 'progressive', 'progressed', 'developing', 'persistent']);

/** Offsets of the failure words the clause states. */
function statedFailures(clause: string): number[] {
  const tokens = tokensOf(clause);
  const terms: { at: number; taken: boolean }[] = [];
  // laterTerm[k]: a failure word at token k or after it.
  const laterTerm: boolean[] = new Array<boolean>(tokens.length + 1).fill(false);
  for (let k = tokens.length - 1; k >= 0; k--) laterTerm[k] = failureAt(tokens, k) > 0 || laterTerm[k + 1]!;
  let forward = false;
  let sinceCue = false;
  // A cue after failure words takes back all of them: every term before this index.
  let takenBefore = 0;
  const takeBack = () => (takenBefore = terms.length);
  /** A cue with a failure after it reaches forward; one with none after it takes back those before it ("lucency: none"). */
  const cue = (from: number) => {
    if (laterTerm[from]) {
      forward = true;
      sinceCue = false;
    } else takeBack();
  };

  for (let i = 0; i < tokens.length; i++) {
    const w = tokens[i]!.word;
    const next = tokens[i + 1]?.word;
    const length = failureAt(tokens, i);
    if (length > 0) {
      terms.push({ at: tokens[i]!.at, taken: forward });
      if (forward) sinceCue = true;
      i += length - 1;
    } else if (w === 'not' && next !== undefined && FAILURE_NOT_AFTER.has(next)) {
      takeBack();
      i++;
    } else if (NEGATING_AFTER.has(w) || (w === 'ruled' && next === 'out') || (w === 'negative' && next !== 'for')) {
      takeBack();
    } else if (DIFFERENTIAL.has(w) || (w === 'rather' && next === 'than')) {
      // A differential states none of its candidates.
      takeBack();
      forward = true;
      sinceCue = false;
    } else if (NEGATION_PAIRS.has(w) && next === NEGATION_PAIRS.get(w)) {
      cue(i + 2);
      i++;
    } else if (HEDGE_PAIRS.has(w) && next === HEDGE_PAIRS.get(w)) {
      cue(i + 2);
      i++;
    } else if ((NEGATION_CUES.has(w) && w !== 'non') || HEDGES.has(w) || FAILURE_HEDGES.has(w) || (w === 'status' && next === 'post') || (w === 's' && next === 'p')) {
      cue(i + 1);
    } else if (SCOPE_ENDS.has(w) || (forward && sinceCue && OPENERS.has(w) && !/^(?:or|nor)$/.test(tokens[i - 1]?.word ?? ''))) {
      forward = false;
    }
  }
  return terms.filter((t, k) => k >= takenBefore && !t.taken).map((t) => t.at);
}

/** Lower-case words with their offsets, level mentions blanked so that "L3-4" is not read as words. */
function tokensOf(clause: string): Token[] {
  const kept: string[] = [];
  let from = 0;
  for (const m of levelMentions(clause)) {
    kept.push(clause.slice(from, m.start), ' '.repeat(m.end - m.start));
    from = m.end;
  }
  kept.push(clause.slice(from));
  return [...kept.join('').toLowerCase().matchAll(/[a-z]+|\d+/g)].map((m) => ({ word: m[0], at: m.index ?? 0 }));
}

/**
 * The parts of a clause: cut before each level it names, at the last "," / "and" / "with" before that level, unless
 * only a list stands between the two levels ("L3-L4 and L4-L5 pseudarthrosis", "loosening of the T12 and L1 screws").
 */
function partsOf(clause: string): { from: number; to: number; mentions: LevelMention[] }[] {
  const mentions = levelMentions(clause);
  const parts: { from: number; to: number; mentions: LevelMention[] }[] = [{ from: 0, to: clause.length, mentions: mentions.slice(0, 1) }];
  for (let k = 1; k < mentions.length; k++) {
    const between = clause.slice(mentions[k - 1]!.end, mentions[k]!.start);
    let last = -1;
    if (!LEVEL_LIST.test(between)) for (const m of between.matchAll(/,|\band\b|\bwith\b/gi)) last = m.index ?? last;
    const current = parts[parts.length - 1]!;
    if (last < 0) {
      current.mentions.push(mentions[k]!);
      continue;
    }
    current.to = mentions[k - 1]!.end + last;
    parts.push({ from: current.to, to: clause.length, mentions: [mentions[k]!] });
  }
  return parts;
}
/** What stands between two levels of one list. */
const LEVEL_LIST = /^[\s,&/]*(?:(?:and|or|at|the)[\s,&/]+)*$/i;

/** The statement as evidence: under a level heading and naming no level itself, with the heading; trimmed. */
function shownText(statement: string, sentence: ReportSentence): string {
  const own = levelMentions(statement).length > 0 || !sentence.heading || statement.trimStart().startsWith(sentence.heading.label);
  const whole = (own ? statement : `${sentence.heading!.label}: ${statement}`).replace(/\s+/g, ' ');
  // The final full stop goes (cards join the quotes with ". "); a loop, as a regex over a run of dots is quadratic.
  let end = whole.length;
  while (end > 0 && (whole[end - 1] === '.' || whole[end - 1] === ' ')) end--;
  const clean = whole.slice(0, end).trimStart();
  return clean.length <= FINDING_TEXT_MAX ? clean : `${clean.slice(0, FINDING_TEXT_MAX - 1).trimEnd()}\u2026`;
}
