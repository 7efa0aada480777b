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
