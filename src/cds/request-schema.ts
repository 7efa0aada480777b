import { z } from 'zod';
import { isBaseUrl } from '../data/allowlist.js';
import { parsePatientReference } from '../data/patient-filter.js';
import { withoutForbiddenEmpty } from '../fhir-model/json-clean.js';
import { BadRequestError, type Problem } from '../errors.js';
import { expected, problemsFrom } from './zod-problems.js';

/**
 * The CDS Hooks 2.0 order-sign request (https://cds-hooks.hl7.org/2.0/#http-request).
 * Strict on the envelope, because a misspelt field silently changes what the service fetches;
 * lenient on FHIR resource content, because EHRs and the CDS Hooks Sandbox send loosely formed
 * resources (a draftOrders Bundle without `type`, resources without `status`, ...).
 */

const text = (what = 'a non-empty string') => z.string({ error: expected(what) }).min(1, `must be ${what}`);

export function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** A plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * hookInstance: CDS Hooks 2.0 types it as a string described as a UUID. Any non-empty string is
 * accepted (a client sending another unique token still gets decision support), but it is bounded
 * and printable because it is written to the logs.
 */
const hookInstance = z
  .string({ error: expected('a string') })
  .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1 to 128 printable ASCII characters without spaces');

/**
 * FHIR id rules (R4 `id` datatype); the patient id goes into FHIR URLs, so nothing else is accepted, and "." and
 * ".." are refused: in a URL they are path steps, and `Patient/..` would read the server's root.
 */
const fhirId = z
  .string({ error: expected('a FHIR id') })
  .regex(/^[A-Za-z0-9\-.]{1,64}$/, 'must be a FHIR id (letters, digits, "-" and ".", at most 64)')
  .refine((id) => id !== '.' && id !== '..', 'must not be "." or ".." (a URL path step, not an id)');

const fhirResource = z.looseObject({ resourceType: text('a FHIR resource type') }, { error: expected('a FHIR resource (a JSON object)') });

const draftOrders = z.looseObject(
  {
    resourceType: z.literal('Bundle', { error: expected('"Bundle"') }),
    entry: z
      .array(z.looseObject({ resource: fhirResource }, { error: expected('a Bundle entry (a JSON object)') }), { error: expected('an array of entries') })
      .optional(),
  },
  { error: expected('a FHIR Bundle') },
);

const fhirAuthorization = z.object(
  {
    // A bearer token is visible ASCII (RFC 6750 b64token); spaces, line breaks or NUL would corrupt the header.
    access_token: text().regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces or line breaks'),
    // OAuth 2.0 token types are case-insensitive (RFC 6749 §5.1): `bearer` is the same type as `Bearer`.
    token_type: z.string({ error: expected('"Bearer"') }).refine((type) => type.toLowerCase() === 'bearer', 'must be "Bearer"'),
    expires_in: z.number({ error: expected('a number of seconds') }).int('must be a whole number of seconds').nonnegative('must not be negative'),
    scope: text(),
    subject: text(),
    patient: text().optional(),
  },
  { error: expected('an object') },
);

const hookRequestSchema = z.strictObject(
  {
    hook: z.literal('order-sign', { error: expected('"order-sign" for this service') }),
    hookInstance,
    fhirServer: z.string({ error: expected('an absolute http(s) URL') }).refine(isAbsoluteHttpUrl, 'must be an absolute http(s) URL').optional(),
    fhirAuthorization: fhirAuthorization.optional(),
    context: z.looseObject(
      {
        userId: text(),
        patientId: fhirId,
        encounterId: text().optional(),
        draftOrders,
      },
      { error: expected('an object') },
    ),
    // Declared keys are checked where they are read (src/data/prefetch.ts); keys the service did not ask for are ignored.
    prefetch: z.record(z.string(), z.unknown(), { error: expected('an object') }).optional(),
    /** CDS Hooks extensions are allowed at the top level of a request. */
    extension: z.looseObject({}, { error: expected('an object') }).optional(),
  },
  { error: expected('a JSON object') },
);

/**
 * What is wrong with a draft order's `subject`, or undefined when it names this patient. A subject that is
 * absent or empty (null, "", [] or {}: the empty values loosely formed drafts such as the Sandbox's carry, which
 * the update action leaves out) says nothing and is let through. Anything else must be a Reference whose
 * `reference` is `Patient/<context.patientId>`: relative, or after an absolute http(s) base (on any server, as the
 * record filter reads it, data/patient-filter.ts), a version or a trailing slash after it allowed. A subject that
 * names another patient, another type (a Group), a contained or `urn:` resource, a patient only by identifier,
 * or that is not a Reference at all cannot be placed on this chart, and the order would be judged on it.
 */
function subjectProblem(subject: unknown, patientId: string, path: string): Problem | undefined {
  if (withoutForbiddenEmpty(subject) === undefined) return undefined;
  const wanted = `Patient/${patientId} (context.patientId), relative or after an absolute http(s) base`;
  if (!isJsonObject(subject)) {
    const sent = Array.isArray(subject) ? 'an array' : typeof subject === 'string' ? 'a string' : `a ${typeof subject}`;
    return { path, message: `must be a Reference (a JSON object with a reference to ${wanted}), not ${sent}` };
  }
  const reference = subject.reference;
  if (withoutForbiddenEmpty(reference) === undefined) return { path, message: `has no reference: it must reference ${wanted}` };
  if (typeof reference !== 'string') return { path: `${path}.reference`, message: `must be a string referencing ${wanted}` };
  const named = parsePatientReference(reference);
  if (named !== undefined && named.id !== patientId) return { path: `${path}.reference`, message: 'names another patient than context.patientId' };
  if (named === undefined || (named.base !== undefined && !isBaseUrl(named.base))) return { path: `${path}.reference`, message: `must be ${wanted}` };
  return undefined;
}

/**
 * A draft order (any resource in draftOrders) whose subject is not this patient would be judged on the wrong
 * chart: the request contradicts itself, so it is refused rather than reviewed (subjectProblem).
 */
function ordersOfAnotherPatient(patientId: string, entries: readonly { resource: Record<string, unknown> }[]): Problem[] {
  const problems: Problem[] = [];
  entries.forEach((entry, i) => {
    const problem = subjectProblem(entry.resource.subject, patientId, `context.draftOrders.entry.${i}.resource.subject`);
    if (problem) problems.push(problem);
  });
  return problems;
}

export type HookRequest = z.output<typeof hookRequestSchema>;

/** Parses a hook request; throws BadRequestError naming every problem with its JSON path. */
export function parseHookRequest(body: unknown): HookRequest {
  const parsed = hookRequestSchema.safeParse(body);
  const problems: Problem[] = parsed.success ? [] : problemsFrom(parsed.error);
  // A rule across fields: zod skips refinements once a field fails, and every problem must be named.
  if (isJsonObject(body) && body.fhirAuthorization !== undefined && body.fhirServer === undefined) {
    problems.push({ path: 'fhirServer', message: 'is required when fhirAuthorization is given' });
  }
  if (parsed.success) problems.push(...ordersOfAnotherPatient(parsed.data.context.patientId, parsed.data.context.draftOrders.entry ?? []));
  // A token granted for another patient's record would read that record, or be refused: either way not this chart.
  if (parsed.success && parsed.data.fhirAuthorization?.patient !== undefined && parsed.data.fhirAuthorization.patient !== parsed.data.context.patientId) {
    problems.push({ path: 'fhirAuthorization.patient', message: 'names another patient than context.patientId' });
  }
  if (problems.length > 0 || !parsed.success) throw new BadRequestError('invalid CDS Hooks request', problems);
  return parsed.data as HookRequest;
}
