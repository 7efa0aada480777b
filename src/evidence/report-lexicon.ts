/**
 * The words a radiology sentence uses to state, grade, negate or hedge neural compression
 * (fhir-conventions.md, "Imaging (R3)"). Lower case; the tokenizer splits on anything but letters and digits,
 * so "moderate-to-severe" arrives as three words and "non-compressive" as two.
 */

/** What a finding word says about the neural elements. */
export type TermCategory =
  /** stenosis, narrowing: compression only when graded at least moderate (or recurrent). */
  | 'narrowing'
  /** herniation, protrusion, extrusion: the same. */
  | 'lesion'
  /** bulge: never compression by itself (only with narrowing or compression), mild or negated means none. */
  | 'bulge'
  /** compressing, impinging, effacing: compression as stated, unless mild, negated or hedged. */
  | 'action'
  /** abnormality, findings: counts only when negated ("no significant abnormality"). */
  | 'generic';

// Maps, not object literals: a report word such as "constructor" must not find Object.prototype members.
export const TERMS = new Map<string, TermCategory>();
const add = (category: TermCategory, words: string) => words.split(' ').forEach((w) => TERMS.set(w, category));
add('narrowing', 'stenosis stenoses stenotic narrowing narrowed narrows encroachment encroaching encroaches encroach compromise crowding');
add('lesion', 'herniation herniations herniated hnp protrusion protrusions protruding extrusion extrusions extruded sequestration sequestered');
add('bulge', 'bulge bulges bulging');
add(
  'action',
  'compression compressing compresses compressed compressive impingement impinging impinges impinged impinge effacement effacing effaces effaced efface displacing displaces displacement obliteration obliterating obliterates obliterated deforming deforms deformation entrapment entrapping',
);
add('generic', 'abnormality abnormalities pathology');

export type Grade = 'mild' | 'moderate';

/** "moderate" stands for at least moderate: moderate, severe, marked, significant, high-grade, large. */
export const GRADES = new Map<string, Grade>();
const grade = (g: Grade, words: string) => words.split(' ').forEach((w) => GRADES.set(w, g));
grade('mild', 'mild mildly minimal minimally slight slightly minor trace small tiny subtle borderline');
grade('moderate', 'moderate moderately significant significantly marked markedly severe severely large advanced critical considerable substantial');

/** Words that put what follows, up to a clause turn, in negation. */
export const NEGATION_CUES = new Set(['no', 'not', 'without', 'none', 'neither', 'nor', 'non', 'absence']);
/** Two-word cues: "negative for", "free of", "resolution of" (not "high-resolution images"). */
export const NEGATION_PAIRS = new Map<string, string>([
  ['negative', 'for'],
  ['free', 'of'],
  ['resolution', 'of'],
]);
/** Words after "not" that negate what came before: "stenosis is not seen". */
export const NOT_AFTER = new Set(['seen', 'identified', 'present', 'demonstrated', 'evident', 'visualized', 'visualised', 'appreciated', 'noted', 'detected', 'significant']);
/** Words that negate what came before them: "the herniation has resolved". */
export const NEGATING_AFTER = new Set(['absent', 'resolved', 'excluded']);

/** Words that make a statement uncertain or historical: neither compression nor its absence is stated. */
export const HEDGES = new Set(['possible', 'possibly', 'questionable', 'equivocal', 'may', 'might', 'could', 'cannot', 'suspected', 'history']);
/** Hedges that come after the finding they hedge ("recurrent herniation is unlikely", "… cannot be assessed"). */
export const HEDGES_AFTER = new Set([...HEDGES, 'unlikely', 'limited', 'indeterminate', 'uncertain', 'considered']);
/** Two-word hedges: the question a study was asked ("rule out", "evaluate for"), not its answer. */
export const HEDGE_PAIRS = new Map<string, string>([
  ['rule', 'out'],
  ['evaluate', 'for'],
  ['evaluation', 'for'],
  ['assess', 'for'],
  ['concern', 'for'],
]);
/** A differential ("fibrosis versus recurrent herniation", "scar rather than disc"): none of its findings is stated. */
export const DIFFERENTIAL = new Set(['versus', 'vs']);
/** Words before a grade that make it a past one ("previously severe stenosis is now mild"). */
export const PAST_GRADE = new Set(['previously', 'formerly', 'prior', 'initially']);

/** Words after which negation or hedging no longer applies: "no stenosis with moderate narrowing". */
export const SCOPE_ENDS = new Set(['with', 'there', 'change', 'changed', 'progression', 'worsening']);

/** Nouns that a grade may describe instead of a finding word: "minimal disc height loss". */
export const GRADE_CONSUMERS = new Set(
  (
    'arthropathy arthrosis arthritis hypertrophy degeneration desiccation disease loss thickening edema oedema spondylosis ' +
    'osteophyte osteophytes spur spurring scoliosis listhesis anterolisthesis retrolisthesis spondylolisthesis signal enhancement ' +
    'fibrosis scar scarring changes granulation effusion fluid atrophy curvature lordosis kyphosis height space'
  ).split(' '),
);

/** Where compression would be: "normal" about these speaks of compression. */
export const ANATOMY = new Set(
  'canal canals foramen foramina foraminal neuroforamen neuroforamina neuroforaminal neural recess recesses sac thecal root roots nerve nerves'.split(' '),
);

/** Words that do not change what "normal" is about ("L4-L5: the disc level is otherwise normal"). */
export const FILLER = new Set(
  (
    'the a an is are was were be been appears appear appearing appeared otherwise within limits for age essentially of and or ' +
    'level levels interspace disc disk discs disks intervertebral segment at this that these remains remain remained grossly ' +
    'relatively in on it to as well also visualized visualised imaged both left right bilateral bilaterally side sides ' +
    'study exam examination findings finding note noted'
  ).split(' '),
);

/** Objects of a compression word that are not nerve roots (an override by negation must not hide a root finding). */
export const NOT_ROOT_OBJECTS = new Set(['cord', 'conus', 'cauda']);
