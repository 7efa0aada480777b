/**
 * Structural checks on transaction and batch Bundles, run before anything is written: the in-memory
 * repository cannot roll a transaction back, so a malformed Bundle is refused whole, with every problem
 * named by its path.
 */

/** FHIR R4 `id` datatype. */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const URN_UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']);

export interface Problem {
  path: string;
  message: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Entries of a Bundle that is an object with a non-empty `entry` array, else the problems. */
function bundleEntries(value: unknown, types: readonly string[]): { entries: unknown[] } | { problems: Problem[] } {
  if (!isObject(value) || value.resourceType !== 'Bundle') {
    return { problems: [{ path: 'resourceType', message: 'must be "Bundle"' }] };
  }
  const problems: Problem[] = [];
  if (typeof value.type !== 'string' || !types.includes(value.type)) {
    problems.push({ path: 'type', message: `must be ${types.map((t) => `"${t}"`).join(' or ')}` });
  }
  if (!Array.isArray(value.entry) || value.entry.length === 0) {
    problems.push({ path: 'entry', message: 'must be a non-empty array' });
  }
  return problems.length > 0 ? { problems } : { entries: value.entry as unknown[] };
}

/** Checks a transaction or batch Bundle posted to the server's base URL. */
export function checkBundleRequest(value: unknown): Problem[] {
  const parsed = bundleEntries(value, ['transaction', 'batch']);
  if ('problems' in parsed) return parsed.problems;
  const problems: Problem[] = [];
  parsed.entries.forEach((entry, i) => {
    const at = `entry[${i}]`;
    if (!isObject(entry) || !isObject(entry.request)) {
      problems.push({ path: `${at}.request`, message: 'is required' });
      return;
    }
    const { method, url } = entry.request;
    if (typeof method !== 'string' || !METHODS.has(method)) {
      problems.push({ path: `${at}.request.method`, message: `must be one of ${[...METHODS].join(', ')}` });
    }
    if (typeof url !== 'string' || url.length === 0) {
      problems.push({ path: `${at}.request.url`, message: 'must be a non-empty string' });
      return;
    }
    if (method !== 'POST' && method !== 'PUT') return;
    const resource = entry.resource;
    if (!isObject(resource) || typeof resource.resourceType !== 'string') {
      problems.push({ path: `${at}.resource`, message: `is required for ${method}` });
      return;
    }
    const [type, id, ...rest] = url.split('?')[0]!.split('/');
    if (type !== resource.resourceType) {
      problems.push({ path: `${at}.request.url`, message: `names type "${type}" but the resource is a ${resource.resourceType}` });
    }
    if (method === 'PUT' && id !== undefined && rest.length === 0 && resource.id !== id) {
      problems.push({ path: `${at}.resource.id`, message: `must equal the id in request.url ("${id}")` });
    }
  });
  return problems;
}

/** What a fixture file holds once checked. */
export interface FixtureSummary {
  patientId: string;
  resourceCount: number;
}

/**
 * Checks a fixture file against the shared fixture convention: a transaction Bundle of PUT `Type/id` entries,
 * each with its own urn:uuid fullUrl, whose resources carry that id, exactly one Patient, and the file named after that Patient.
 */
export function checkFixtureBundle(value: unknown, fileBaseName: string): { summary: FixtureSummary } | { problems: Problem[] } {
  const parsed = bundleEntries(value, ['transaction']);
  if ('problems' in parsed) return parsed;
  const problems: Problem[] = [];
  const patients: string[] = [];
  const seen = new Set<string>();
  const fullUrls = new Set<string>();
  parsed.entries.forEach((entry, i) => {
    const at = `entry[${i}]`;
    if (!isObject(entry) || !isObject(entry.resource)) {
      problems.push({ path: `${at}.resource`, message: 'is required' });
      return;
    }
    const { resourceType, id } = entry.resource;
    if (typeof resourceType !== 'string' || resourceType.length === 0) {
      problems.push({ path: `${at}.resource.resourceType`, message: 'is required' });
      return;
    }
    if (typeof id !== 'string' || !FHIR_ID.test(id)) {
      problems.push({ path: `${at}.resource.id`, message: 'must be a FHIR id (1-64 letters, digits, "-" or ".")' });
      return;
    }
    const request = isObject(entry.request) ? entry.request : {};
    if (request.method !== 'PUT') problems.push({ path: `${at}.request.method`, message: 'must be "PUT"' });
    if (request.url !== `${resourceType}/${id}`) {
      problems.push({ path: `${at}.request.url`, message: `must be "${resourceType}/${id}"` });
    }
    // FHIR R4 Bundle.entry.fullUrl: required on every entry but a POST; a urn:uuid never disagrees with the id it names.
    if (typeof entry.fullUrl !== 'string' || !URN_UUID.test(entry.fullUrl)) {
      problems.push({ path: `${at}.fullUrl`, message: 'must be a urn:uuid' });
    } else if (fullUrls.has(entry.fullUrl)) {
      problems.push({ path: `${at}.fullUrl`, message: 'duplicates another entry\'s' });
    }
    if (typeof entry.fullUrl === 'string') fullUrls.add(entry.fullUrl);
    if (seen.has(`${resourceType}/${id}`)) {
      problems.push({ path: `${at}.resource.id`, message: `duplicates ${resourceType}/${id} in this Bundle` });
    }
    seen.add(`${resourceType}/${id}`);
    if (resourceType === 'Patient') patients.push(id);
  });
  if (patients.length !== 1) {
    problems.push({ path: 'entry', message: `must hold exactly one Patient (found ${patients.length})` });
  } else if (patients[0] !== fileBaseName) {
    problems.push({ path: 'entry', message: `the Patient's id must equal the file name "${fileBaseName}"` });
  }
  if (problems.length > 0) return { problems };
  return { summary: { patientId: patients[0]!, resourceCount: parsed.entries.length } };
}
