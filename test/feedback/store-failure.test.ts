import type { FileHandle } from 'node:fs/promises';
import request from 'supertest';
import { FEEDBACK_PATH, SERVICE_PATH, seedPrefetch, seedRequest } from '../security/support/seed.js';
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
