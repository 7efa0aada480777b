import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { FEEDBACK_PATH, SERVICE_PATH, seedPrefetch, seedRequest } from '../security/support/seed.js';
import { openFeedbackStore } from '../../src/feedback/store.js';
import { startService, type ServiceUnderTest } from '../security/support/service.js';

/**
 * The wired service when the feedback store's disk fails: a failed write is not acknowledged, the store is
 * not disabled until a restart, and /readyz says not ready exactly while the store cannot write.
 */
let s: ServiceUnderTest;
beforeAll(async () => {
  s = await startService();
});
afterAll(() => s.close());

const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

/** The open file handle of one of the store's files. */
function handleOf(file: 'issuedFile' | 'feedbackFile'): FileHandle {
  return (s.store as unknown as Record<string, { handle: FileHandle }>)[file]!.handle;
}

/** Makes writes (and the truncation a repair needs) fail on that file until the function returned is called. */
function breakDevice(file: 'issuedFile' | 'feedbackFile', code = 'EIO'): () => void {
  const handle = handleOf(file);
  const broken = () => Promise.reject(errno(code));
  Object.assign(handle, { write: broken, truncate: broken });
  return () => {
    delete (handle as Partial<Record<'write' | 'truncate', unknown>>).write;
    delete (handle as Partial<Record<'write' | 'truncate', unknown>>).truncate;
  };
}

async function issueCards(): Promise<{ uuid: string; source: { topic: { code: string } } }[]> {
  const res = await request(s.url).post(SERVICE_PATH).send(seedRequest({ prefetch: seedPrefetch() })).expect(200);
  return res.body.cards;
}

const overridden = (card: string) => ({
  feedback: [{ card, outcome: 'overridden', overrideReason: { userComment: 'reviewed' }, outcomeTimestamp: '2026-11-23T10:00:00Z' }],
});

it('is not ready while the issued-card file cannot be written, and takes cards again once it can', async () => {
  await request(s.url).get('/readyz').expect(200);
  const repair = breakDevice('issuedFile');
  // Cards are still answered; they are not recorded, and operators are told.
  const [lost] = await issueCards();
  expect(s.logLines().some((l) => l.level === 50 && String(l.msg).includes('issued cards could not be recorded'))).toBe(true);
  await request(s.url).get('/readyz').expect(503, { status: 'not-ready', failing: ['feedback-store-writes'] });
  await request(s.url).get('/readyz').expect(503);

  repair();
  // /readyz repairs the store itself: a service not ready gets no call that would.
  await request(s.url).get('/readyz').expect(200, { status: 'ready' });
  const [card] = await issueCards();
  await request(s.url).post(FEEDBACK_PATH).send(overridden(card!.uuid)).expect(200, { received: 1 });
  // The card answered during the outage was never recorded: feedback on it says so.
  await request(s.url).post(FEEDBACK_PATH).send(overridden(lost!.uuid)).expect(400);
});

it('answers no 200 for feedback it could not store, counts none of it, and stores the next one', async () => {
  const [card] = await issueCards();
  const before = s.store.counts();
  let failed = false;
  const handle = handleOf('feedbackFile');
  const realWrite = handle.write.bind(handle);
  // One transient failure (a short write, then a full disk), as a disk that frees up would give.
  Object.assign(handle, {
    write: async (data: Buffer, offset: number, length: number) => {
      if (failed) return realWrite(data, offset, length);
      failed = true;
      await realWrite(data, offset, Math.floor(length / 2));
      throw errno('ENOSPC');
    },
  });
  try {
    const refused = await request(s.url).post(FEEDBACK_PATH).send(overridden(card!.uuid));
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toEqual({ error: 'the feedback could not be stored, none of it was kept: send it again' });
    // Operators see what failed (the errno), never more.
    expect(s.logLines().find((l) => l.msg === 'the feedback could not be stored, none of it was kept: send it again')).toMatchObject({ level: 50, error: { code: 'ENOSPC' } });
    expect(s.store.counts()).toEqual(before);
    await request(s.url).post(FEEDBACK_PATH).send(overridden(card!.uuid)).expect(200, { received: 1 });
  } finally {
    delete (handle as Partial<Record<'write', unknown>>).write;
  }
  await request(s.url).get('/readyz').expect(200);
});

/** The uuids named by one field of each record in a store file. */
function uuidsIn(file: string, field: 'uuid' | 'card'): string[] {
  return readFileSync(join(s.dataDir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as Record<string, string>)[field]!);
}

const feedbackMetric = async () => (await s.metricsText()).split('\n').filter((l) => l.startsWith('spine_cds_feedback_total'));

it('refuses feedback while DATA_DIR is gone, counts none of it, and stores it again once the directory is back', async () => {
  const [card] = await issueCards();
  const counted = s.store.counts();
  const metric = await feedbackMetric();
  expect(metric.length).toBeGreaterThan(0);
  rmSync(s.dataDir, { recursive: true });

  // The store's handles still write (to files nobody will read again): that is no acknowledgement.
  const refused = await request(s.url).post(FEEDBACK_PATH).send(overridden(card!.uuid));
  expect(refused.status).toBe(503);
  expect(refused.headers['retry-after']).toBe('5');
  expect(s.store.counts()).toEqual(counted);
  expect(await feedbackMetric()).toEqual(metric);
  await request(s.url).get('/readyz').expect(503, { status: 'not-ready', failing: ['data-dir-writable', 'feedback-store-writes'] });
  // Cards are still answered, but not recorded: feedback on them will be refused.
  const [unrecorded] = await issueCards();
  await request(s.url).get('/readyz').expect(503);

  // An operator brings the directory back: no restart needed.
  mkdirSync(s.dataDir);
  await request(s.url).post(FEEDBACK_PATH).send(overridden(card!.uuid)).expect(200, { received: 1 });
  expect(uuidsIn('feedback.jsonl', 'card')).toEqual([card!.uuid]);
  await request(s.url).get('/readyz').expect(200);
  await request(s.url).post(FEEDBACK_PATH).send(overridden(unrecorded!.uuid)).expect(400);

  // The cards this service still takes feedback on are written back, so a restart knows them too.
  const [later] = await issueCards();
  const issued = uuidsIn('issued-cards.jsonl', 'uuid');
  expect(issued).toEqual(expect.arrayContaining([card!.uuid, later!.uuid]));
  expect(issued).not.toContain(unrecorded!.uuid);
  const restarted = await openFeedbackStore(s.dataDir);
  expect(restarted.issuedCard(card!.uuid)).toBeDefined();
  expect(restarted.counts()).toEqual([{ topic: card!.source.topic.code, outcome: 'overridden', count: 1 }]);
  await restarted.close();
});

it('is ready again by itself when only the store files were deleted, and records cards in the new files', async () => {
  rmSync(join(s.dataDir, 'issued-cards.jsonl'));
  rmSync(join(s.dataDir, 'feedback.jsonl'));
  await request(s.url).get('/readyz').expect(200);
  const [card] = await issueCards();
  expect(uuidsIn('issued-cards.jsonl', 'uuid')).toContain(card!.uuid);
  await request(s.url).post(FEEDBACK_PATH).send(overridden(card!.uuid)).expect(200, { received: 1 });
  expect(uuidsIn('feedback.jsonl', 'card')).toEqual([card!.uuid]);
});
