import type { ServiceRequest } from 'fhir/r4.js';
import { buildCards } from '../../src/cards/build-cards.js';
import { emptyValuePaths, pruneEmpty } from '../../src/cds/no-empty.js';
import { triggeringOrders } from '../../src/orders/find-plans.js';
import { loadValueSets } from '../../src/terminology/value-sets.js';
import type { Card } from '../../src/cards/types.js';
import { ctx, draftOrder, emptyValues, metDecision, plan, serviceRequest } from './card-fixtures.js';

const POS = 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set';
const CPT = 'http://www.ama-assn.org/go/cpt';
const bundle = (...resources: unknown[]) => ({ resourceType: 'Bundle', entry: resources.map((resource) => ({ resource })) });

function cardOf(cards: Card[], topic: string): Card {
  const card = cards.find((c) => c.source.topic.code === topic);
  if (!card) throw new Error(`no ${topic} card`);
  return card;
}

describe('inpatient-recommended suggestion', () => {
  const outpatientFusion = metDecision({ setting: 'outpatient', inpatientRecommended: true, inpatientReasons: ['revision-fusion', 'dural-tear'] });

  it('updates the draft order to POS 21, same id, every other field kept, input untouched', () => {
    const sr = serviceRequest('sr-1', '22612');
    const before = structuredClone(sr);
    const card = cardOf(buildCards([{ plan: plan([draftOrder(sr)]), decision: outpatientFusion }], ctx), 'inpatient-recommended');
    expect(card.indicator).toBe('warning');
    expect(card.summary).toBe('Revision L3-L4 fusion ordered outpatient: inpatient admission recommended');
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions).toHaveLength(1);
    const [suggestion] = card.suggestions!;
    expect(suggestion!.label).toBe('Plan inpatient admission');
    expect(suggestion!.actions).toHaveLength(1);
    const [action] = suggestion!.actions;
    expect(action!.type).toBe('update');
    expect(action!.description.trim()).not.toBe('');
    const updated = action!.resource as ServiceRequest;
    expect(updated.id).toBe('sr-1');
    expect(updated.locationCode).toEqual([{ coding: [{ system: POS, code: '21', display: 'Inpatient Hospital' }], text: 'Inpatient Hospital' }]);
    const { locationCode: _a, ...restUpdated } = updated;
    const { locationCode: _b, ...restOriginal } = before;
    expect(restUpdated).toEqual(restOriginal);
    expect(sr).toEqual(before);
    expect(card.overrideReasons!.map((r) => r.code)).toContain('overnight-observation');
    expect(card.detail).toContain('- Prior dural tear: Condition 2019-04-10: Accidental puncture of dura during a procedure.');
    expect(card.detail).toContain('- Revision fusion:');
  });

  it('gives the evidence that makes the deficit progressive, not every neurological finding', () => {
    const d = metDecision({ setting: 'outpatient', inpatientRecommended: true, inpatientReasons: ['progressive-deficit'] });
    const card = cardOf(buildCards([{ plan: plan([draftOrder(serviceRequest('sr-1', '22612'))]), decision: d }], ctx), 'inpatient-recommended');
    expect(card.detail).toContain('- Progressive neurological deficit, which needs close neurological checks after surgery: Condition 2025-08-01: Foot drop, left; Condition 2025-08-01: Gait instability.');
    expect(card.detail).not.toContain('radiculopathy');
  });

  it('updates every order of the plan that is not already inpatient, in one suggestion', () => {
    const orders = [
      draftOrder(serviceRequest('sr-1', '22830')),
      draftOrder(serviceRequest('sr-2', '22612', { locationCode: undefined }), 'unknown'),
      draftOrder(serviceRequest('sr-3', '22840', { locationCode: [{ text: 'inpatient' }] }), 'inpatient'),
    ];
    const card = cardOf(buildCards([{ plan: plan(orders), decision: outpatientFusion }], ctx), 'inpatient-recommended');
    expect(card.suggestions).toHaveLength(1);
    const actions = card.suggestions![0]!.actions;
    expect(actions.map((a) => a.type)).toEqual(['update', 'update']);
    expect(actions.map((a) => (a.resource as ServiceRequest).id)).toEqual(['sr-1', 'sr-2']);
    for (const a of actions) expect((a.resource as ServiceRequest).locationCode![0]!.coding![0]!.code).toBe('21');
    expect((actions[1]!.resource as ServiceRequest).code!.coding![0]!.code).toBe('22612');
  });

  it("moves the whole operation: every triggering order of the request, other plans' and level-less ones included, and names each", () => {
    // A revision at L3-L4 with its extension to the never-operated L4-L5, an instrumentation order over both, and an
    // instrumentation add-on sent with no level, all ambulatory; one order already inpatient.
    const at = (o: ReturnType<typeof draftOrder>, levels: ReturnType<typeof draftOrder>['levels']) => ({ ...o, levels });
    const revision = at(draftOrder(serviceRequest('op-1', '22612', { code: { coding: [{ system: CPT, code: '22612' }], text: 'Revision fusion L3-L4' } })), ['L3-L4']);
    const extension = at(draftOrder(serviceRequest('op-2', '22614', { code: { coding: [{ system: CPT, code: '22614' }], text: 'Fusion L4-L5' } })), ['L4-L5']);
    const span = at(draftOrder(serviceRequest('op-3', '22842', { code: { coding: [{ system: CPT, code: '22842' }], text: 'Pedicle screws L3-L5' } })), ['L3-L4', 'L4-L5']);
    const levelless = at(draftOrder(serviceRequest('op-4', '22840', { code: { coding: [{ system: CPT, code: '22840', display: 'Posterior instrumentation' }] }, bodySite: undefined })), []);
    const inpatient = at(draftOrder(serviceRequest('op-5', '22830', { locationCode: [{ text: 'inpatient' }] }), 'inpatient'), ['L3-L4']);
    const primary = metDecision({ isRevision: false, determination: undefined, level: 'L4-L5' });
    const cards = buildCards(
      [
        { plan: plan([revision, span, inpatient]), decision: outpatientFusion },
        { plan: plan([extension, span], 'L4-L5'), decision: primary },
        { plan: plan([levelless], 'unknown'), decision: { ...primary, level: 'unknown' } },
      ],
      ctx,
    );
    const card = cardOf(cards, 'inpatient-recommended');
    expect(card.suggestions).toHaveLength(1);
    const actions = card.suggestions![0]!.actions;
    expect(actions.map((a) => [a.type, (a.resource as ServiceRequest).id])).toEqual([
      ['update', 'op-1'],
      ['update', 'op-3'],
      ['update', 'op-2'],
      ['update', 'op-4'],
    ]);
    for (const a of actions) expect((a.resource as ServiceRequest).locationCode).toEqual([{ coding: [{ system: POS, code: '21', display: 'Inpatient Hospital' }], text: 'Inpatient Hospital' }]);
    expect(card.detail).toContain(
      'Accepting the suggestion sets the place of service of these 4 orders of the operation to Inpatient Hospital (POS 21) and keeps everything else in them:\n\n' +
        ['- Revision fusion L3-L4 (L3-L4)', '- Pedicle screws L3-L5 (L3-L4, L4-L5)', '- Fusion L4-L5 (L4-L5)', '- Posterior instrumentation (level not stated)'].join('\n'),
    );
    expect(card.detail).not.toContain('op-5');
    expect(actions[3]!.description).toBe('Change Posterior instrumentation (level not stated) to an inpatient admission (place of service 21, Inpatient Hospital)');
  });

  it('gives no update to an order sent without an id, and says what to change by hand', () => {
    const sr = serviceRequest('x', '22612', { code: { coding: [{ system: CPT, code: '22612' }], text: 'Revision fusion L3-L4' } });
    delete sr.id;
    const order = { ...draftOrder(sr), id: 'generated-7' };
    const alone = cardOf(buildCards([{ plan: plan([order]), decision: outpatientFusion }], ctx), 'inpatient-recommended');
    expect(alone.suggestions).toBeUndefined();
    expect(alone.selectionBehavior).toBeUndefined();
    expect(alone.detail).toContain('This order was sent without an id, so no suggestion can change it: set its place of service to Inpatient Hospital (POS 21) by hand.\n\n- Revision fusion L3-L4 (L3-L4)');
    expect(alone.detail).not.toContain('Accepting the suggestion');
    expect(JSON.stringify(alone)).not.toContain('generated-7');

    const withId = draftOrder(serviceRequest('sr-2', '22840'));
    const both = cardOf(buildCards([{ plan: plan([order, withId]), decision: outpatientFusion }], ctx), 'inpatient-recommended');
    expect(both.suggestions![0]!.actions.map((a) => (a.resource as ServiceRequest).id)).toEqual(['sr-2']);
    expect(both.detail).toContain('Accepting the suggestion sets the place of service of this order of the operation to Inpatient Hospital (POS 21) and keeps everything else in it:\n\n- Procedure 22840 L3-L4 (L3-L4)');
    expect(both.detail).toContain('This order was sent without an id');
  });

  it('gives the draft back whole, without the empty values CDS Hooks and FHIR JSON forbid: aligned nulls, values it does not read and unknown elements stay', () => {
    const sent = {
      ...serviceRequest('keep-1', '22612'),
      instantiatesUri: ['http://example.org/protocol/a', 'http://example.org/protocol/b'],
      _instantiatesUri: [null, { extension: [{ url: 'http://example.org/ext/source', valueString: 'second only' }] }],
      patientInstruction: '  Nil by mouth from midnight  ',
      locationReference: [{ reference: 'Location/asc-1', display: 'Riverside Ambulatory Surgery Center' }],
      code: { coding: [{ system: CPT, code: '22612', display: 42 }, { system: CPT, code: '22614' }], text: 7 },
      note: [],
      performer: [{ reference: '' }],
      reasonCode: null,
      priority: null,
      orderDetail: [{}],
      performerType: {},
      unknownElement: { nested: [1, null, 'x'] },
    };
    const before = structuredClone(sent);
    const [order] = triggeringOrders(bundle(sent), loadValueSets());
    const card = cardOf(buildCards([{ plan: plan([order!]), decision: outpatientFusion }], ctx), 'inpatient-recommended');
    const updated = card.suggestions![0]!.actions[0]!.resource as unknown as Record<string, unknown>;
    const { locationCode, ...rest } = updated;
    const { locationCode: _sent, note: _n, performer: _p, reasonCode: _r, priority: _pr, orderDetail: _o, performerType: _pt, unknownElement: _u, ...kept } = before;
    expect(rest).toEqual({ ...kept, unknownElement: { nested: [1, 'x'] } });
    expect(Object.keys(updated)).toEqual(Object.keys(before).filter((k) => k in rest || k === 'locationCode'));
    expect(locationCode).toEqual([{ coding: [{ system: POS, code: '21', display: 'Inpatient Hospital' }], text: 'Inpatient Hospital' }]);
    // The response's empty-value pruning leaves the action's resource alone, and the card is clean elsewhere.
    expect(pruneEmpty(card).suggestions![0]!.actions[0]!.resource).toEqual(updated);
    expect(emptyValuePaths(card)).toEqual([]);
    expect(JSON.parse(JSON.stringify(pruneEmpty(card))).suggestions[0].actions[0].resource._instantiatesUri).toEqual([
      null,
      { extension: [{ url: 'http://example.org/ext/source', valueString: 'second only' }] },
    ]);
    expect(sent).toEqual(before);
  });
});

describe('consider-fusion suggestion', () => {
  const decompression = metDecision({ kind: 'decompression', considerFusion: true });

  it('creates a new draft fusion order: new id, same subject, requester, encounter, intent and level', () => {
    const sr = serviceRequest('sr-1', '63047', { intent: 'original-order' });
    const card = cardOf(buildCards([{ plan: plan([draftOrder(sr, 'inpatient')]), decision: decompression }], ctx), 'consider-fusion');
    expect(card.indicator).toBe('warning');
    expect(card.summary).toBe('Revision L3-L4 decompression: consider adding instrumented fusion');
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(card.suggestions).toHaveLength(1);
    const [suggestion] = card.suggestions!;
    expect(suggestion!.label).toBe('Add instrumented fusion at L3-L4');
    expect(suggestion!.actions).toHaveLength(1);
    const [action] = suggestion!.actions;
    expect(action!.type).toBe('create');
    const created = action!.resource as ServiceRequest;
    expect(created.resourceType).toBe('ServiceRequest');
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.id).not.toBe('sr-1');
    expect(created.status).toBe('draft');
    expect(created.intent).toBe('original-order');
    expect(created.subject).toEqual(sr.subject);
    expect(created.requester).toEqual(sr.requester);
    expect(created.encounter).toEqual(sr.encounter);
    expect(created.code!.coding).toEqual([expect.objectContaining({ system: 'http://www.ama-assn.org/go/cpt', code: '22612' })]);
    expect(created.code!.text).toBe('Posterolateral arthrodesis at L3-L4, for an instrumented fusion');
    // This decision's plan already orders instrumentation (S3): nothing more to ask for.
    expect(created.note).toBeUndefined();
    expect(created.authoredOn).toBe(sr.authoredOn);
    expect(created.bodySite![0]!.text).toBe('L3-L4');
    expect(created.bodySite![0]!.coding!.map((c) => c.code)).toEqual(['36470004', '11994002']);
    expect(created.locationCode).toEqual([{ coding: [{ system: POS, code: '21', display: 'Inpatient Hospital' }], text: 'Inpatient Hospital' }]);
    expect(action!.description).toBe('Add a draft order for posterolateral arthrodesis at L3-L4 (CPT 22612), inpatient, to this operation, which already orders the instrumentation');
    expect(emptyValues(card)).toEqual([]);
  });

  it.each([[{}], [''], [null]])('gives the new order this patient, user and encounter when the draft carries %j for them', (empty) => {
    // A loosely formed draft's empty subject is let through; the created order must still be a valid ServiceRequest (subject 1..1).
    const sr = serviceRequest('sr-1', '63047', { subject: empty, requester: empty, encounter: empty } as never);
    const card = cardOf(buildCards([{ plan: plan([draftOrder(sr, 'inpatient')]), decision: decompression }], ctx), 'consider-fusion');
    const created = card.suggestions![0]!.actions[0]!.resource as ServiceRequest;
    expect([created.subject, created.requester, created.encounter]).toEqual([
      { reference: `Patient/${ctx.patientId}` },
      { reference: ctx.userId },
      ...(ctx.encounterId ? [{ reference: `Encounter/${ctx.encounterId}` }] : [undefined]),
    ]);
  });

  it('drafts the fusion inpatient when the operation is booked outpatient, in one create action as cards.md gives it', () => {
    const sr = serviceRequest('sr-1', '63047');
    const levelless = { ...draftOrder(serviceRequest('sr-2', '22840', { code: { coding: [{ system: CPT, code: '22840' }], text: 'Instrumentation' }, bodySite: undefined })), levels: [] };
    for (const inpatientRecommended of [false, true]) {
      const decision = { ...decompression, setting: 'outpatient' as const, inpatientRecommended, inpatientReasons: inpatientRecommended ? ['dural-tear'] : [] };
      const cards = buildCards(
        [
          { plan: plan([draftOrder(sr)]), decision },
          { plan: plan([levelless], 'unknown'), decision: metDecision({ isRevision: false, determination: undefined, level: 'unknown' }) },
        ],
        ctx,
      );
      const card = cardOf(cards, 'consider-fusion');
      const [suggestion] = card.suggestions!;
      expect(suggestion!.label).toBe('Add instrumented fusion at L3-L4');
      expect(suggestion!.actions.map((a) => a.type)).toEqual(['create']);
      expect((suggestion!.actions[0]!.resource as ServiceRequest).locationCode).toEqual([{ coding: [{ system: POS, code: '21', display: 'Inpatient Hospital' }], text: 'Inpatient Hospital' }]);
      expect(card.detail).toContain(
        `A revision fusion warrants inpatient care (revision complexity), so the suggested fusion is drafted inpatient (Inpatient Hospital, POS 21); book the rest of this operation, now outpatient or ambulatory, inpatient as well${
          inpatientRecommended ? ' (the inpatient-recommended card does so).' : '.'
        }`,
      );
      // The inpatient card, when shown, is the one that moves the orders already drafted.
      expect(cards.some((c) => c.source.topic.code === 'inpatient-recommended')).toBe(inpatientRecommended);
    }
  });

  it('books the fusion inpatient when the operation is inpatient, and states no setting when the orders state none', () => {
    const make = (setting: 'inpatient' | 'unknown', extra: Partial<ServiceRequest> = {}) => {
      const sr = serviceRequest('sr-1', '63047', extra);
      const card = cardOf(buildCards([{ plan: plan([draftOrder(sr, setting)]), decision: { ...decompression, setting } }], ctx), 'consider-fusion');
      return card.suggestions![0]!;
    };
    const inpatient = make('inpatient');
    expect(inpatient.label).toBe('Add instrumented fusion at L3-L4');
    expect(inpatient.actions).toHaveLength(1);
    expect((inpatient.actions[0]!.resource as ServiceRequest).locationCode![0]!.coding![0]!.code).toBe('21');
    // A setting the service cannot read ("Main OR") is no setting: the new order does not copy it.
    for (const unknown of [make('unknown', { locationCode: undefined }), make('unknown', { locationCode: [{ text: 'Main OR' }] })]) {
      expect(unknown.label).toBe('Add instrumented fusion at L3-L4');
      expect(unknown.actions).toHaveLength(1);
      expect((unknown.actions[0]!.resource as ServiceRequest).locationCode).toBeUndefined();
    }
  });

  it('asks for the instrumentation order only when the operation has none', () => {
    const noInstrumentation = { ...decompression, supporting: decompression.supporting.map((s) => (s.id === 'S3' ? { ...s, status: 'absent' as const } : s)) };
    const card = cardOf(buildCards([{ plan: plan([draftOrder(serviceRequest('sr-1', '63047'), 'inpatient')]), decision: noInstrumentation }], ctx), 'consider-fusion');
    const [action] = card.suggestions![0]!.actions;
    expect((action!.resource as ServiceRequest).note).toEqual([{ text: 'Instrumented fusion: order the pedicle screw instrumentation (CPT 22840) with this arthrodesis.' }]);
    expect(action!.description).toMatch(/; order the pedicle screw instrumentation \(CPT 22840\) with it$/);
  });

  it('gives every created order its own id', () => {
    const make = (): string =>
      (cardOf(buildCards([{ plan: plan([draftOrder(serviceRequest('sr-1', '63047'))]), decision: decompression }], ctx), 'consider-fusion')
        .suggestions![0]!.actions[0]!.resource as ServiceRequest).id!;
    expect(make()).not.toBe(make());
  });

  it('fills subject, requester and encounter from the hook context when the draft lacks them', () => {
    const sr = serviceRequest('sr-1', '63047', { subject: undefined as unknown as ServiceRequest['subject'], requester: undefined, encounter: undefined });
    const card = cardOf(buildCards([{ plan: plan([draftOrder(sr)], 'L5-S1'), decision: { ...decompression, level: 'L5-S1' } }], ctx), 'consider-fusion');
    const created = card.suggestions![0]!.actions[0]!.resource as ServiceRequest;
    expect(created.subject).toEqual({ reference: 'Patient/seed-1' });
    expect(created.requester).toEqual({ reference: 'Practitioner/surgeon-7' });
    expect(created.encounter).toEqual({ reference: 'Encounter/enc-9' });
    expect(created.bodySite![0]!.coding!.map((c) => c.code)).toEqual(['49668003', '54735007']);
    expect(card.suggestions![0]!.label).toBe('Add instrumented fusion at L5-S1');
  });

  it('explains why: instability, or recurrent stenosis with a progressive deficit', () => {
    const withInstability = metDecision({
      kind: 'decompression',
      considerFusion: true,
      supporting: [{ id: 'S1', status: 'present', evidence: [{ resourceType: 'Condition', id: 's', display: 'Spondylolisthesis, lumbar region', level: 'L3-L4' }] }],
    });
    const card = cardOf(buildCards([{ plan: plan([draftOrder(serviceRequest('sr-1', '63047'))]), decision: withInstability }], ctx), 'consider-fusion');
    expect(card.detail).toContain('- Instability or biomechanical failure: Condition undated: Spondylolisthesis, lumbar region, L3-L4.');
    expect(card.detail).toContain('- Recurrent stenosis: MRI lumbar spine 2025-10-02: moderate bilateral foraminal narrowing at L3-L4.');
    expect(card.detail).toContain('- Progressive neurological deficit: Condition 2025-08-01: Foot drop, left; Condition 2025-08-01: Gait instability.');
    expect(card.detail).not.toContain('radiculopathy');
  });
});
