import fc from 'fast-check';
import nock from 'nock';
import request from 'supertest';
import { PROPERTY_TIMEOUT_MS, REQUEST_TIMEOUT_MS, anyValue, applyMutations, assertAcceptableAnswer, mutationOf, numRuns, pathsOf, type Path } from './support/mutations.js';
import { SEED_PATIENT, SEED_TOPICS, SERVICE_PATH, fhirAuthorization, searchset, seedPrefetch, seedRequest, topicsOf } from './support/seed.js';
import { startService, type ServiceUnderTest } from './support/service.js';
import { loopbackOnly } from '../support/loopback-only.js';

/**
 * Property: the FHIR resources of the seed chart with any of their fields replaced by arbitrary JSON
 * (or removed, or of another type), given in prefetch or read from a FHIR server, are answered with 200
 * and valid cards (an evaluation-unavailable card when a server's answer is unusable) or 400 naming the
 * problem: never a 5xx, never a hang.
 */
const FHIR = 'http://fhir.fuzz.test/r4';
const TOKEN = 'fuzz-token';
const KEYS = ['patient', 'conditions', 'procedures', 'observations', 'imagingStudies', 'diagnosticReports'] as const;

let s: ServiceUnderTest;
loopbackOnly();
beforeAll(async () => {
  s = await startService({ FHIR_SERVER_ALLOWLIST: FHIR, HOOK_DEADLINE_MS: '2000', FHIR_REQUEST_TIMEOUT_MS: '1000' });
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await s.close();
});

const prefetch = seedPrefetch();
/** Paths inside the chart's resources (prefetch.<key>.entry.<i>.resource.<...>, prefetch.patient.<...>), not the Bundles around them. */
const resourcePaths: Path[] = pathsOf(prefetch).filter((p) => (p[0] === 'patient' ? p.length > 1 : p[1] === 'entry' && p[3] === 'resource' && p.length > 4));
/** Whole entries' resources, to be replaced by something shaped only vaguely like a resource. */
const resourceRoots: Path[] = pathsOf(prefetch).filter((p) => p[1] === 'entry' && p[3] === 'resource' && p.length === 4);

const typeOf: Record<string, string> = {
  conditions: 'Condition',
  procedures: 'Procedure',
  observations: 'Observation',
  imagingStudies: 'ImagingStudy',
  diagnosticReports: 'DiagnosticReport',
};

/** A resource of the key's type about the seed patient, every other member random. */
const randomResource = (key: string): fc.Arbitrary<unknown> =>
  fc
    .dictionary(fc.constantFrom('code', 'status', 'clinicalStatus', 'onsetDateTime', 'effectiveDateTime', 'valueQuantity', 'conclusion', 'bodySite', 'performedDateTime', 'note', 'category', 'series', 'started', 'valueCodeableConcept', 'component'), anyValue, { maxKeys: 6 })
    .map((members) => ({ ...members, resourceType: typeOf[key], id: `fuzz-${key}`, subject: { reference: `Patient/${SEED_PATIENT}` } }));

const chartMutations = fc.tuple(
  fc.array(mutationOf(fc.constantFrom(...resourcePaths)), { minLength: 1, maxLength: 6 }),
  fc.array(
    fc.constantFrom(...resourceRoots).chain((path) => randomResource(String(path[0])).map((value) => ({ path, op: 'set' as const, value, variant: 0 }))),
    { maxLength: 2 },
  ),
);

describe('fuzzed FHIR resources of the seed chart', () => {
  it('in prefetch: 200 with valid cards or 400, never a 5xx or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(chartMutations, async ([fields, roots]) => {
        const fuzzed = applyMutations(prefetch, [...roots, ...fields]);
        const res = await request(s.url)
          .post(SERVICE_PATH)
          .send(seedRequest({ fhirServer: FHIR, prefetch: fuzzed }))
          .timeout(REQUEST_TIMEOUT_MS);
        assertAcceptableAnswer(res.status, res.body, false);
      }),
      numRuns(200),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('read from a FHIR server: 200 with valid cards (evaluation-unavailable when unusable), never a 5xx or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(chartMutations, async ([fields, roots]) => {
        const fuzzed = applyMutations(prefetch, [...roots, ...fields]) as Record<string, unknown>;
        const scope = nock('http://fhir.fuzz.test').matchHeader('authorization', `Bearer ${TOKEN}`);
        scope.get(`/r4/Patient/${SEED_PATIENT}`).reply(200, fuzzed.patient as object);
        for (const key of KEYS.slice(1)) {
          const bundle = fuzzed[key] as { entry?: { resource?: unknown }[] };
          scope.get(`/r4/${typeOf[key]}`).query({ patient: SEED_PATIENT }).reply(200, searchset((bundle.entry ?? []).map((e) => e.resource)));
        }
        const res = await request(s.url)
          .post(SERVICE_PATH)
          .send(seedRequest({ fhirServer: FHIR, fhirAuthorization: fhirAuthorization(TOKEN) }))
          .timeout(REQUEST_TIMEOUT_MS);
        nock.cleanAll();
        if (res.status !== 200) throw new Error(`answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
        assertAcceptableAnswer(res.status, res.body, false);
      }),
      numRuns(100),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('still serves the unfuzzed chart afterwards', async () => {
    const res = await request(s.url).post(SERVICE_PATH).send(seedRequest({ prefetch })).expect(200);
    expect(topicsOf(res.body)).toEqual(SEED_TOPICS);
  });
});
