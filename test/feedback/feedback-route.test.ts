import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { openFeedbackStore } from '../../src/feedback/store.js';
import { buildTestApp, type TestApp } from '../cds/support/app-fixture.js';
import { fullPrefetch, hookRequest, SERVICE_URL } from '../cds/support/requests.js';

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

  it('keeps feedback across a restart of the store', async () => {
    await send({ feedback: [{ card: card.uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-23T10:00:00Z' }] }).expect(200);
    await t.store.close();
    const reopened = await openFeedbackStore(t.dataDir);
    expect(reopened.counts()).toEqual([{ topic: 'documentation-incomplete', outcome: 'overridden', count: 1 }]);
    expect(reopened.issuedCard(card.uuid)?.topic).toBe('documentation-incomplete');
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
