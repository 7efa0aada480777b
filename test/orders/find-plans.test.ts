import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findPlans, triggeringOrders } from '../../src/orders/find-plans.js';
import { loadValueSets } from '../../src/terminology/value-sets.js';
import { ACT, POS, SCT, bundle, cpt, deepFreeze, serviceRequest, testIndex } from './helpers.js';
import { runBounded } from '../support/bounded.js';

/** Real-world request shapes, copied into the repository (test/external-fixtures/README.md). */
const EXTERNAL = path.resolve(import.meta.dirname, '..', 'external-fixtures');

const index = testIndex();
const vertebra = (code: string, display: string) => ({ coding: [{ system: SCT, code, display }] });
const L3 = vertebra('36470004', 'Bone structure of third lumbar vertebra');
const L4 = vertebra('11994002', 'Bone structure of fourth lumbar vertebra');
const LEFT = { coding: [{ system: SCT, code: '7771000', display: 'Left' }] };

const summary = (plans: ReturnType<typeof findPlans>) =>
  plans.map((p) => ({ level: p.level, side: p.side, ids: p.orders.map((o) => o.id) }));

describe('findPlans: what triggers', () => {
  it('ignores the CDS Hooks Sandbox draftOrders (a MedicationRequest, Bundle without type)', () => {
    const request = JSON.parse(readFileSync(path.join(EXTERNAL, 'sandbox', 'order-sign-request.json'), 'utf8')) as { body: { context: { draftOrders: unknown } } };
    expect(findPlans(request.body.context.draftOrders, index)).toEqual([]);
  });

  it('ignores non-ServiceRequest resources even with a trigger code', () => {
    const draft = bundle(
      { resourceType: 'MedicationRequest', id: 'mr', code: cpt('22612', 'L3-L4') },
      { resourceType: 'Procedure', id: 'p', code: cpt('22612', 'L3-L4') },
      { resourceType: 'NutritionOrder', id: 'n' },
    );
    expect(findPlans(draft, index)).toEqual([]);
  });

  it('ignores ServiceRequests whose codes are not lumbar spine surgery', () => {
    const draft = bundle(
      serviceRequest({ id: 'mri', code: cpt('72148', 'MRI lumbar spine L3-L4') }),
      serviceRequest({ id: 'pt', code: cpt('97110', 'Physical therapy') }),
      serviceRequest({ id: 'nosystem', code: { coding: [{ code: '22612' }], text: 'Fusion L3-L4' } }),
      serviceRequest({ id: 'textonly', code: { text: 'Revision fusion L3-L4' } }),
    );
    expect(findPlans(draft, index)).toEqual([]);
  });

  it.each([undefined, null, 0, 'Bundle', [], {}, { entry: null }, { entry: 'x' }, { entry: [null, 1, 'x', {}, { resource: null }, { resource: [] }] }])(
    'returns no plan for %j',
    (draft) => {
      expect(findPlans(draft, index)).toEqual([]);
    },
  );
});

describe.each([
  ['in-test index', index],
  ['real value sets', loadValueSets()],
])('findPlans: cervical and thoracic orders, with the %s', (_name, valueSets) => {
  const CERVICAL_SPINE = { coding: [{ system: SCT, code: '122494005', display: 'Cervical spine structure' }] };
  const THORACIC_SPINE = { coding: [{ system: SCT, code: '122495006' }] };
  const C5 = { coding: [{ system: SCT, code: '36978003' }] };
  const C6 = { coding: [{ system: SCT, code: '36054005' }] };
  const T10 = { coding: [{ system: SCT, code: '7610001' }] };
  const T12 = { coding: [{ system: SCT, code: '23215003' }] };
  const LUMBAR_SPINE = { coding: [{ system: SCT, code: '122496007' }] };
  const ids = (draft: unknown) => triggeringOrders(draft, valueSets).map((o) => o.id);
  const DESCRIPTOR_22840 =
    'Posterior non-segmental instrumentation (eg, Harrington rod technique, pedicle fixation across 1 interspace, atlantoaxial transarticular screw fixation, sublaminar wiring at C1, facet screw fixation)';

  it.each([
    ['a cervical body site coding and text', { code: cpt('22850', 'Removal of posterior segmental instrumentation'), bodySite: [{ ...CERVICAL_SPINE, text: 'C5-C6' }] }],
    ['C5-C6 in the code text', { code: cpt('22830', 'Exploration of fusion C5-C6') }],
    ['T10-T12 in the body site text', { code: cpt('22842', 'Posterior segmental instrumentation'), bodySite: [{ text: 'T10-T12' }] }],
    ['the word cervical', { code: cpt('22830', 'Exploration of cervical fusion') }],
    ['the word thoracic in a note', { code: cpt('22840'), note: [{ text: 'Thoracic instrumentation for kyphosis' }] }],
    ['vertebra codings C5 and C6', { code: cpt('22840'), bodySite: [C5, C6] }],
    ['vertebra codings T10 and T12', { code: cpt('22842'), bodySite: [T10, T12] }],
    ['a thoracic spine coding without text', { code: cpt('22850'), bodySite: [THORACIC_SPINE] }],
    ['a lone cervical vertebra as its body site', { code: cpt('22850'), bodySite: [{ text: 'C2' }] }],
  ])('a spine-wide code with %s does not trigger', (_what, fields) => {
    expect(ids(bundle(serviceRequest({ id: 'sr-1', ...fields })))).toEqual([]);
  });

  it.each([
    ['no site at all', { code: cpt('22830', 'Exploration of spinal fusion') }],
    ['a lumbar level beside a cervical one', { code: cpt('22830', 'Exploration of fusion C5-C6 and L4-L5') }],
    ['a range crossing into the lumbar spine', { code: cpt('22842'), bodySite: [{ text: 'T10-L2' }] }],
    ['T12-L1, which names a lumbar vertebra', { code: cpt('22842'), bodySite: [{ text: 'T12-L1' }] }],
    ['the word lumbar beside a thoracic level', { code: cpt('22842', 'Thoracolumbar instrumentation T10-T12') }],
    ['the word lumbar in a note', { code: cpt('22840'), bodySite: [CERVICAL_SPINE], note: [{ text: 'lumbar revision' }] }],
    ['a lumbar spine coding', { code: cpt('22850'), bodySite: [CERVICAL_SPINE, LUMBAR_SPINE] }],
    ['a lumbar vertebra coding', { code: cpt('22840'), bodySite: [T12, L3] }],
    ['the sacrum', { code: cpt('22842', 'Instrumentation T10 to sacrum') }],
    ['an MRI sequence, which is no thoracic level', { code: cpt('22830'), note: [{ text: 'T2-weighted images show fluid' }] }],
    // The AMA descriptor of 22840, sent as display or as the order's name, mentions C1 in passing.
    ['22840 with its descriptor as display', { code: cpt('22840', undefined, DESCRIPTOR_22840) }],
    ['22840 with its descriptor as the order name', { code: cpt('22840', DESCRIPTOR_22840) }],
    ['a cervical vertebra named in passing in a note', { code: cpt('22830'), note: [{ text: 'C6 radiculopathy after the prior fusion' }] }],
    ['a display naming the cervical spine', { code: cpt('22830', undefined, 'Exploration of fusion C5-C6') }],
  ])('a spine-wide code with %s triggers as before', (_what, fields) => {
    expect(ids(bundle(serviceRequest({ id: 'sr-1', ...fields })))).toEqual(['sr-1']);
  });

  it('a lumbar-only code triggers whatever site the order states', () => {
    expect(ids(bundle(serviceRequest({ id: 'sr-1', code: cpt('22612', 'Posterolateral fusion'), bodySite: [{ ...CERVICAL_SPINE, text: 'C5-C6' }] })))).toEqual(['sr-1']);
    expect(ids(bundle(serviceRequest({ id: 'sr-2', code: { coding: [...(cpt('22830').coding as unknown[]), ...(cpt('63047').coding as unknown[])] }, bodySite: [{ text: 'C5-C6' }] })))).toEqual(['sr-2']);
  });

  it('a cervical order beside a lumbar plan is never part of it', () => {
    const plans = findPlans(
      bundle(
        serviceRequest({ id: 'cervical', code: cpt('22830', 'Exploration of fusion C5-C6') }),
        serviceRequest({ id: 'lumbar', code: cpt('22830', 'Exploration of fusion L3-L4') }),
        serviceRequest({ id: 'thoracic', code: cpt('22840'), bodySite: [{ text: 'T10-T12' }] }),
      ),
      valueSets,
    );
    expect(summary(plans)).toEqual([{ level: 'L3-L4', side: undefined, ids: ['lumbar'] }]);
  });
});

describe('findPlans: grouping by interspace', () => {
  it('one fusion order at L3-L4', () => {
    const plans = findPlans(bundle(serviceRequest({ id: 'sr-1', code: cpt('22612', 'Posterolateral fusion L3-L4') })), index);
    expect(summary(plans)).toEqual([{ level: 'L3-L4', side: undefined, ids: ['sr-1'] }]);
    expect(plans[0]).not.toHaveProperty('side');
    expect(plans[0]!.orders[0]).toMatchObject({ id: 'sr-1', levels: ['L3-L4'], setting: 'unknown' });
  });

  it('a revision ordered as 22830 + 22612 + 22840 at the same level, written three ways, is one plan', () => {
    const draft = bundle(
      serviceRequest({ id: 'explore', code: cpt('22830'), bodySite: [L3, L4] }),
      serviceRequest({ id: 'fusion', code: cpt('22612', 'Revision posterolateral arthrodesis L3-4') }),
      serviceRequest({ id: 'screws', code: cpt('22840'), note: [{ text: 'Pedicle screw fixation L3/L4' }] }),
      { resourceType: 'MedicationRequest', id: 'rx' },
    );
    expect(summary(findPlans(draft, index))).toEqual([{ level: 'L3-L4', side: undefined, ids: ['explore', 'fusion', 'screws'] }]);
  });

  it('orders at different levels are different plans, in spinal order', () => {
    const draft = bundle(
      serviceRequest({ id: 'b', code: cpt('63047', 'Laminectomy L4-L5') }),
      serviceRequest({ id: 'a', code: cpt('22612', 'Fusion L3-L4') }),
    );
    expect(summary(findPlans(draft, index)).map((p) => p.level)).toEqual(['L3-L4', 'L4-L5']);
  });

  it('an order covering several interspaces belongs to each', () => {
    const draft = bundle(
      serviceRequest({ id: 'long', code: cpt('22612', 'Posterior fusion L3-L5') }),
      serviceRequest({ id: 'decomp', code: cpt('63047', 'Decompression L4-5') }),
    );
    expect(summary(findPlans(draft, index))).toEqual([
      { level: 'L3-L4', side: undefined, ids: ['long'] },
      { level: 'L4-L5', side: undefined, ids: ['long', 'decomp'] },
    ]);
  });

  it('a single vertebra in bodySite gives both neighbouring plans', () => {
    expect(summary(findPlans(bundle(serviceRequest({ id: 'lam', code: cpt('63047'), bodySite: [L4] })), index)).map((p) => p.level)).toEqual([
      'L3-L4',
      'L4-L5',
    ]);
  });

  it('orders with no readable level are gathered into one unknown plan, after the others', () => {
    const draft = bundle(
      serviceRequest({ id: 'u1', code: cpt('22830', 'Exploration of fusion') }),
      serviceRequest({ id: 'k', code: cpt('22612', 'Fusion L5-S1') }),
      serviceRequest({ id: 'u2', code: cpt('22840', 'Pedicle screws T12-L1') }),
    );
    expect(summary(findPlans(draft, index))).toEqual([
      { level: 'L5-S1', side: undefined, ids: ['k'] },
      { level: 'unknown', side: undefined, ids: ['u1', 'u2'] },
    ]);
  });

  it('bodySite outranks code.text, which outranks notes', () => {
    const draft = bundle(
      serviceRequest({ id: 'site', code: cpt('22612', 'Fusion L2-L3'), bodySite: [{ text: 'L4-L5' }], note: [{ text: 'adjacent L5-S1 disease' }] }),
      serviceRequest({ id: 'text', code: cpt('22612', 'Fusion L2-L3'), note: [{ text: 'adjacent L5-S1 disease' }] }),
    );
    const orders = triggeringOrders(draft, index);
    expect(orders.map((o) => o.levels)).toEqual([['L4-L5'], ['L2-L3']]);
  });
});

describe('findPlans: ids', () => {
  it('gives an order without id a stable id from its place in the Bundle', () => {
    const draft = bundle({ resourceType: 'MedicationRequest' }, serviceRequest({ code: cpt('22612', 'L3-L4') }), serviceRequest({ id: '  ', code: cpt('22612', 'L4-L5') }));
    const first = findPlans(draft, index).flatMap((p) => p.orders.map((o) => o.id));
    expect(first).toEqual(['draft-1', 'draft-2']);
    expect(findPlans(draft, index).flatMap((p) => p.orders.map((o) => o.id))).toEqual(first);
  });

  it('never clashes with an id the client sent', () => {
    const draft = bundle(serviceRequest({ code: cpt('22612', 'L3-L4') }), serviceRequest({ id: 'draft-0', code: cpt('22612', 'L4-L5') }));
    const ids = triggeringOrders(draft, index).map((o) => o.id);
    expect(ids).toEqual(['draft-0-1', 'draft-0']);
  });

  it('keeps a numeric id as its string', () => {
    expect(triggeringOrders(bundle(serviceRequest({ id: 42, code: cpt('22612', 'L3-L4') })), index)[0]!.id).toBe('42');
  });
});

describe('findPlans: side', () => {
  it('reads the side from bodySite codings, text, code.text and notes', () => {
    const draft = bundle(
      serviceRequest({ id: 'a', code: cpt('63047', 'Laminectomy L3-L4'), bodySite: [LEFT] }),
      serviceRequest({ id: 'b', code: cpt('63047', 'Right L4-L5 laminotomy') }),
      serviceRequest({ id: 'c', code: cpt('63047', 'L5-S1 laminotomy'), note: [{ text: 'bilateral decompression' }] }),
    );
    expect(triggeringOrders(draft, index).map((o) => o.side)).toEqual(['left', 'right', 'bilateral']);
  });

  it("the plan's side is the side its orders state; different sides make it bilateral", () => {
    const left = findPlans(bundle(serviceRequest({ id: 'a', code: cpt('63047', 'Left L3-L4 laminotomy') }), serviceRequest({ id: 'b', code: cpt('22612', 'Fusion L3-L4') })), index);
    expect(left[0]!.side).toBe('left');
    const both = findPlans(bundle(serviceRequest({ id: 'a', code: cpt('63047', 'Left L3-L4 laminotomy') }), serviceRequest({ id: 'b', code: cpt('63047', 'Right L3-L4 laminotomy') })), index);
    expect(both[0]!.side).toBe('bilateral');
  });

  it('an order naming left and right is bilateral', () => {
    expect(triggeringOrders(bundle(serviceRequest({ code: cpt('63047', 'L4-5 laminotomy, left and right') })), index)[0]!.side).toBe('bilateral');
  });
});

describe('findPlans: setting', () => {
  it('reads locationCode codes and text', () => {
    const draft = bundle(
      serviceRequest({ id: 'in', code: cpt('22612', 'L3-L4'), locationCode: [{ coding: [{ system: POS, code: '21' }] }] }),
      serviceRequest({ id: 'amb', code: cpt('22612', 'L3-L4'), locationCode: [{ coding: [{ system: ACT, code: 'AMB' }] }] }),
      serviceRequest({ id: 'txt', code: cpt('22612', 'L3-L4'), locationCode: [{ text: 'Same-day surgery' }] }),
      serviceRequest({ id: 'none', code: cpt('22612', 'L3-L4') }),
    );
    expect(triggeringOrders(draft, index).map((o) => o.setting)).toEqual(['inpatient', 'outpatient', 'outpatient', 'unknown']);
  });
});

describe('findPlans: input handling', () => {
  it('never changes the input and hands out copies', () => {
    const draft = deepFreeze(
      bundle(serviceRequest({ code: cpt('22612', 'Fusion L3-L4'), bodySite: [L3, L4], locationCode: [{ coding: [{ system: POS, code: '24' }] }] })),
    );
    const before = JSON.stringify(draft);
    const plans = findPlans(draft, index);
    expect(JSON.stringify(draft)).toBe(before);
    const resource = plans[0]!.orders[0]!.resource as unknown as Record<string, unknown>;
    expect(Object.isFrozen(resource)).toBe(false);
    resource.status = 'active';
    expect(JSON.stringify(draft)).toBe(before);
    // The copy carries the id the order is reviewed under, so suggestions update that same order.
    expect(resource.id).toBe(plans[0]!.orders[0]!.id);
  });

  it('copies as JSON would: nested arrays and objects are new, functions and undefined are left out', () => {
    const note = [{ text: 'left', extra: [1, [2, { deep: true }]] }];
    const sent = serviceRequest({ code: cpt('22612', 'Fusion L3-L4'), note, callback: () => 1, missing: undefined, authoredOn: new Date('2026-01-02T03:04:05Z') });
    const resource = findPlans(bundle(sent), index)[0]!.orders[0]!.resource as unknown as Record<string, unknown>;
    expect(resource.note).toEqual(note);
    expect(resource.note).not.toBe(note);
    expect((resource.note as typeof note)[0]!.extra[1]).not.toBe(note[0]!.extra[1]);
    expect('callback' in resource || 'missing' in resource).toBe(false);
    expect(resource.authoredOn).toBe('2026-01-02T03:04:05.000Z');
  });

  it('copies a "__proto__" key as a key, never as the copy\'s prototype', () => {
    const sent = JSON.parse('{"resourceType":"ServiceRequest","id":"o1","code":{"__proto__":{"text":42},"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"22612","__proto__":{"display":7}}]},"bodySite":[{"text":"L3-L4"}]}') as Record<string, unknown>;
    const resource = findPlans(bundle(sent), index)[0]!.orders[0]!.resource as unknown as { code: { text?: unknown; coding: { display?: unknown }[] } };
    expect(resource.code.text).toBeUndefined();
    expect(resource.code.coding[0]!.display).toBeUndefined();
    expect(Object.getPrototypeOf(resource.code)).toBe(Object.prototype);
  });

  it('hands out well-formed id, code.text and codings whatever was sent', () => {
    const loose = { resourceType: 'ServiceRequest', id: 42, code: { text: {}, coding: { system: 'http://www.ama-assn.org/go/cpt', code: '22612', display: 7 } }, bodySite: [L3, L4] };
    const [order] = findPlans(bundle(loose as never), index)[0]!.orders;
    expect(order!.resource.id).toBe(order!.id);
    expect(order!.resource.code).toEqual({ coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '22612' }] });
  });

  it('accepts loosely formed resources', () => {
    const draft = bundle(
      serviceRequest({ id: 'one-coding', code: { coding: { system: 'http://www.ama-assn.org/go/cpt', code: '22612' }, text: 'L3-L4' } }),
      serviceRequest({ id: 'odd', code: { coding: [null, 5, { system: 5, code: {} }, { system: 'http://www.ama-assn.org/go/cpt', code: '22612' }], text: 42 }, bodySite: 'L3-L4', note: 'L4-L5', locationCode: 'inpatient' }),
      serviceRequest({ id: 'site-object', code: cpt('22612'), bodySite: { text: 'L5-S1' }, note: { text: 'left' } }),
    );
    expect(triggeringOrders(draft, index).map((o) => [o.id, o.levels, o.side, o.setting])).toEqual([
      ['one-coding', ['L3-L4'], undefined, 'unknown'],
      ['odd', [], undefined, 'unknown'],
      ['site-object', ['L5-S1'], 'left', 'unknown'],
    ]);
  });

  it('reads huge notes without stalling', () => {
    const note = 'L3-'.repeat(30_000) + ' left '.repeat(1000) + ' L4-5';
    const plans = runBounded(() => findPlans(bundle(serviceRequest({ code: cpt('22612'), note: [{ text: note }] })), index));
    expect(plans.length).toBeGreaterThan(0);
  });

  it('works with the real value sets of cql-mappings', () => {
    const real = loadValueSets();
    const draft = bundle(
      serviceRequest({ id: 'f', code: cpt('22633', 'Combined interbody and posterolateral fusion L4-L5') }),
      serviceRequest({ id: 'r', code: cpt('22849', 'Reinsertion of spinal fixation device') }),
      serviceRequest({ id: 'd', code: cpt('63042', 'Re-exploration laminotomy L4-5'), locationCode: [{ coding: [{ system: POS, code: '24' }] }] }),
      serviceRequest({ id: 'mri', code: cpt('72148', 'MRI L4-L5') }),
    );
    expect(summary(findPlans(draft, real))).toEqual([
      { level: 'L4-L5', side: undefined, ids: ['f', 'd'] },
      { level: 'unknown', side: undefined, ids: ['r'] },
    ]);
  });
});
