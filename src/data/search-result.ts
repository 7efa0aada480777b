type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An OperationOutcome that reports a failure; warnings and information ("no results", "unknown parameter ignored") do not. */
function reportsError(resource: JsonObject): boolean {
  return (
    resource.resourceType === 'OperationOutcome' &&
    Array.isArray(resource.issue) &&
    resource.issue.some((issue) => isObject(issue) && (issue.severity === 'error' || issue.severity === 'fatal'))
  );
}

/**
 * True when a searchset Bundle holds an OperationOutcome of severity error or fatal, alone or beside resources:
 * the search failed, at least in part, so its entries may be only some of the patient's.
 */
export function searchFailed(bundle: JsonObject): boolean {
  if (!Array.isArray(bundle.entry)) return false;
  return bundle.entry.some((entry) => isObject(entry) && isObject(entry.resource) && reportsError(entry.resource));
}

/** Entries that are matches of the search: search.mode `match`, or no mode at all (`include`d resources and `outcome`s are not). */
export function matchCount(bundle: JsonObject): number {
  if (!Array.isArray(bundle.entry)) return 0;
  return bundle.entry.filter((entry) => {
    if (!isObject(entry)) return false;
    const mode = isObject(entry.search) ? entry.search.mode : undefined;
    return mode === undefined || mode === 'match';
  }).length;
}

/** Bundle.total, the number of matches the server says the search found (across all pages), when it gives one. */
export function totalOf(bundle: JsonObject): number | undefined {
  return typeof bundle.total === 'number' && Number.isInteger(bundle.total) && bundle.total >= 0 ? bundle.total : undefined;
}

/**
 * True when a search that has no further page says it found more matches than came: it was cut short (a server
 * or proxy limit), and what came is only part of the record. Fewer than came is no sign of loss.
 */
export function cutShort(total: number | undefined, matched: number): boolean {
  return total !== undefined && total > matched;
}
