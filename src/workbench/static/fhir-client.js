// Reads from a FHIR R4 server as an EHR's client would: JSON, searchsets followed page by page.

const FHIR_JSON = 'application/fhir+json, application/json;q=0.9';
/** Pages followed per search; a fixture chart fits in one or two. */
const MAX_PAGES = 50;

export class FhirError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'FhirError';
    this.status = status;
  }
}

/** `base` + `path`, with exactly one slash between them. */
export function fhirUrl(base, path) {
  return `${String(base).replace(/\/+$/, '')}/${String(path).replace(/^\/+/, '')}`;
}

async function getJson(url) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: FHIR_JSON } });
  } catch (error) {
    throw new FhirError(`cannot reach ${url} (${error instanceof Error ? error.message : 'network error'})`, 0);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new FhirError(`${url} answered ${response.status} without JSON`, response.status);
  }
  if (!response.ok) {
    const diagnostics = body?.issue?.map((i) => i.diagnostics ?? i.details?.text).filter(Boolean).join('; ');
    throw new FhirError(`${url} answered ${response.status}${diagnostics ? `: ${diagnostics}` : ''}`, response.status);
  }
  return body;
}

/** GET `path` relative to `base` (a read or a search's first page), as sent. */
export function fhirGet(base, path) {
  return getJson(fhirUrl(base, path));
}

/**
 * A search with every page followed, merged into one searchset Bundle (`link` next dropped, `total` kept
 * when the server reported it), as an EHR would put it into prefetch.
 */
export async function fhirSearchAll(base, path) {
  const first = await fhirGet(base, path);
  if (first?.resourceType !== 'Bundle') return first;
  const entry = [...(first.entry ?? [])];
  let next = first.link?.find((l) => l.relation === 'next')?.url;
  for (let page = 1; next && page < MAX_PAGES; page++) {
    const bundle = await getJson(next);
    entry.push(...(bundle.entry ?? []));
    next = bundle.link?.find((l) => l.relation === 'next')?.url;
  }
  const merged = { resourceType: 'Bundle', type: first.type ?? 'searchset' };
  if (typeof first.total === 'number') merged.total = first.total;
  merged.link = [{ relation: 'self', url: fhirUrl(base, path) }];
  merged.entry = entry;
  return merged;
}

/** The resources of a search, matches only (no included resources or OperationOutcomes). */
export async function fhirResources(base, path) {
  const bundle = await fhirSearchAll(base, path);
  return (bundle?.entry ?? [])
    .filter((e) => e.resource && (e.search?.mode === undefined || e.search.mode === 'match'))
    .map((e) => e.resource);
}
