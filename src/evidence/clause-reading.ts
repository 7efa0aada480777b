import { levelMentions } from '../text/levels.js';
import {
  ANATOMY,
  FILLER,
  GRADE_CONSUMERS,
  DIFFERENTIAL,
  GRADES,
  HEDGE_PAIRS,
  HEDGES,
  NEGATING_AFTER,
  NEGATION_CUES,
  NEGATION_PAIRS,
  NOT_AFTER,
  NOT_ROOT_OBJECTS,
  PAST_GRADE,
  SCOPE_ENDS,
  TERMS,
  type Grade,
  type TermCategory,
} from './report-lexicon.js';

/**
 * What one clause of a report sentence says about neural compression (fhir-conventions.md, "Imaging (R3)").
 *
 * A clause is read word by word: a negation cue ("no", "without", "negative for") or a hedge ("possible",
 * "status post") covers the finding words after it until the clause turns ("with", "there", a new grade after
 * a negated finding: "no central stenosis, moderate foraminal narrowing"); a grade word describes the next
 * finding word ("moderate bilateral foraminal narrowing") or, left over at the end, the last ungraded one
 * ("stenosis is severe"); a grade that describes something else ("minimal disc height loss") is spent there.
 * A range of grades ("mild to moderate") counts as its lower end; a change ("progressed from mild to severe") as
 * the grade reached, and a past grade ("previously severe") not at all. A grade inside a negated list ("no
 * herniation or significant stenosis", "no A, B, or C") stays negated. A hedge right after a finding ("… is
 * unlikely", "… may be present") hedges that finding, a differential ("scar versus recurrent herniation") the
 * finding just before it and those after it.
 *
 * The verdict, in this order:
 * 1. compression: a compressing word ("compressing", "impingement", "effacing") not negated, hedged or mild;
 *    or stenosis/narrowing/herniation graded at least moderate, or called recurrent without a grade;
 * 2. no-compression: a negated compressing word about a nerve root ("moderate narrowing without impingement"
 *    says the root is free, which is what the criterion asks);
 * 3. no-compression: any negated or mild finding, patent foramina/canal, or "normal"/"unremarkable" about the
 *    canal, foramina or roots or about the level as a whole;
 * 4. otherwise nothing ("post-operative changes", "disc desiccation", an ungraded bulge).
 * Verdicts 1 and 2 rest on a compressing word, and keep their precedence over a grade when the word and the grade
 * sit in different clauses about one level (imaging-findings.ts).
 */
export type Verdict = 'compression' | 'no-compression';

export interface ClauseReading {
  verdict?: Verdict;
  /** The verdict rests on a compressing word, asserted or negated about a root (verdicts 1 and 2), not on a grade. */
  byWord?: boolean;
  /** The kind of the clause's last finding word, for an elliptical clause after it ("…, but severe at L5-S1"). */
  lastCategory?: TermCategory;
}

interface Term {
  category: TermCategory;
  grade?: Grade;
  recurrent: boolean;
  negated: boolean;
  hedged: boolean;
  /** false when the compressing word is about the cord, conus or cauda equina rather than a root. */
  aboutRoot: boolean;
  /** Index of the finding word among the clause's words. */
  at: number;
}

const GRADE_JOINS = new Set(['to', 'and', 'or', 'left', 'right', 'bilateral', 'bilaterally']);
/** Hedges that may also stand after the finding they hedge ("herniation at L4-5 is unlikely"). */
const TRAILING_HEDGES = new Set(['possible', 'suspected', 'questionable', 'equivocal', 'unlikely', 'indeterminate', 'uncertain']);
/** Modal hedges that hedge what came before only as "may be …" / "cannot be …" ("… may be present"). */
const TRAILING_MODALS = new Set(['may', 'might', 'could', 'cannot']);
const LIST_WORDS = new Set(['or', 'nor']);
/** "ranging from mild to moderate" is a range, not a change. */
const RANGE_VERBS = new Set(['ranging', 'range', 'ranges', 'varying', 'varies', 'vary']);
/** Words that may stand between a finding and the hedge that follows it ("herniation at L4-5 is unlikely"). */
const TO_TRAILING_HEDGE = new Set(['seems', 'felt', 'thought', 'considered', 'side', 'sided', 'this', 'that', 'was', 'were', 'been']);
/** Grades often used in a negated list, with or without its comma ("no herniation, significant stenosis or narrowing"). */
const LIST_QUALIFIERS = new Set(['significant', 'significantly', 'high', 'substantial', 'considerable', 'critical', 'gross', 'frank']);
const PATENT = new Set(['patent', 'capacious']);
const WIDELY = new Set(['widely', 'well', 'adequately']);
const NORMAL = new Set(['normal', 'unremarkable']);
const NOT_COMPRESSION_AFTER = new Set(['fracture', 'fractures', 'deformity']);
const SPACE_WORDS = new Set(['space', 'height']);

/** Lower-case words of a clause, level mentions removed so that "L3-4" does not read as words. */
export function wordsOf(text: string): string[] {
  const kept: string[] = [];
  let from = 0;
  for (const m of levelMentions(text)) {
    kept.push(text.slice(from, m.start));
    from = m.end;
  }
  kept.push(text.slice(from));
  return kept.join(' ').toLowerCase().match(/[a-z]+|\d+/g) ?? [];
}

/** How many words of the text state something by themselves: grades, negations, "normal", "patent". */
export function statementCount(text: string): number {
  return wordsOf(text).filter((w) => GRADES.has(w) || NEGATION_CUES.has(w) || NORMAL.has(w) || PATENT.has(w)).length;
}

/** Whether the text has a finding word (stenosis, herniation, compression…). */
export function hasFindingWord(text: string): boolean {
  return wordsOf(text).some((w) => TERMS.has(w) || w === 'mass');
}

export function readClause(text: string, previous?: TermCategory): ClauseReading {
  const words = wordsOf(text);
  const terms: Term[] = [];
  let negated = false;
  let hedged = false;
  let findingSinceCue = false;
  let pending: Grade | undefined;
  let lastGradeAt = -10;
  let recurrent = false;
  let patent = false;
  let normal = false;
  let anatomy = false;
  let otherTopic = false;
  let trailingHedgeAt = -1;
  const differentialAt: number[] = [];
  // A list item ("no A, B, or C") needs the list's comma before "or": "no central stenosis, severe left foraminal
  // stenosis or lateral recess narrowing" states a severe stenosis.
  const oxfordList = /,\s*(?:or|nor)\b/i.test(text);

  // listAhead[k]: from word k on, before the scope ends, "or"/"nor" comes with a finding word within three words.
  const listAhead: boolean[] = new Array<boolean>(words.length + 1).fill(false);
  for (let k = words.length - 1; k >= 0; k--) {
    const w = words[k]!;
    listAhead[k] = SCOPE_ENDS.has(w) ? false : (LIST_WORDS.has(w) && words.slice(k + 1, k + 4).some((p) => TERMS.has(p))) || listAhead[k + 1]!;
  }
  /**
   * A grade inside a negated list is part of the list ("no herniation or significant stenosis", "no herniation,
   * high-grade stenosis, or foraminal narrowing"), not a new statement: it follows "or"/"nor", or, in a list with
   * its comma before "or", the clause goes on with "or" and another finding word before its scope ends.
   */
  const inNegatedList = (at: number): boolean => LIST_WORDS.has(words[at - 1] ?? '') || ((oxfordList || LIST_QUALIFIERS.has(words[at]!)) && listAhead[at + 1]!);

  const negateEarlier = () => terms.forEach((t) => (t.negated = true));
  const ungraded: Term[] = [];
  const gradeLastUngraded = (g: Grade) => {
    const term = ungraded.pop();
    if (term) term.grade = g;
  };
  const push = (category: TermCategory, at: number) => {
    // The object follows the word ("compression of the cord") or comes right before it ("cauda equina compression").
    const object = [...words.slice(Math.max(0, at - 2), at), ...words.slice(at + 1, at + 5)];
    const term: Term = { category, grade: pending, recurrent, negated, hedged, aboutRoot: !object.some((w) => NOT_ROOT_OBJECTS.has(w)), at };
    terms.push(term);
    if (term.grade === undefined) ungraded.push(term);
    pending = undefined;
    recurrent = false;
    if (negated || hedged) findingSinceCue = true;
  };

  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    if (w === 'not' && next !== undefined && NOT_AFTER.has(next)) {
      negateEarlier();
      i++;
    } else if ((w === 'no' && next === 'longer' && terms.length > 0) || (w === 'in' && next === 'error')) {
      // "the stenosis … is no longer present", "the earlier read of moderate narrowing was in error": retracted.
      negateEarlier();
      i++;
    } else if (NEGATING_AFTER.has(w) || (w === 'ruled' && next === 'out')) {
      // "recurrent stenosis cannot be excluded" leaves the question open; "has resolved" closes it.
      if (words.slice(Math.max(0, i - 3), i).some((p) => p === 'cannot' || p === 'not')) terms.forEach((t) => (t.hedged = true));
      else negateEarlier();
    } else if (NEGATION_CUES.has(w) || (NEGATION_PAIRS.has(w) && next === NEGATION_PAIRS.get(w))) {
      negated = true;
      findingSinceCue = false;
      if (NEGATION_PAIRS.has(w)) i++;
    } else if (DIFFERENTIAL.has(w) || (w === 'rather' && next === 'than')) {
      differentialAt.push(i);
    } else if (HEDGES.has(w) || (HEDGE_PAIRS.has(w) && next === HEDGE_PAIRS.get(w)) || (w === 'status' && next === 'post') || (w === 's' && next === 'p')) {
      if (TRAILING_HEDGES.has(w) || (TRAILING_MODALS.has(w) && next === 'be')) trailingHedgeAt = i;
      hedged = true;
      findingSinceCue = false;
      if (HEDGE_PAIRS.has(w) && next === HEDGE_PAIRS.get(w)) i++;
    } else if (TRAILING_HEDGES.has(w)) {
      trailingHedgeAt = i;
    } else if (SCOPE_ENDS.has(w)) {
      negated = false;
      hedged = false;
      pending = undefined;
    } else if (GRADES.has(w) || ((w === 'high' || w === 'low') && next === 'grade')) {
      const g: Grade = w === 'high' ? 'moderate' : w === 'low' ? 'mild' : GRADES.get(w)!;
      if (w === 'high' || w === 'low') i++;
      // "previously severe stenosis, now mild": a past grade says nothing of the study's own finding.
      if (PAST_GRADE.has(words[i - 1] ?? '')) continue;
      // A new grade after a negated finding starts a new, positive statement, unless it is an item of a negated list.
      if ((negated || hedged) && findingSinceCue && !inNegatedList(i)) negated = hedged = false;
      const between = words.slice(lastGradeAt + 1, i);
      const joined = pending !== undefined && lastGradeAt >= i - 4 && between.every((p) => GRADE_JOINS.has(p));
      // "moderate right and mild left": the highest grade of one run counts. But "mild to moderate" ("mild-moderate")
      // is a range, and the criterion asks for at least moderate, which only its lower end guarantees.
      const range = joined && between.every((p) => p === 'to');
      // "progressed from mild to severe" is a change, not a range: the grade it reached is the finding.
      const change = range && words[lastGradeAt - 1] === 'from' && !RANGE_VERBS.has(words[lastGradeAt - 2] ?? '');
      // "narrowing is moderate on the left, mild on the right": an unjoined earlier grade described the finding before it.
      if (pending !== undefined && !joined) gradeLastUngraded(pending);
      pending = change ? g : range ? pending : joined && pending === 'moderate' ? 'moderate' : g;
      lastGradeAt = i;
    } else if (w === 'recurrent' || w === 'recurrence') {
      recurrent = true;
    } else if (PATENT.has(w) || (w === 'decompressed' && WIDELY.has(words[i - 1] ?? ''))) {
      if (!negated) patent = true;
    } else if (NORMAL.has(w)) {
      if (!negated) normal = true;
    } else if (w === 'mass' && next === 'effect') {
      push('action', ++i);
    } else if (TERMS.has(w)) {
      const category = TERMS.get(w)!;
      const spaceNarrowing = w.startsWith('narrow') && words.slice(Math.max(0, i - 3), i).some((p) => SPACE_WORDS.has(p)) && !words.slice(Math.max(0, i - 3), i).some((p) => ANATOMY.has(p));
      const notNeural = category === 'action' && next !== undefined && NOT_COMPRESSION_AFTER.has(next);
      if (spaceNarrowing || notNeural) {
        // "disc space narrowing" and "compression fracture" are not about the nerves.
        pending = undefined;
        otherTopic = true;
      } else {
        push(category, i);
      }
    } else if (GRADE_CONSUMERS.has(w)) {
      pending = undefined;
      otherTopic = true;
    } else if (ANATOMY.has(w)) {
      anatomy = true;
    } else if (!FILLER.has(w) && !/^\d/.test(w)) {
      otherTopic = true;
    }
  }

  if (pending !== undefined) gradeLastUngraded(pending);
  // A structured report answers after the finding: "Foraminal stenosis: none." negates what it answers.
  const lastWord = words.length - 1 - [...words].reverse().findIndex((w) => !FILLER.has(w));
  if (words[lastWord] === 'none' && terms.length > 0 && terms.every((t) => t.at < lastWord)) negateEarlier();
  // A hedge after a finding ("recurrent herniation at L4-5 is unlikely", "… may be present") hedges that finding
  // when nothing but "is", "at", a level... stands between them ("severe stenosis, recurrent herniation unlikely"
  // still states the stenosis; "…, infection unlikely" hedges nothing).
  const final = terms[terms.length - 1];
  const between = (w: string) => TO_TRAILING_HEDGE.has(w) || FILLER.has(w) || ANATOMY.has(w) || /^\d/.test(w);
  if (final && !final.negated && trailingHedgeAt > final.at && words.slice(final.at + 1, trailingHedgeAt).every(between)) {
    final.hedged = true;
  }
  // A differential hedges the finding just before it and every finding after it, up to where the clause turns.
  for (const d of differentialAt) {
    const end = words.findIndex((w, k) => k > d && SCOPE_ENDS.has(w));
    for (const t of terms) if (!t.negated && ((t.at < d && t.at >= d - 4) || (t.at > d && (end < 0 || t.at < end)))) t.hedged = true;
  }
  // "Mild narrowing at L3-4, but severe at L5-S1" / "…, none at L4-5": the finding word is left out.
  if (terms.length === 0 && previous !== undefined && (pending !== undefined || negated)) {
    terms.push({ category: previous, grade: pending, recurrent: false, negated, hedged, aboutRoot: true, at: words.length });
  }

  const reading: ClauseReading = {};
  const last = terms[terms.length - 1];
  if (last) reading.lastCategory = last.category;
  return { ...reading, ...verdictOf(terms, patent, normal && (anatomy || !otherTopic)) };
}

function verdictOf(terms: Term[], patent: boolean, normal: boolean): Pick<ClauseReading, 'verdict' | 'byWord'> {
  const asserted = terms.filter((t) => !t.negated && !t.hedged);
  if (asserted.some((t) => t.category === 'action' && t.grade !== 'mild')) return { verdict: 'compression', byWord: true };
  if (terms.some((t) => t.category === 'action' && t.negated && !t.hedged && t.aboutRoot)) return { verdict: 'no-compression', byWord: true };
  if (asserted.some(gradedEnough)) return { verdict: 'compression' };
  const negatedFinding = terms.some((t) => t.negated && !t.hedged);
  const mildFinding = asserted.some((t) => t.grade === 'mild' && t.category !== 'generic');
  return negatedFinding || mildFinding || patent || normal ? { verdict: 'no-compression' } : {};
}

/** Stenosis, narrowing or a herniation graded at least moderate, or called recurrent without a grade. */
function gradedEnough(t: Term): boolean {
  if (t.category !== 'narrowing' && t.category !== 'lesion') return false;
  return t.grade === 'moderate' || (t.grade === undefined && t.recurrent);
}
