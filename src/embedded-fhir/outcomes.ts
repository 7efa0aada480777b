import type { OperationOutcome } from 'fhir/r4.js';
import type { Problem } from './bundle-checks.js';

/** What the HTTP layer writes back: a status and a FHIR resource (a resource or an OperationOutcome). */
export interface FhirReply {
  status: number;
  body: object;
  headers?: Record<string, string>;
}

type IssueType = OperationOutcome['issue'][number]['code'];

export function outcomeReply(status: number, code: IssueType, diagnostics: string): FhirReply {
  return { status, body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] } };
}

/** A 400 naming each problem and its path. */
export function problemsReply(problems: Problem[]): FhirReply {
  const outcome: OperationOutcome = {
    resourceType: 'OperationOutcome',
    issue: problems.map((p) => ({ severity: 'error', code: 'invalid', diagnostics: `${p.path}: ${p.message}`, expression: [p.path] })),
  };
  return { status: 400, body: outcome };
}

/**
 * Medplum puts its message in `details.text`; clients (and the fixtures loader) read `diagnostics` first,
 * so it is filled from the text where missing.
 */
export function withDiagnostics(outcome: OperationOutcome): OperationOutcome {
  return {
    ...outcome,
    issue: (outcome.issue ?? []).map((i) => (i.diagnostics || !i.details?.text ? i : { ...i, diagnostics: i.details.text })),
  };
}
