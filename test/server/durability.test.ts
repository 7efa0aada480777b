import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFeedbackStore } from '../../src/feedback/store.js';
import { FEEDBACK_PATH, SERVICE_PATH, seedPrefetch, seedRequest } from '../security/support/seed.js';
import { childrenPerTest, postJson, stopChild } from './support/child.js';

/**
 * The feedback store of the built service: feedback acknowledged with 200 survives a SIGKILL right after,
 * and a store file whose last record a crash tore in half is read back without it at start-up.
 */
interface CardsBody {
  cards: { uuid: string; source: { topic: { code: string } } }[];
}

const overridden = (card: string) => ({
  feedback: [{ card, outcome: 'overridden', overrideReason: { userComment: 'clinical judgement' }, outcomeTimestamp: new Date().toISOString() }],
});

function jsonLines(file: string): unknown[] {
  const text = readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

describe('feedback durability', () => {
  const run = childrenPerTest('spine-cds-durable-');

  it('keeps every feedback acknowledged with 200 when the process is killed with SIGKILL right after', async () => {
    let child = await run.start();
    const cards: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await postJson(`${child.url}${SERVICE_PATH}`, seedRequest({ prefetch: seedPrefetch() }));
      expect(res.status).toBe(200);
      cards.push(...(res.body as CardsBody).cards.map((c) => c.uuid));
    }
    expect(cards).toHaveLength(12);

    // Twelve feedback calls at once; the process is killed the moment the sixth is acknowledged, with the others in flight.
    const acknowledged: string[] = [];
    const victim = child;
    await Promise.allSettled(
      cards.map(async (card) => {
        const res = await postJson(`${victim.url}${FEEDBACK_PATH}`, overridden(card));
        if (res.status !== 200) return;
        acknowledged.push(card);
        if (acknowledged.length === 6) victim.process.kill('SIGKILL');
      }),
    );
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acknowledged.length).toBeGreaterThanOrEqual(6);

    // Restarted on the same DATA_DIR: the cards issued before the kill are still known, so feedback on them is taken.
    child = await run.start();
    const late = cards.find((c) => !acknowledged.includes(c)) ?? cards[0]!;
    expect((await postJson(`${child.url}${FEEDBACK_PATH}`, overridden(late))).status).toBe(200);
    // The metric counts what the store holds, not only what this process took.
    const metricsText = await (await fetch(`${child.url}/metrics`)).text();
    const counted = [...metricsText.matchAll(/^spine_cds_feedback_total\{[^}]*outcome="overridden"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(counted).toBe(jsonLines(join(run.dataDir, 'feedback.jsonl')).length);
    expect(counted).toBeGreaterThan(1);
    expect(await stopChild(child)).toEqual({ code: 0, signal: null });

    const stored = (jsonLines(join(run.dataDir, 'feedback.jsonl')) as { card: string }[]).map((r) => r.card);
    expect(stored).toEqual(expect.arrayContaining([...acknowledged, late]));
    const store = await openFeedbackStore(run.dataDir);
    try {
      const total = store.counts().reduce((n, c) => n + c.count, 0);
      expect(total).toBe(stored.length);
      for (const card of cards) expect(store.issuedCard(card)).toBeDefined();
    } finally {
      await store.close();
    }
  });

  it('reads a store with a torn last record back without it, starts, and appends on a clean line', async () => {
    const card = '0b8e3c52-6d0f-4f7e-9a51-3f1d2c4b5a60';
    // Issued now: inside the feedback window whatever the day the test runs.
    writeFileSync(join(run.dataDir, 'issued-cards.jsonl'), `${JSON.stringify({ uuid: card, topic: 'criteria-met', issuedAt: new Date().toISOString() })}\n`);
    appendFileSync(join(run.dataDir, 'issued-cards.jsonl'), '{"uuid":"5f0c1d2e-aaaa-4bbb-8ccc-0123456789ab","topic":"crit');
    writeFileSync(
      join(run.dataDir, 'feedback.jsonl'),
      `${JSON.stringify({ card, topic: 'criteria-met', outcome: 'overridden', outcomeTimestamp: '2026-11-20T10:05:00.000Z' })}\n{"card":"${card}","topic":"criteria-met","outc`,
    );

    const child = await run.start({ FEEDBACK_WINDOW_HOURS: '2' });
    expect(child.lines.filter((l) => l.msg === 'feedback store: dropped a torn record at the end of the file')).toHaveLength(2);
    expect((await fetch(`${child.url}/readyz`)).status).toBe(200);
    // The torn issued card is not known; the whole one is.
    const unknown = await postJson(`${child.url}${FEEDBACK_PATH}`, overridden('5f0c1d2e-aaaa-4bbb-8ccc-0123456789ab'));
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('issued in the last 2 hours');
    expect((await postJson(`${child.url}${FEEDBACK_PATH}`, overridden(card))).status).toBe(200);
    expect(await stopChild(child)).toEqual({ code: 0, signal: null });

    expect(jsonLines(join(run.dataDir, 'feedback.jsonl'))).toHaveLength(2);
    expect(jsonLines(join(run.dataDir, 'issued-cards.jsonl'))).toHaveLength(1);
  });
});
