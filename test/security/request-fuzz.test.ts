import fc from 'fast-check';
import nock from 'nock';
import request from 'supertest';
import { PROPERTY_TIMEOUT_MS, REQUEST_TIMEOUT_MS, applyMutations, assertAcceptableAnswer, mutationOf, numRuns, pathsOf, type Path } from './support/mutations.js';
import { SEED_TOPICS, SERVICE_PATH, fhirAuthorization, seedPrefetch, seedRequest, topicsOf } from './support/seed.js';
import { startService, type ServiceUnderTest } from './support/service.js';

/**
 * Property: whatever a client does to a valid order-sign request (fields removed, types swapped, nulls where
 * objects belong, huge strings, random JSON), the real service (real reviewer, prefetch, FHIR access)
 * answers 400 naming the problems, 412 when a key it must read cannot be had, or 200 with valid cards;
 * never a 5xx, never a hang, and it keeps serving afterwards.
 */
const FHIR = 'http://fhir.fuzz.test/r4';

let s: ServiceUnderTest;
beforeAll(async () => {
  s = await startService({ FHIR_SERVER_ALLOWLIST: FHIR, HOOK_DEADLINE_MS: '2000', FHIR_REQUEST_TIMEOUT_MS: '500' });
  // A mutation that drops a prefetch key makes the service read it: no FHIR server answers, so it is 'unreachable'.
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(async () => {
  nock.enableNetConnect();
  await s.close();
});

const valid = seedRequest({ fhirServer: FHIR, fhirAuthorization: fhirAuthorization('fuzz-token'), prefetch: seedPrefetch() });
const allPaths = pathsOf(valid);
const isPrefetch = (p: Path) => p[0] === 'prefetch';
const envelopePaths = allPaths.filter((p) => !isPrefetch(p));
const prefetchPaths = allPaths.filter(isPrefetch);
const draftOrderPaths = allPaths.filter((p) => p[0] === 'context' && p[1] === 'draftOrders');

/**
 * KNOWN BUG, reported to the lead (src/orders hands out the client's draft order as a typed ServiceRequest,
 * and src/cards and src/decision trust that type): a draft order whose `id`, `code.text` or
 * `code.coding[].display|code` is a truthy non-string, whose `code.coding` is a truthy non-array, or whose
 * `code.coding` holds null, is answered 500 (inpatientUpdate in src/cards/order-resources.ts, orderName in
 * src/cards/inpatient-card.ts, toPlanDecision in src/decision/to-decision.ts). Such bodies are skipped
 * (fc.pre) until it is fixed; the tests marked `failing` below hold minimal counterexamples and turn red
 * once the fix lands: then remove them and this filter.
 */
function hitsKnownDraftOrderCrash(body: unknown): boolean {
  const entries = (body as { context?: { draftOrders?: { entry?: unknown } } })?.context?.draftOrders?.entry;
  if (!Array.isArray(entries)) return false;
  const bad = (v: unknown) => Boolean(v) && typeof v !== 'string';
  return entries.some((e) => {
    const r = (e as { resource?: Record<string, unknown> } | null)?.resource;
    if (typeof r !== 'object' || r === null) return false;
    const code = r.code as { text?: unknown; coding?: unknown } | null | undefined;
    if (bad(r.id)) return true;
    if (typeof code !== 'object' || code === null) return false;
    if (bad(code.text)) return true;
    if (Boolean(code.coding) && !Array.isArray(code.coding)) return true;
    const codings = Array.isArray(code.coding) ? (code.coding as unknown[]) : [];
    return codings.some((c) => c === null || (typeof c === 'object' && (bad((c as { display?: unknown }).display) || bad((c as { code?: unknown }).code) || bad((c as { system?: unknown }).system))));
  });
}

const statuses = new Map<number, number>();
afterAll(() => {
  if (process.env.FUZZ_STATS) process.stderr.write(`statuses: ${JSON.stringify([...statuses])}\n`);
});

async function post(body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await request(s.url).post(SERVICE_PATH).send(body as object).timeout(REQUEST_TIMEOUT_MS);
  if (process.env.FUZZ_STATS) statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  return { status: res.status, body: res.body };
}

describe('mutations of a valid order-sign request', () => {
  it('the unmutated request gets the seed case cards', async () => {
    const res = await post(valid);
    expect(res.status).toBe(200);
    expect(topicsOf(res.body as never)).toEqual(SEED_TOPICS);
  });

  it('envelope, context and prefetch: 400, 412 or 200 with valid cards, never a 5xx or a hang', async () => {
    const paths = fc.oneof(fc.constantFrom(...envelopePaths), fc.constantFrom(...prefetchPaths));
    await fc.assert(
      fc.asyncProperty(fc.array(mutationOf(paths), { minLength: 1, maxLength: 4 }), async (mutations) => {
        const body = applyMutations(valid, mutations);
        fc.pre(!hitsKnownDraftOrderCrash(body));
        const res = await post(body);
        assertAcceptableAnswer(res.status, res.body, true);
      }),
      numRuns(250),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('draftOrders: random entries beside or instead of the orders, 400 or 200 with valid cards', async () => {
    const entries = valid.context as { draftOrders: { entry: unknown[] } };
    const randomEntry = fc.oneof(
      fc.record({ resource: fc.record({ resourceType: fc.constantFrom('ServiceRequest', 'MedicationRequest', 'Procedure', 'x', ''), id: fc.string() }, { requiredKeys: ['resourceType'] }) }),
      fc.record({ resource: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }) }),
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(...entries.draftOrders.entry),
    );
    const arbitrary = fc.tuple(
      fc.array(randomEntry, { maxLength: 6 }),
      fc.array(mutationOf(fc.constantFrom(...draftOrderPaths)), { maxLength: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(arbitrary, async ([extra, mutations]) => {
        const body = applyMutations(valid, mutations) as typeof valid;
        const draftOrders = (body.context as { draftOrders?: { entry?: unknown } }).draftOrders;
        if (draftOrders && typeof draftOrders === 'object' && Array.isArray(draftOrders.entry)) draftOrders.entry.push(...extra);
        fc.pre(!hitsKnownDraftOrderCrash(body));
        const res = await post(body);
        assertAcceptableAnswer(res.status, res.body, false);
      }),
      numRuns(150),
    );
  }, PROPERTY_TIMEOUT_MS);

  it.failing('KNOWN BUG (src/cards): a draft order whose code.text is not a string is answered 500', async () => {
    const body = structuredClone(valid) as { context: { draftOrders: { entry: { resource: { code: { text: unknown } } }[] } } };
    body.context.draftOrders.entry[2]!.resource.code.text = {};
    const res = await post(body);
    assertAcceptableAnswer(res.status, res.body, false);
  });

  it.failing('KNOWN BUG (src/cards): a draft order whose id is not a string is answered 500', async () => {
    const body = structuredClone(valid) as { context: { draftOrders: { entry: { resource: { id: unknown } }[] } } };
    body.context.draftOrders.entry[1]!.resource.id = 42;
    const res = await post(body);
    assertAcceptableAnswer(res.status, res.body, false);
  });

  it.failing('KNOWN BUG (src/decision): a draft order whose code.coding is an object is answered 500', async () => {
    const body = structuredClone(valid) as { context: { draftOrders: { entry: { resource: { code: { coding: unknown[] } } }[] } } };
    const code = body.context.draftOrders.entry[0]!.resource.code;
    (code as { coding: unknown }).coding = code.coding[0];
    const res = await post(body);
    assertAcceptableAnswer(res.status, res.body, false);
  });

  it('still serves a valid request afterwards', async () => {
    const res = await post(valid);
    expect(res.status).toBe(200);
    expect(topicsOf(res.body as never)).toEqual(SEED_TOPICS);
    await request(s.url).get('/healthz').expect(200);
  });
});
