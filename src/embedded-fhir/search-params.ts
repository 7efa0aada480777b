import { getSearchParameter } from '@medplum/core';
import type { Problem } from './bundle-checks.js';

/** Page size when the client sends no `_count` (Medplum's default search count). */
export const DEFAULT_PAGE_SIZE = 20;
/** Largest page served; a bigger `_count` is lowered to it, as HAPI does. */
export const MAX_PAGE_SIZE = 1000;

/** Result parameters the embedded server honours; any other `_` parameter is refused rather than ignored. */
const RESULT_PARAMS = new Set(['_count', '_offset', '_sort', '_total', '_format', '_pretty']);
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);
/** Reference parameters where a bare id means a Patient, as on HAPI and other real servers. */
const PATIENT_REFERENCE_PARAMS = new Set(['patient', 'subject']);

export interface SearchParams {
  /** Filters and `_sort`/`_total` as interpreted (bare patient ids written `Patient/<id>`), in request order. */
  params: [string, string][];
  count: number;
  offset: number;
}

function nonNegativeInt(value: string): number | undefined {
  return /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

/** `Patient/<id>` for a bare id; the relative form for an absolute reference to this server; else unchanged. */
function patientReference(value: string, baseUrl: string): string {
  for (const base of namesOf(baseUrl)) if (value.startsWith(`${base}/`)) return value.slice(base.length + 1);
  return value.includes('/') || value.includes(':') ? value : `Patient/${value}`;
}

/** The names a loopback server answers to (as URL hostnames). */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The base, and when it is on loopback the same server under its other loopback names: a client may call it
 * as localhost (its links then say localhost, http-handler.ts) and still name a patient by 127.0.0.1.
 */
function namesOf(baseUrl: string): string[] {
  const url = new URL(baseUrl);
  if (!LOOPBACK_NAMES.includes(url.hostname)) return [baseUrl];
  const port = url.port ? `:${url.port}` : '';
  return LOOPBACK_NAMES.map((name) => `${url.protocol}//${name}${port}${url.pathname.replace(/\/$/, '')}`);
}

/**
 * Checks and normalises the query of a type-level search. Medplum's in-memory repository matches a
 * reference only in its `Type/id` form and silently matches nothing for a parameter it does not know,
 * so both are dealt with here: bare patient ids are expanded, unknown parameters are refused with 400.
 */
export function normalizeSearchParams(
  resourceType: string,
  query: URLSearchParams,
  baseUrl: string,
): { search: SearchParams } | { problems: Problem[] } {
  const problems: Problem[] = [];
  const params: [string, string][] = [];
  let count = DEFAULT_PAGE_SIZE;
  let offset = 0;
  for (const [key, value] of query) {
    const [name = '', modifier] = key.split(':', 2);
    if (name === '_count' || name === '_offset') {
      const n = nonNegativeInt(value);
      if (n === undefined) problems.push({ path: name, message: 'must be a non-negative integer' });
      else if (name === '_count') count = Math.min(n, MAX_PAGE_SIZE);
      else offset = n;
    } else if (name === '_format') {
      if (!JSON_FORMATS.has(value)) problems.push({ path: name, message: 'only JSON is served' });
    } else if (name === '_pretty') {
      // Formatting only: ignored.
    } else if (name === '_sort') {
      for (const field of value.split(',')) {
        const code = field.startsWith('-') ? field.slice(1) : field;
        if (getSearchParameter(resourceType, code) === undefined) {
          problems.push({ path: name, message: `cannot sort ${resourceType} by "${code}"` });
        }
      }
      params.push([key, value]);
    } else if (name.startsWith('_') && !RESULT_PARAMS.has(name) && getSearchParameter(resourceType, name) === undefined) {
      problems.push({ path: key, message: 'is not supported by the embedded FHIR server' });
    } else if (name === '_total') {
      params.push([key, value]);
    } else if (getSearchParameter(resourceType, name) === undefined) {
      problems.push({ path: key, message: `is not a search parameter of ${resourceType}` });
    } else if (PATIENT_REFERENCE_PARAMS.has(name) && (modifier === undefined || modifier === 'Patient')) {
      params.push([name, value.split(',').map((v) => patientReference(v, baseUrl)).join(',')]);
    } else {
      params.push([key, value]);
    }
  }
  return problems.length > 0 ? { problems } : { search: { params, count, offset } };
}
