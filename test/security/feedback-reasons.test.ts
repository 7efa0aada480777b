import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { FEEDBACK_PATH, SERVICE_PATH, seedPrefetch, seedRequest } from './support/seed.js';
import { startService, type ServiceUnderTest } from './support/service.js';

/**
 * Feedback override reasons against the real cards: a reason the card offered is stored as the service's own
 * system and code, a reason the EHR added to the list as its system and a short code; free text in a Coding
 * is refused and reaches neither the store nor the logs.
 */
interface CardJson {
  uuid: string;
  indicator: string;
  source: { topic: { code: string } };
  overrideReasons?: { system: string; code: string; display: string }[];
}

let s: ServiceUnderTest;
let met: CardJson;
let inpatient: CardJson;
beforeAll(async () => {
  s = await startService();
  const res = await request(s.url).post(SERVICE_PATH).send(seedRequest({ prefetch: seedPrefetch() })).expect(200);
  const cards = res.body.cards as CardJson[];
  met = cards.find((c) => c.source.topic.code === 'criteria-met')!;
  inpatient = cards.find((c) => c.source.topic.code === 'inpatient-recommended')!;
});
afterAll(() => s.close());

const PHI = 'Pt Quinn Testperson MRN 0042 refuses, HIV+';
const overridden = (card: string, overrideReason: unknown) => ({
  feedback: [{ card, outcome: 'overridden', overrideReason, outcomeTimestamp: '2026-11-23T10:00:00Z' }],
});

it('refuses free text given as an override code, on a card that offers reasons and on one that offers none', async () => {
  expect(met.overrideReasons).toBeUndefined();
  for (const card of [met, inpatient]) {
    const res = await request(s.url).post(FEEDBACK_PATH).send(overridden(card.uuid, { reason: { system: 'urn:free-text', code: PHI } })).expect(400);
    expect(res.body.problems[0].path).toBe('feedback.0.overrideReason.reason');
  }
  await request(s.url)
    .post(FEEDBACK_PATH)
    .send(overridden(met.uuid, { reason: { code: 'x'.repeat(4_000_000) } }))
    .expect(400);
  expect(readFileSync(join(s.dataDir, 'feedback.jsonl'), 'utf8')).toBe('');
  expect(s.logText()).not.toContain('Quinn');
});

it("takes a reason the card offered, as the card's Coding, and stores its system and code only", async () => {
  const offered = inpatient.overrideReasons!.find((r) => r.code === 'overnight-observation')!;
  await request(s.url).post(FEEDBACK_PATH).send(overridden(inpatient.uuid, { reason: offered, userComment: PHI })).expect(200, { received: 1 });
  const stored = readFileSync(join(s.dataDir, 'feedback.jsonl'), 'utf8');
  expect(JSON.parse(stored)).toMatchObject({ overrideReasonCode: 'overnight-observation', overrideReasonSystem: offered.system });
  expect(stored).not.toContain('Quinn');
  expect(stored).not.toContain(offered.display);
  expect(s.logText()).not.toContain('Quinn');
});

it("takes a reason the EHR added to the card's list as a code, and keeps neither its display nor the comment", async () => {
  const own = { system: 'https://ehr.example.org/cds/override-reason', code: 'OR-17', display: PHI };
  await request(s.url).post(FEEDBACK_PATH).send(overridden(met.uuid, { reason: own, userComment: PHI })).expect(200, { received: 1 });
  const last = readFileSync(join(s.dataDir, 'feedback.jsonl'), 'utf8').trim().split('\n').at(-1)!;
  expect(JSON.parse(last)).toMatchObject({ topic: 'criteria-met', overrideReasonCode: 'OR-17', overrideReasonSystem: own.system, overrideReasonOffered: false });
  expect(last).not.toContain('Quinn');
  expect(s.logText()).not.toContain('Quinn');
});
