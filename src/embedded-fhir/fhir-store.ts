import { getStatus, isOk, normalizeOperationOutcome, parseSearchRequest } from '@medplum/core';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { IncomingHttpHeaders } from 'node:http';
import type { Bundle, BundleEntry, BundleLink, OperationOutcome, Resource } from 'fhir/r4.js';
import { checkBundleRequest } from './bundle-checks.js';
import { problemsReply, withDiagnostics, type FhirReply } from './outcomes.js';
import { ensureSearchIndex } from './search-index.js';
import { normalizeSearchParams, type SearchParams } from './search-params.js';

/**
 * Medplum's FhirRouter over its MemoryRepository, with what a FHIR client expects of a real server added
 * at the edge: bare patient ids in search, absolute paging links, `fullUrl`s, Location and ETag headers.
 * Search results come in insertion order (fixture files by name, entries in Bundle order), so paging is stable.
 */
export class FhirStore {
  private readonly router = new FhirRouter();
  private readonly repo = new MemoryRepository();
  readonly resourceTypes: ReadonlySet<string>;

  constructor() {
    this.resourceTypes = ensureSearchIndex();
  }

  /** A type-level search, one page of it. */
  async search(resourceType: string, query: URLSearchParams, baseUrl: string): Promise<FhirReply> {
    const normalized = normalizeSearchParams(resourceType, query, baseUrl);
    if ('problems' in normalized) return problemsReply(normalized.problems);
    const { params, count, offset } = normalized.search;
    const record: Record<string, string[]> = {};
    for (const [key, value] of params) (record[key] ??= []).push(value);
    let result: Bundle;
    try {
      const request = parseSearchRequest(resourceType, record);
      request.count = count;
      request.offset = offset;
      // The repository sorts once per rule in order, which leaves the last rule deciding; reversed, the
      // first rule decides and later ones break its ties (Array.prototype.sort is stable).
      request.sortRules?.reverse();
      result = (await this.repo.search(request)) as unknown as Bundle;
    } catch (err) {
      return this.errorReply(err);
    }
    return { status: 200, body: searchsetPage(result, resourceType, normalized.search, baseUrl) };
  }

  /** Read, vread, history, create, update, patch, delete: handed to the router as they come. */
  async forward(method: HttpMethod, path: string, body: unknown, headers: IncomingHttpHeaders, baseUrl: string): Promise<FhirReply> {
    const [outcome, resource] = await this.router.handleRequest(fhirRequest(method, path, body, headers), this.repo);
    if (!isOk(outcome)) return { status: getStatus(outcome), body: withDiagnostics(outcome as OperationOutcome) };
    if (resource === undefined) return { status: getStatus(outcome), body: outcome };
    const status = getStatus(outcome);
    return { status, body: resource, headers: resourceHeaders(resource as Resource, status === 201 ? baseUrl : undefined) };
  }

  /**
   * A transaction or batch Bundle. The in-memory repository has no rollback, so a transaction is checked
   * whole before anything is written, and an entry that still fails makes the whole answer that failure.
   */
  async postBundle(bundle: unknown): Promise<FhirReply> {
    const problems = checkBundleRequest(bundle);
    if (problems.length > 0) return problemsReply(problems);
    // Without `config.transactions` the router applies a transaction entry by entry and does not cap its
    // size (it caps true transactions at 50 updates, which a large fixture chart exceeds).
    const [outcome, response] = await this.router.handleRequest(fhirRequest('POST', '', bundle, {}), this.repo);
    if (!isOk(outcome) || response === undefined) {
      return { status: getStatus(outcome), body: withDiagnostics(outcome as OperationOutcome) };
    }
    const entries = ((response as Bundle).entry ?? []) as BundleEntry[];
    if ((bundle as Bundle).type === 'transaction') {
      const failed = entries.findIndex((e) => !e.response?.status?.startsWith('2'));
      if (failed >= 0) {
        const entry = entries[failed]!;
        const cause = entry.response?.outcome as OperationOutcome | undefined;
        const text = cause?.issue?.map((i) => i.diagnostics ?? i.details?.text).filter(Boolean).join('; ') ?? 'failed';
        return {
          status: Number(entry.response?.status) || 400,
          body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: `entry[${failed}]: ${text}`, expression: [`entry[${failed}]`] }] },
        };
      }
    }
    return { status: 200, body: response };
  }

  errorReply(err: unknown): FhirReply {
    const outcome = normalizeOperationOutcome(err) as OperationOutcome;
    return { status: getStatus(outcome as Parameters<typeof getStatus>[0]), body: withDiagnostics(outcome) };
  }
}

function fhirRequest(method: HttpMethod, url: string, body: unknown, headers: IncomingHttpHeaders): FhirRequest {
  return { method, url, pathname: '', body, params: {}, query: {}, headers };
}

/** ETag and Last-Modified for a resource; Location too when it was just created (pass the base URL). */
function resourceHeaders(resource: Resource, locationBase: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  const version = resource.meta?.versionId;
  if (version) headers['ETag'] = `W/"${version}"`;
  if (resource.meta?.lastUpdated) headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  if (locationBase !== undefined && resource.id && version) headers['Location'] = `${locationBase}/${resource.resourceType}/${resource.id}/_history/${version}`;
  return headers;
}

/** The repository's result as one page of a searchset: `total`, absolute self/next/previous links, `fullUrl`s. */
function searchsetPage(result: Bundle, resourceType: string, search: SearchParams, baseUrl: string): Bundle {
  const { params, count, offset } = search;
  const total = result.total ?? result.entry?.length ?? 0;
  const pageUrl = (at: number): string => {
    const query = new URLSearchParams(params);
    query.set('_count', String(count));
    if (at > 0) query.set('_offset', String(at));
    return `${baseUrl}/${resourceType}?${query.toString()}`;
  };
  const link: BundleLink[] = [{ relation: 'self', url: pageUrl(offset) }];
  if (count > 0 && offset + count < total) link.push({ relation: 'next', url: pageUrl(offset + count) });
  if (offset > 0) link.push({ relation: 'previous', url: pageUrl(Math.max(0, offset - count)) });
  const entry = (result.entry ?? []).map((e): BundleEntry => ({
    fullUrl: `${baseUrl}/${e.resource!.resourceType}/${e.resource!.id}`,
    resource: e.resource,
    search: { mode: 'match' },
  }));
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    meta: { lastUpdated: new Date().toISOString() },
    total,
    link,
    ...(entry.length > 0 ? { entry } : {}),
  };
}
