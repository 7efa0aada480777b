import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { openFeedbackStore } from '../../src/feedback/store.js';
import { buildTestApp, type TestApp } from '../cds/support/app-fixture.js';
import { FAKE_OVERRIDE_REASONS } from '../cds/support/fake-reviewer.js';
import { condition, fullPrefetch, hookRequest, searchset, SERVICE_URL } from '../cds/support/requests.js';

const FEEDBACK_URL = `${SERVICE_URL}/feedback`;

describe('POST /cds-services/lumbar-fusion-criteria/feedback', () => {
  let t: TestApp;
  let card: { uuid: string; suggestions: { uuid: string }[] };
  beforeEach(async () => {
    t = await buildTestApp();
    const res = await request(t.app).post(SERVICE_URL).send(hookRequest({ prefetch: fullPrefetch() })).expect(200);
    card = res.body.cards[0];
  });
  afterEach(() => t.close());

  const send = (body: unknown) => request(t.app).post(FEEDBACK_URL).send(body as object);

  it('stores an accepted suggestion and counts it under the card topic', async () => {
    const res = await send({
      feedback: [{ card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: card.suggestions[0]!.uuid }], outcomeTimestamp: '2026-11-23T10:00:00Z' }],
    }).expect(200);
    expect(res.body).toEqual({ received: 1 });
    expect(t.store.counts()).toEqual([{ topic: 'documentation-incomplete', outcome: 'accepted', count: 1 }]);
  });

  it('stores an override with its reason code, never the free-text comment', async () => {
    await send({
      feedback: [
        {
          card: card.uuid,
          outcome: 'overridden',
          overrideReason: { reason: { system: 'http://spine-cds.org/fhir/CodeSystem/override-reason', code: 'documented-elsewhere' }, userComment: 'Patient Quinn Testperson told me' },
          outcomeTimestamp: '2026-11-23T10:00:00+01:00',
        },
        { card: card.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-23T10:05:00Z' },
      ],
    }).expect(200, { received: 2 });
    expect(t.store.counts()).toEqual([{ topic: 'documentation-incomplete', outcome: 'overridden', count: 2 }]);
    const stored = readFileSync(join(t.dataDir, 'feedback.jsonl'), 'utf8');
    expect(stored).toContain('documented-elsewhere');
    expect(stored).not.toContain('Quinn');
  });

  const override = (cardUuid: string, overrideReason: unknown) => ({
    feedback: [{ card: cardUuid, outcome: 'overridden', overrideReason, outcomeTimestamp: '2026-11-23T10:00:00Z' }],
  });

  it('refuses an override reason that is neither offered nor a code of the EHR\'s own, saying so, and stores nothing', async () => {
    const phi = 'Pt Quinn Testperson MRN 0042 refuses';
    for (const reason of [
      { system: 'urn:free-text', code: phi },
      { code: phi },
      { code: 'surgeon-disagrees' },
      { system: 'not a uri', code: 'surgeon-disagrees' },
      { system: 'https://ehr.example.org/override', code: 'x'.repeat(65) },
      { system: 'urn:Pt_Quinn_Testperson_MRN_0042', code: 'refuses' },
      { system: 'https://ehr.example.org/override?patient=Quinn', code: 'refuses' },
      { system: `https://ehr.example.org/${'a'.repeat(200)}`, code: 'refuses' },
      { system: 'http://spine-cds.org/fhir/CodeSystem/override-reason', code: 'x'.repeat(100_000) },
    ]) {
      const res = await send(override(card.uuid, { reason })).expect(400);
      expect(res.body.problems).toEqual([{ path: 'feedback.0.overrideReason.reason', message: expect.stringMatching(/is neither one of this card's override reasons nor a reason of the EHR's own|names this service's own reason code system/) }]);
      expect(JSON.stringify(res.body)).not.toContain('Quinn');
    }
    // A code of this service's own system that this card did not offer is a mix-up, not an EHR's reason.
    const mixedUp = await send(override(card.uuid, { reason: { system: 'http://spine-cds.org/fhir/CodeSystem/override-reason', code: 'patient-preference' } })).expect(400);
    expect(mixedUp.body.problems[0].message).toContain("names this service's own reason code system");
    expect(t.store.counts()).toEqual([]);
    expect(readFileSync(join(t.dataDir, 'feedback.jsonl'), 'utf8')).toBe('');
  });

  it('refuses a reason of this service on a card that offered none, and takes a userComment alone there', async () => {
    const res = await request(t.app)
      .post(SERVICE_URL)
      .send(hookRequest({ prefetch: fullPrefetch({ conditions: searchset([condition('c-1')]) }) }))
      .expect(200);
    const info = res.body.cards[0];
    expect(info.indicator).toBe('info');
    expect(info.overrideReasons).toBeUndefined();
    const refused = await send(override(info.uuid, { reason: { system: 'http://spine-cds.org/fhir/CodeSystem/override-reason', code: 'clinical-judgment' } })).expect(400);
    expect(refused.body.problems).toEqual([{ path: 'feedback.0.overrideReason.reason', message: expect.stringContaining('is not one of the override reasons this card offered') }]);
    await send(override(info.uuid, { userComment: 'reviewed with the patient' })).expect(200, { received: 1 });
    expect(t.store.counts()).toEqual([{ topic: 'criteria-met', outcome: 'overridden', count: 1 }]);
  });

  it("takes a reason the EHR added to the card's list (CDS Hooks 2.0 lets it), by its system and code only", async () => {
    const res = await request(t.app)
      .post(SERVICE_URL)
      .send(hookRequest({ prefetch: fullPrefetch({ conditions: searchset([condition('c-1')]) }) }))
      .expect(200);
    const info = res.body.cards[0];
    expect(info.overrideReasons).toBeUndefined();
    const own = { system: 'https://ehr.example.org/override-reason', code: 'surgeon-disagrees', display: 'Surgeon disagrees with Quinn' };
    await send(override(card.uuid, { reason: own })).expect(200, { received: 1 });
    await send(override(info.uuid, { reason: { system: 'urn:oid:1.2.3.4', code: '7' } })).expect(200, { received: 1 });
    const stored = readFileSync(join(t.dataDir, 'feedback.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(stored.map((r) => [r.overrideReasonSystem, r.overrideReasonCode, r.overrideReasonOffered])).toEqual([
      ['https://ehr.example.org/override-reason', 'surgeon-disagrees', false],
      ['urn:oid:1.2.3.4', '7', false],
    ]);
    expect(JSON.stringify(stored)).not.toContain('Quinn');
  });

  it('takes a userComment of any length within the body bound, empty or null beside a reason, and never stores it', async () => {
    await send(override(card.uuid, { userComment: 'Q'.repeat(1000) })).expect(200);
    await send(override(card.uuid, { userComment: 'Q'.repeat(20_000) })).expect(200);
    const offered = { system: 'http://spine-cds.org/fhir/CodeSystem/override-reason', code: 'documented-elsewhere' };
    await send(override(card.uuid, { reason: offered, userComment: '' })).expect(200);
    await send(override(card.uuid, { reason: offered, userComment: null })).expect(200);
    await send(override(card.uuid, { userComment: null })).expect(400);
    expect(readFileSync(join(t.dataDir, 'feedback.jsonl'), 'utf8')).not.toContain('QQ');
  });

  it('takes an offered reason echoed by its code alone, and stores it with the card\'s system', async () => {
    await send(override(card.uuid, { reason: { code: 'documented-elsewhere', display: 'Documented outside this EHR' } })).expect(200);
    const [stored] = readFileSync(join(t.dataDir, 'feedback.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(stored).toMatchObject({ overrideReasonCode: 'documented-elsewhere', overrideReasonSystem: 'http://spine-cds.org/fhir/CodeSystem/override-reason' });
  });

  it('takes an offered reason on a card recorded before the store kept reasons, by the reasons of its topic', async () => {
    const legacy = { uuid: '3f0c6b2a-8d1e-4c55-9b7a-1e2d3c4b5a69', topic: 'criteria-not-met', issuedAt: new Date().toISOString() };
    // A topic no card has, named like an Object property: no reasons, and never a 500.
    const odd = { uuid: '3f0c6b2a-8d1e-4c55-9b7a-1e2d3c4b5a70', topic: 'constructor', issuedAt: new Date().toISOString() };
    appendFileSync(join(t.dataDir, 'issued-cards.jsonl'), `${JSON.stringify(legacy)}\n${JSON.stringify(odd)}\n`);
    const store = await openFeedbackStore(t.dataDir);
    const reopened = await buildTestApp({}, { feedbackStore: store });
    try {
      const post = (reason: unknown) => request(reopened.app).post(FEEDBACK_URL).send(override(legacy.uuid, { reason }));
      const taken = await post({ system: 'http://spine-cds.org/fhir/CodeSystem/override-reason', code: 'clinical-judgment' });
      expect(taken.body).toEqual({ received: 1 });
      await post({ system: 'http://spine-cds.org/fhir/CodeSystem/override-reason', code: 'will-document' }).expect(400);
      await request(reopened.app)
        .post(FEEDBACK_URL)
        .send(override(odd.uuid, { reason: { code: 'clinical-judgment' } }))
        .expect(400);
    } finally {
      await reopened.close();
      await store.close();
    }
  });

  it('records the offered reason of the card it names, with its system', async () => {
    await send(override(card.uuid, { reason: { system: 'http://spine-cds.org/fhir/CodeSystem/override-reason', code: 'clinical-judgment', display: 'anything' } })).expect(200);
    const [stored] = readFileSync(join(t.dataDir, 'feedback.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(stored).toEqual({
      card: card.uuid,
      topic: 'documentation-incomplete',
      outcome: 'overridden',
      overrideReasonCode: 'clinical-judgment',
      overrideReasonSystem: 'http://spine-cds.org/fhir/CodeSystem/override-reason',
      overrideReasonOffered: true,
      outcomeTimestamp: '2026-11-23T10:00:00Z',
    });
  });

  it('takes every RFC 3339 form of outcomeTimestamp, lower-case t and z and a leap second included, as sent', async () => {
    for (const outcomeTimestamp of ['2020-12-11t00:00:00z', '2016-12-31T23:59:60Z', '2026-11-23T10:00:00.25-05:00']) {
      await send({ feedback: [{ card: card.uuid, outcome: 'overridden', outcomeTimestamp }] }).expect(200);
    }
    const stored = readFileSync(join(t.dataDir, 'feedback.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { outcomeTimestamp: string }).outcomeTimestamp);
    expect(stored).toEqual(['2020-12-11t00:00:00z', '2016-12-31T23:59:60Z', '2026-11-23T10:00:00.25-05:00']);
    const res = await send({ feedback: [{ card: card.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-23T10:00Z' }] }).expect(400);
    expect(res.body.problems).toEqual([{ path: 'feedback.0.outcomeTimestamp', message: expect.stringContaining('RFC 3339') }]);
  });

  it('keeps feedback across a restart of the store', async () => {
    await send({ feedback: [{ card: card.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-23T10:00:00Z' }] }).expect(200);
    await t.store.close();
    const reopened = await openFeedbackStore(t.dataDir);
    expect(reopened.counts()).toEqual([{ topic: 'documentation-incomplete', outcome: 'overridden', count: 1 }]);
    expect(reopened.issuedCard(card.uuid)?.topic).toBe('documentation-incomplete');
    // The card's override reasons are known after the restart too.
    expect(reopened.issuedCard(card.uuid)?.overrideReasons).toEqual(FAKE_OVERRIDE_REASONS.map(({ system, code }) => ({ system, code })));
    await reopened.close();
  });

  it('refuses an unknown card uuid with 400 naming it, and stores nothing of the body', async () => {
    const res = await send({
      feedback: [
        { card: card.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-23T10:00:00Z' },
        { card: '00000000-0000-4000-8000-000000000000', outcome: 'overridden', outcomeTimestamp: '2026-11-23T10:00:00Z' },
      ],
    }).expect(400);
    expect(res.body.problems).toEqual([{ path: 'feedback.1.card', message: 'is not the uuid of a card this service issued in the last 168 hours' }]);
    expect(t.store.counts()).toEqual([]);
  });

  it('refuses a suggestion that is not on the card', async () => {
    const res = await send({
      feedback: [{ card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: 'not-a-suggestion' }], outcomeTimestamp: '2026-11-23T10:00:00Z' }],
    }).expect(400);
    expect(res.body.problems[0].path).toBe('feedback.0.acceptedSuggestions.0.id');
  });

  it.each([
    ['no feedback array', {}, 'feedback'],
    ['an empty feedback array', { feedback: [] }, 'feedback'],
    ['a missing card', { feedback: [{ outcome: 'overridden', outcomeTimestamp: '2026-11-23T10:00:00Z' }] }, 'feedback.0.card'],
    ['an unknown outcome', { feedback: [{ card: 'c', outcome: 'ignored', outcomeTimestamp: '2026-11-23T10:00:00Z' }] }, 'feedback.0.outcome'],
    ['a missing timestamp', { feedback: [{ card: 'c', outcome: 'overridden' }] }, 'feedback.0.outcomeTimestamp'],
    ['a date without time', { feedback: [{ card: 'c', outcome: 'overridden', outcomeTimestamp: '2026-11-23' }] }, 'feedback.0.outcomeTimestamp'],
    ['accepted without suggestions', { feedback: [{ card: 'c', outcome: 'accepted', outcomeTimestamp: '2026-11-23T10:00:00Z' }] }, 'feedback.0.acceptedSuggestions'],
    [
      'overridden with accepted suggestions',
      { feedback: [{ card: 'c', outcome: 'overridden', acceptedSuggestions: [{ id: 's' }], outcomeTimestamp: '2026-11-23T10:00:00Z' }] },
      'feedback.0.acceptedSuggestions',
    ],
    ['an empty override reason', { feedback: [{ card: 'c', outcome: 'overridden', overrideReason: {}, outcomeTimestamp: '2026-11-23T10:00:00Z' }] }, 'feedback.0.overrideReason'],
    [
      'a reason Coding without code',
      { feedback: [{ card: 'c', outcome: 'overridden', overrideReason: { reason: { system: 'x' } }, outcomeTimestamp: '2026-11-23T10:00:00Z' }] },
      'feedback.0.overrideReason.reason.code',
    ],
    ['an array body', [], '(body)'],
  ])('refuses %s with 400 naming the path', async (_name, body, path) => {
    const res = await send(body).expect(400);
    expect(res.body.problems.map((p: { path: string }) => p.path)).toContain(path);
    expect(t.store.counts()).toEqual([]);
  });

  it('refuses malformed JSON with 400', async () => {
    await request(t.app).post(FEEDBACK_URL).set('Content-Type', 'application/json').send('{"feedback": [').expect(400);
  });
});
