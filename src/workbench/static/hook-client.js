// The CDS Hooks 2.0 client side: discovery, prefetch from the service's templates, order-sign, feedback.
// The workbench is served by the service itself, so it calls the service on its own origin.

import { fhirSearchAll, fhirGet } from './fhir-client.js';
import { uuid } from './orders.js';

async function callJson(method, url, body) {
  const init = { method, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    return { status: 0, ok: false, body: { error: `cannot reach ${url}: ${error instanceof Error ? error.message : 'network error'}` } };
  }
  const text = await response.text();
  let parsed;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, ok: response.ok, body: parsed };
}

export function discover() {
  return callJson('GET', '/cds-services');
}

/** The prefetch templates of the service, as discovery declares them. */
export function prefetchTemplates(discovery, serviceId) {
  const service = (discovery?.services ?? []).find((s) => s.id === serviceId);
  return service?.prefetch ?? {};
}

/** A template with the context tokens filled in (order-sign: patientId, userId, encounterId). */
export function fillTemplate(template, context) {
  return template.replace(/\{\{\s*context\.(\w+)\s*\}\}/g, (_m, key) => encodeURIComponent(context[key] ?? ''));
}

/**
 * Prefetch as a CDS client builds it: each template filled and read from the FHIR server, searches with
 * every page. A key that cannot be read is left out (the service then fetches it), and reported.
 */
export async function buildPrefetch(fhirBase, templates, context) {
  const prefetch = {};
  const problems = [];
  await Promise.all(
    Object.entries(templates).map(async ([key, template]) => {
      const query = fillTemplate(template, context);
      try {
        prefetch[key] = query.includes('?') ? await fhirSearchAll(fhirBase, query) : await fhirGet(fhirBase, query);
      } catch (error) {
        problems.push(`${key}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
  // Keys in template order, so the raw request reads like the discovery document.
  const ordered = Object.fromEntries(Object.keys(templates).filter((k) => k in prefetch).map((k) => [k, prefetch[k]]));
  return { prefetch: ordered, problems };
}

/** The order-sign request body. */
export function orderSignRequest({ fhirBase, userId, patientId, drafts, prefetch }) {
  const request = {
    hook: 'order-sign',
    hookInstance: uuid(),
    fhirServer: fhirBase,
    context: {
      userId,
      patientId,
      draftOrders: { resourceType: 'Bundle', type: 'collection', entry: drafts.map((resource) => ({ resource })) },
    },
  };
  if (prefetch) request.prefetch = prefetch;
  return request;
}

export function callHook(serviceId, request) {
  return callJson('POST', `/cds-services/${encodeURIComponent(serviceId)}`, request);
}

export function accepted(card, suggestion) {
  return {
    feedback: [{ card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: suggestion.uuid }], outcomeTimestamp: new Date().toISOString() }],
  };
}

export function overridden(card, reason, comment) {
  const overrideReason = {};
  if (reason) overrideReason.reason = { system: reason.system, code: reason.code, display: reason.display };
  if (comment) overrideReason.userComment = comment;
  const entry = { card: card.uuid, outcome: 'overridden', outcomeTimestamp: new Date().toISOString() };
  if (Object.keys(overrideReason).length > 0) entry.overrideReason = overrideReason;
  return { feedback: [entry] };
}

export function sendFeedback(serviceId, body) {
  return callJson('POST', `/cds-services/${encodeURIComponent(serviceId)}/feedback`, body);
}
