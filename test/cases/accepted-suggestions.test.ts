import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Card, Suggestion } from '../../src/cards/types.js';
import { readSetting } from '../../src/orders/setting.js';
import { orderReviewer } from '../../src/review/order-reviewer.js';
import { loadValueSets } from '../../src/terminology/value-sets.js';
import { buildTestApp, type TestApp } from '../cds/support/app-fixture.js';
import { assertValidCard } from '../support/card-validity.js';
import { chartOf, prefetchOf } from '../support/fixture-charts.js';

/**
 * A suggestion must leave a plan the service itself accepts. Each case signs a request, applies one suggestion's
 * actions as an EHR applies them (update replaces the order with that id, create adds one), signs the result again
 * and checks that no inpatient-recommended card comes back and that the operation is booked in one setting.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CPT = 'http://www.ama-assn.org/go/cpt';
const POS = 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set';
const AMB = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }] }];
const valueSets = loadValueSets();

type Json = Record<string, unknown>;
interface HookBody {
  hookInstance: string;
  context: { patientId: string; draftOrders: { entry: { resource: Json }[] } };
  [key: string]: unknown;
}

function fixtureRequest(name: string): HookBody {
  return JSON.parse(readFileSync(path.join(ROOT, 'fixtures', 'cases', name, 'request.json'), 'utf8')) as HookBody;
}

function withOrders(name: string, orders: Json[]): HookBody {
  const body = fixtureRequest(name);
  body.context.draftOrders.entry = orders.map((resource) => ({ resource }));
  return body;
}

function order(id: string, cpt: string, fields: Json = {}): Json {
  return {
    resourceType: 'ServiceRequest',
    id,
    status: 'draft',
    intent: 'order',
    code: { coding: [{ system: CPT, code: cpt }] },
    subject: { reference: 'Patient/seed-revision-l34' },
    authoredOn: '2026-11-20',
    requester: { reference: 'Practitioner/spine-surgeon-1' },
    locationCode: AMB,
    ...fields,
  };
}

/** The draft orders after the EHR applies a suggestion. */
function applied(body: HookBody, suggestion: Suggestion): HookBody {
  const next = structuredClone(body);
  next.hookInstance = crypto.randomUUID();
  const entries = next.context.draftOrders.entry;
  for (const action of suggestion.actions) {
    const resource = action.resource as unknown as Json;
    if (action.type === 'update') {
      const i = entries.findIndex((e) => e.resource.resourceType === resource.resourceType && e.resource.id === resource.id);
      expect(i).toBeGreaterThanOrEqual(0);
      entries[i] = { resource: structuredClone(resource) };
    } else if (action.type === 'create') {
      entries.push({ resource: structuredClone(resource) });
    }
  }
  return next;
}

const topics = (cards: Card[]) => cards.map((c) => c.source.topic.code).sort();
const settings = (body: HookBody) => body.context.draftOrders.entry.map((e) => readSetting(e.resource.locationCode, valueSets));

describe('an accepted suggestion leaves a plan the service accepts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({}, { reviewer: orderReviewer({ baseUrl: 'http://localhost:3000' }) });
  });
  afterAll(async () => {
    await t.close();
  });

  async function sign(body: HookBody): Promise<Card[]> {
    const res = await request(t.app)
      .post('/cds-services/lumbar-fusion-criteria')
      .send({ ...body, prefetch: prefetchOf(chartOf(body.context.patientId)) });
    expect(res.status).toBe(200);
    const cards = res.body.cards as Card[];
    cards.forEach(assertValidCard);
    return cards;
  }

  function suggestionOf(cards: Card[], topic: string): Suggestion {
    const card = cards.find((c) => c.source.topic.code === topic);
    expect(card?.suggestions).toHaveLength(1);
    return card!.suggestions![0]!;
  }

  it('consider-fusion on a decompression booked ambulatory drafts the fusion inpatient; the inpatient card then books the rest', async () => {
    const body = fixtureRequest('flexion-extension-4mm-decompression');
    body.context.draftOrders.entry[0]!.resource.locationCode = AMB;
    const first = await sign(body);
    expect(topics(first)).toEqual(['consider-fusion', 'criteria-met']);
    const suggestion = suggestionOf(first, 'consider-fusion');
    // cards.md: "Add instrumented fusion at L3-L4", one action of type create.
    expect(suggestion.label).toBe('Add instrumented fusion at L3-L4');
    expect(suggestion.actions.map((a) => a.type)).toEqual(['create']);
    const after = applied(body, suggestion);
    expect(settings(after)).toEqual(['outpatient', 'inpatient']);
    // A revision fusion booked partly ambulatory: the service asks for inpatient care, and its suggestion finishes the plan.
    const second = await sign(after);
    expect(topics(second)).toEqual(['criteria-met', 'inpatient-recommended']);
    const booked = applied(after, suggestionOf(second, 'inpatient-recommended'));
    expect(settings(booked)).toEqual(['inpatient', 'inpatient']);
    expect(topics(await sign(booked))).toEqual(['criteria-met']);
  });

  it('consider-fusion and inpatient-recommended accepted together leave no further card', async () => {
    const body = fixtureRequest('seed-decompression-alone-ambulatory');
    const first = await sign(body);
    expect(topics(first)).toEqual(['consider-fusion', 'criteria-met', 'inpatient-recommended']);
    const after = applied(applied(body, suggestionOf(first, 'consider-fusion')), suggestionOf(first, 'inpatient-recommended'));
    expect(settings(after)).toEqual(['inpatient', 'inpatient']);
    expect(topics(await sign(after))).toEqual(['criteria-met']);
  });

  it('consider-fusion on orders that state no setting adds a fusion that states none either', async () => {
    const body = fixtureRequest('seed-decompression-alone-ambulatory');
    delete body.context.draftOrders.entry[0]!.resource.locationCode;
    const first = await sign(body);
    expect(topics(first)).toEqual(['consider-fusion', 'criteria-met']);
    const suggestion = suggestionOf(first, 'consider-fusion');
    expect(suggestion.actions.map((a) => a.type)).toEqual(['create']);
    expect((suggestion.actions[0]!.resource as unknown as Json).locationCode).toBeUndefined();
    const after = applied(body, suggestion);
    expect(settings(after)).toEqual(['unknown', 'unknown']);
    expect(topics(await sign(after))).toEqual(['criteria-met']);
  });

  it('inpatient-recommended moves a revision and its extension to the adjacent level together', async () => {
    const body = withOrders('seed-revision-fusion-outpatient', [
      order('op-1', '22612', { bodySite: [{ text: 'L3-L4' }] }),
      order('op-2', '22614', { bodySite: [{ text: 'L4-L5' }] }),
      order('op-3', '22842', { code: { coding: [{ system: CPT, code: '22842' }], text: 'Pedicle screw instrumentation L3-L5' } }),
    ]);
    const first = await sign(body);
    expect(topics(first)).toContain('inpatient-recommended');
    const suggestion = suggestionOf(first, 'inpatient-recommended');
    expect(suggestion.actions.map((a) => (a.resource as unknown as Json).id)).toEqual(['op-1', 'op-3', 'op-2']);
    const after = applied(body, suggestion);
    expect(settings(after)).toEqual(['inpatient', 'inpatient', 'inpatient']);
    expect(topics(await sign(after))).not.toContain('inpatient-recommended');
  });

  it('inpatient-recommended moves an instrumentation order that names no level with the revision it belongs to', async () => {
    const body = withOrders('seed-revision-fusion-outpatient', [
      order('rev-1', '22830', { bodySite: [{ text: 'L3-L4' }] }),
      order('rev-2', '22612', { bodySite: [{ text: 'L3-L4' }] }),
      order('rev-3', '22840'),
    ]);
    const first = await sign(body);
    const card = first.find((c) => c.source.topic.code === 'inpatient-recommended')!;
    expect(card.detail).toContain('(level not stated)');
    const after = applied(body, suggestionOf(first, 'inpatient-recommended'));
    expect(settings(after)).toEqual(['inpatient', 'inpatient', 'inpatient']);
    expect(topics(await sign(after))).not.toContain('inpatient-recommended');
    // The update gives each order back as it was sent, the setting aside.
    const sent = body.context.draftOrders.entry[2]!.resource;
    const { locationCode, ...rest } = after.context.draftOrders.entry[2]!.resource;
    expect(rest).toEqual(Object.fromEntries(Object.entries(sent).filter(([k]) => k !== 'locationCode')));
    expect(locationCode).toEqual([{ coding: [{ system: POS, code: '21', display: 'Inpatient Hospital' }], text: 'Inpatient Hospital' }]);
  });
});
