import fc from 'fast-check';
import request from 'supertest';
import { PROPERTY_TIMEOUT_MS, REQUEST_TIMEOUT_MS, applyMutations, assertAcceptableAnswer, mutationOf, numRuns, pathsOf, type Path } from './support/mutations.js';
import { SEED_TOPICS, SERVICE_PATH, fhirAuthorization, seedPrefetch, seedRequest, topicsOf } from './support/seed.js';
import { startService, type ServiceUnderTest } from './support/service.js';
import { loopbackOnly } from '../support/loopback-only.js';

/**
 * Property: whatever a client does to a valid order-sign request (fields removed, types swapped, nulls where
 * objects belong, huge strings, random JSON), the real service (real reviewer, prefetch, FHIR access)
 * answers 400 naming the problems, 412 when a key it must read cannot be had, or 200 with valid cards;
 * never a 5xx, never a hang, and it keeps serving afterwards.
 */
const FHIR = 'http://fhir.fuzz.test/r4';

let s: ServiceUnderTest;
loopbackOnly();
beforeAll(async () => {
  s = await startService({ FHIR_SERVER_ALLOWLIST: FHIR, HOOK_DEADLINE_MS: '2000', FHIR_REQUEST_TIMEOUT_MS: '500' });
  // A mutation that drops a prefetch key makes the service read it: no FHIR server answers, so it is 'unreachable'.
});
afterAll(async () => {
  await s.close();
});

const valid = seedRequest({ fhirServer: FHIR, fhirAuthorization: fhirAuthorization('fuzz-token'), prefetch: seedPrefetch() });
const allPaths = pathsOf(valid);
const isPrefetch = (p: Path) => p[0] === 'prefetch';
const envelopePaths = allPaths.filter((p) => !isPrefetch(p));
const prefetchPaths = allPaths.filter(isPrefetch);
const draftOrderPaths = allPaths.filter((p) => p[0] === 'context' && p[1] === 'draftOrders');

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
        const res = await post(body);
        assertAcceptableAnswer(res.status, res.body, false);
      }),
      numRuns(150),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('a draft order whose code.text is not a string is still answered', async () => {
    const body = structuredClone(valid) as { context: { draftOrders: { entry: { resource: { code: { text: unknown } } }[] } } };
    body.context.draftOrders.entry[2]!.resource.code.text = {};
    const res = await post(body);
    assertAcceptableAnswer(res.status, res.body, false);
  });

  it('a draft order whose id is not a string is still answered', async () => {
    const body = structuredClone(valid) as { context: { draftOrders: { entry: { resource: { id: unknown } }[] } } };
    body.context.draftOrders.entry[1]!.resource.id = 42;
    const res = await post(body);
    assertAcceptableAnswer(res.status, res.body, false);
  });

  it('a draft order whose code.coding is one object rather than a list is still answered', async () => {
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
