import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';
import request from 'supertest';
import type { Card } from '../../src/cards/types.js';
import { orderReviewer } from '../../src/review/order-reviewer.js';
import { buildTestApp, type TestApp } from '../cds/support/app-fixture.js';
import { assertValidCard } from '../support/card-validity.js';
import { chartOf, prefetchOf, searchset } from '../support/fixture-charts.js';

/**
 * Every fixture case through the HTTP API, twice: with the chart in prefetch, and with no prefetch
 * against a FHIR server (nock) that pages its answers and insists on the bearer token.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CASES = path.join(ROOT, 'fixtures', 'cases');
const FHIR = 'https://fhir.example.test/r4';
const PAGE_SIZE = 2;
interface Expected {
  cards: { topic: string; level?: string }[];
}

const cases = readdirSync(CASES).filter((n) => readdirSync(path.join(CASES, n)).includes('request.json')).sort();
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

function prefetchFor(patientId: string): Record<string, unknown> {
  return prefetchOf(chartOf(patientId));
}

/** A FHIR server for one patient: read by id, search by patient in pages of two, bearer token required. */
function mockFhirServer(patientId: string, token: string): { calls: string[] } {
  const resources = chartOf(patientId);
  const calls: string[] = [];
  nock('https://fhir.example.test')
    .persist()
    .matchHeader('authorization', `Bearer ${token}`)
    .get(/^\/r4\/.*/)
    .reply((uri) => {
      calls.push(uri);
      const url = new URL(uri, 'https://fhir.example.test');
      const [, , type, id] = url.pathname.split('/');
      if (id) {
        const found = resources.find((r) => r.resourceType === type && r.id === id);
        return found ? [200, found] : [404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }];
      }
      const patient = url.searchParams.get('patient');
      if (patient !== patientId && patient !== `Patient/${patientId}`) return [400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] }];
      const all = resources.filter((r) => r.resourceType === type);
      const page = Number(url.searchParams.get('_page') ?? '0');
      const next = (page + 1) * PAGE_SIZE < all.length ? `${FHIR}/${type}?patient=${encodeURIComponent(patient)}&_page=${page + 1}` : undefined;
      return [200, { ...searchset(all.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE), next), total: all.length }];
    });
  return { calls };
}

function topicsAndLevels(cards: Card[]): string[] {
  return cards
    .map((c) => {
      const topic = c.source.topic.code;
      if (topic === 'evaluation-unavailable') return topic;
      return `${topic}@${/\bL\d-[LS]\d\b/.exec(c.summary)?.[0] ?? 'unknown'}`;
    })
    .sort();
}

function expectedOf(name: string): string[] {
  const e = readJson<Expected>(path.join(CASES, name, 'expected.json'));
  return e.cards.map((c) => (c.topic === 'evaluation-unavailable' ? c.topic : `${c.topic}@${c.level ?? 'unknown'}`)).sort();
}

describe('fixture cases through the HTTP API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ FHIR_SERVER_ALLOWLIST: FHIR }, { reviewer: orderReviewer({ baseUrl: 'http://localhost:3000' }) });
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterEach(() => nock.cleanAll());
  afterAll(async () => {
    nock.enableNetConnect();
    await t.close();
  });

  it('has at least 20 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  describe.each(cases)('%s', (name) => {
    const body = readJson<{ context: { patientId: string } } & Record<string, unknown>>(path.join(CASES, name, 'request.json'));
    const patientId = body.context.patientId;

    it('with full prefetch: the expected cards, without calling a FHIR server', async () => {
      const { calls } = mockFhirServer(patientId, 'unused');
      const res = await request(t.app)
        .post('/cds-services/lumbar-fusion-criteria')
        .send({ ...body, fhirServer: FHIR, prefetch: prefetchFor(patientId) });
      expect(res.status).toBe(200);
      res.body.cards.forEach(assertValidCard);
      expect(topicsAndLevels(res.body.cards)).toEqual(expectedOf(name));
      expect(calls).toEqual([]);
    });

    it('without prefetch: the same cards, read page by page with the bearer token', async () => {
      const token = `token-${name}`;
      const { calls } = mockFhirServer(patientId, token);
      const { prefetch: _none, ...withoutPrefetch } = body as Record<string, unknown>;
      const res = await request(t.app)
        .post('/cds-services/lumbar-fusion-criteria')
        .send({
          ...withoutPrefetch,
          fhirServer: FHIR,
          fhirAuthorization: { access_token: token, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'spine-cds' },
        });
      expect(res.status).toBe(200);
      res.body.cards.forEach(assertValidCard);
      expect(topicsAndLevels(res.body.cards)).toEqual(expectedOf(name));
      if (res.body.cards.length > 0) expect(calls.length).toBeGreaterThanOrEqual(6);
    });
  });
});
