import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FhirResource } from 'fhir/r4.js';
import nock from 'nock';
import type { OrderReviewer } from '../../../src/cds/order-reviewer.js';
import { orderReviewer } from '../../../src/review/order-reviewer.js';
import { chartOf, prefetchOf, searchset } from '../../support/fixture-charts.js';

/**
 * The seed article's chart (fixtures/patients/seed-revision-l34.json) and its outpatient revision fusion
 * order (fixtures/cases/seed-revision-fusion-outpatient), as the security and operations tests send them.
 */
type Json = Record<string, unknown>;

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const SEED_PATIENT = 'seed-revision-l34';
export const SEED_CASE = 'seed-revision-fusion-outpatient';
/** The cards the fixture case expects (fixtures/cases/seed-revision-fusion-outpatient/expected.json). */
export const SEED_TOPICS = ['criteria-met', 'inpatient-recommended'];
export const SERVICE_PATH = '/cds-services/lumbar-fusion-criteria';
export const FEEDBACK_PATH = `${SERVICE_PATH}/feedback`;
/** Topics that judge the plan; none may come with an evaluation-unavailable card. */
export const DETERMINATIONS = ['criteria-met', 'criteria-not-met', 'documentation-incomplete', 'consider-fusion', 'inpatient-recommended'];

function readJson<T>(relative: string): T {
  return JSON.parse(readFileSync(path.join(ROOT, relative), 'utf8')) as T;
}

/** Every resource of the seed patient's file (a fresh copy each time). */
export function seedChart(): FhirResource[] {
  return chartOf(SEED_PATIENT);
}

export { searchset };

/** Every declared prefetch key filled from the seed chart. */
export function seedPrefetch(): Json {
  return prefetchOf(seedChart());
}

/** The seed case's order-sign request, with `fhirServer` and the other top-level fields given. */
export function seedRequest(overrides: Json = {}): Json {
  return { ...readJson<Json>(`fixtures/cases/${SEED_CASE}/request.json`), ...overrides };
}

export function fhirAuthorization(token: string): Json {
  return { access_token: token, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'spine-cds' };
}

let reviewer: OrderReviewer | undefined;
/** The real reviewer (CQL engine, evidence readers, card builder), loaded once per test file. */
export function realReviewer(): OrderReviewer {
  reviewer ??= orderReviewer({ baseUrl: 'http://localhost:3000' });
  return reviewer;
}

/**
 * A FHIR server at `base` holding the seed chart: Patient read and the five searches, answered only with the
 * bearer token. Returns the paths it was asked for.
 */
export function mockSeedServer(base: string, token: string): { calls: string[]; scope: nock.Scope } {
  const url = new URL(base);
  const prefix = url.pathname.replace(/\/+$/, '');
  const chart = seedChart();
  const calls: string[] = [];
  const scope = nock(url.origin)
    .persist()
    .matchHeader('authorization', `Bearer ${token}`)
    .get((uri) => uri.startsWith(`${prefix}/`))
    .reply((uri) => {
      calls.push(uri);
      const { pathname, searchParams } = new URL(uri, url.origin);
      const [type, id] = pathname.slice(prefix.length + 1).split('/');
      if (id !== undefined) {
        const found = chart.find((r) => r.resourceType === type && r.id === id);
        return found ? [200, found] : [404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }];
      }
      if (searchParams.get('patient') !== SEED_PATIENT) return [200, searchset([])];
      return [200, searchset(chart.filter((r) => r.resourceType === type))];
    });
  return { calls, scope };
}

export function topicsOf(body: { cards: { source: { topic: { code: string } } }[] }): string[] {
  return body.cards.map((c) => c.source.topic.code).sort();
}
