import { UpstreamError } from '../errors.js';

/**
 * What may be logged about an evaluation that threw: where in the CQL, and the kind of error. Never the error's
 * message, which may quote chart values (cql-execution's own, or a TypeError naming a value).
 */
export interface EvaluationFailure {
  /** The class of the error that was thrown: 'Error', 'TypeError', 'RangeError' ... */
  errorClass: string;
  /** Where it was thrown: in the CQL library, or in to-decision.ts mapping its result. */
  step: 'cql' | 'to-decision';
  /** The CQL definition being evaluated, as written: 'define "Level Known"', 'define function "LevelsOf"'. */
  define?: string;
  /** The library and its version, e.g. 'LumbarFusionCriteria|1.0.0'. */
  library?: string;
  /** Line and column span in that library's CQL, e.g. '64:22-64:40'. */
  locator?: string;
  /** The ELM operation that threw, e.g. 'SingletonFrom'. */
  expression?: string;
}

/** An evaluation failed: the call gets an evaluation-unavailable card ('review-failed'), never a 500. */
export class EvaluationError extends UpstreamError {
  constructor(readonly failure: EvaluationFailure) {
    super(`the criteria library failed during the review (${describe(failure)})`, 'review-failed', { ...failure });
    this.name = 'EvaluationError';
  }
}

/** One line, chart-free: 'Error in define "Interspaces" (LumbarFusionCriteria|1.0.0 64:22-64:40, SingletonFrom)'. */
export function describe(f: EvaluationFailure): string {
  const where = [f.library && f.locator ? `${f.library} ${f.locator}` : (f.library ?? f.locator), f.expression].filter(Boolean).join(', ');
  const what = f.define ?? (f.step === 'to-decision' ? 'src/decision/to-decision.ts' : 'the criteria library');
  return `${f.errorClass} in ${what}${where ? ` (${where})` : ''}`;
}

interface DefinitionSpan {
  label: string;
  from: [number, number];
  to: [number, number];
}

/** The CQL definitions of each library by their line spans, to name the one an error's locator falls in. */
export class DefinitionIndex {
  private readonly byLibrary = new Map<string, DefinitionSpan[]>();

  constructor(elm: Readonly<Record<string, unknown>>) {
    for (const lib of Object.values(elm)) {
      const library = (lib as { library?: { identifier?: { id?: string }; statements?: { def?: { name?: string; type?: string; locator?: string }[] } } }).library;
      const id = library?.identifier?.id;
      if (!id) continue;
      const spans: DefinitionSpan[] = [];
      for (const d of library.statements?.def ?? []) {
        const span = parseLocator(d.locator);
        if (span && d.name) spans.push({ label: `define ${d.type === 'FunctionDef' ? 'function ' : ''}"${d.name}"`, ...span });
      }
      this.byLibrary.set(id, spans);
    }
  }

  /** The failure an error describes; `step` says where it was caught. */
  failureOf(error: unknown, step: EvaluationFailure['step']): EvaluationFailure {
    const annotated = cqlAnnotation(error);
    const thrown = annotated?.cause ?? error;
    const errorClass = thrown instanceof Error ? thrown.name : typeof thrown;
    if (!annotated) return { errorClass, step };
    const library = annotated.libraryName;
    const libraryId = library?.split('|')[0];
    const at = parseLocator(annotated.locator);
    const define = at && libraryId ? this.byLibrary.get(libraryId)?.find((d) => inside(at.from, d) && inside(at.to, d))?.label : undefined;
    return {
      errorClass,
      step,
      ...(define ? { define } : {}),
      ...(library ? { library } : {}),
      ...(annotated.locator ? { locator: annotated.locator } : {}),
      ...(annotated.expressionName ? { expression: annotated.expressionName } : {}),
    };
  }
}

/** The message of the error that was thrown, under cql-execution's annotation: for synthetic data only (it may quote values). */
export function thrownMessage(error: unknown): string {
  const thrown = cqlAnnotation(error)?.cause ?? error;
  return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
}

/** cql-execution wraps what an ELM node throws in an AnnotatedError naming the node, its library and its locator. */
function cqlAnnotation(error: unknown): { cause?: unknown; libraryName?: string; locator?: string; expressionName?: string } | undefined {
  if (!(error instanceof Error) || error.constructor.name !== 'AnnotatedError') return undefined;
  const e = error as Error & Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return { cause: e.cause, libraryName: str(e.libraryName), locator: str(e.locator), expressionName: str(e.expressionName) };
}

function parseLocator(locator: unknown): { from: [number, number]; to: [number, number] } | undefined {
  const m = typeof locator === 'string' ? /^(\d+):(\d+)-(\d+):(\d+)$/.exec(locator) : null;
  return m ? { from: [Number(m[1]), Number(m[2])], to: [Number(m[3]), Number(m[4])] } : undefined;
}

function inside([line, col]: [number, number], d: DefinitionSpan): boolean {
  const after = line > d.from[0] || (line === d.from[0] && col >= d.from[1]);
  const before = line < d.to[0] || (line === d.to[0] && col <= d.to[1]);
  return after && before;
}
