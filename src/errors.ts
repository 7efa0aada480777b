/**
 * Typed failures. One error handler (cds/error-handler.ts) maps them to HTTP statuses and bodies,
 * so no layer below the protocol knows about HTTP.
 */
export interface Problem {
  /** JSON path of the offending value, e.g. "context.draftOrders.entry.0". */
  path: string;
  message: string;
}

/** The caller sent something invalid: 400. */
export class BadRequestError extends Error {
  constructor(message: string, readonly problems: Problem[] = []) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** Data the service needs cannot be had with what the caller gave (no fhirServer, no token, server not allowed): 412. */
export class PreconditionFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreconditionFailedError';
  }
}

/**
 * The FHIR server failed (error status, timeout, unreadable body, chart over the bound, a search cut short), or
 * the review of the record could not finish (the hook deadline passed, or its evaluation thread stopped):
 * evaluation-unavailable card.
 */
export class UpstreamError extends Error {
  constructor(
    message: string,
    /** A short reason safe to show a clinician and to log: never PHI, never a token. */
    readonly reason: 'timeout' | 'refused' | 'error-status' | 'unreadable' | 'other-patient' | 'too-large' | 'incomplete' | 'unreachable' | 'review-timeout' | 'review-failed',
    /** What operators need to find a fault of the service's own (the CQL definition that failed): never PHI. */
    readonly detail?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** Something of the service's own is failing for now (its feedback store cannot write): 503 with Retry-After. */
export class TemporarilyUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TemporarilyUnavailableError';
  }
}

/** A CDS client failed authentication: 401. */
export class AuthenticationError extends Error {
  constructor(
    message: string,
    /** Internal reason for logs and metrics; the response only says it in general terms. */
    readonly reason: string,
  ) {
    super(message);
    this.name = 'AuthenticationError';
  }
}
