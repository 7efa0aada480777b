import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFeedbackStore, type FeedbackRecord } from '../../src/feedback/store.js';

function feedback(card: string, topic: string, outcome: 'accepted' | 'overridden', extra: Partial<FeedbackRecord> = {}): FeedbackRecord {
  return { card, topic, outcome, outcomeTimestamp: '2026-11-23T10:00:00Z', ...extra };
}

describe('feedback store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spine-cds-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps issued cards and feedback across a reopen, and counts per topic and outcome', async () => {
    // Within the feedback window of the cards below, whatever the day the test runs.
    const clock = () => new Date('2026-11-23T10:00:00Z');
    const store = await openFeedbackStore(dir, undefined, { clock });
    await store.recordIssued(
      [
        { uuid: 'card-1', topic: 'criteria-met' },
        { uuid: 'card-2', topic: 'inpatient-recommended', suggestions: ['sugg-1'] },
      ],
      new Date('2026-11-23T09:00:00Z'),
    );
    await store.recordFeedback([
      feedback('card-2', 'inpatient-recommended', 'accepted', { acceptedSuggestions: ['sugg-1'] }),
      feedback('card-1', 'criteria-met', 'overridden', { overrideReasonCode: 'patient-preference' }),
      feedback('card-1', 'criteria-met', 'overridden'),
    ]);
    await store.close();

    const reopened = await openFeedbackStore(dir, undefined, { clock });
    expect(reopened.issuedCard('card-2')).toEqual({
      uuid: 'card-2',
      topic: 'inpatient-recommended',
      issuedAt: '2026-11-23T09:00:00.000Z',
      suggestions: ['sugg-1'],
      overrideReasons: [],
    });
    expect(reopened.issuedCard('card-3')).toBeUndefined();
    expect(reopened.counts()).toEqual([
      { topic: 'criteria-met', outcome: 'overridden', count: 2 },
      { topic: 'inpatient-recommended', outcome: 'accepted', count: 1 },
    ]);
    await reopened.close();
  });

  it("keeps each card's override reasons across a reopen, one shared list for cards that offer the same", async () => {
    const clock = () => new Date('2026-11-23T10:00:00Z');
    const reasons = [
      { system: 'http://spine-cds.org/fhir/CodeSystem/override-reason', code: 'documented-elsewhere' },
      { system: 'http://spine-cds.org/fhir/CodeSystem/override-reason', code: 'clinical-judgment' },
    ];
    const store = await openFeedbackStore(dir, undefined, { clock });
    await store.recordIssued(
      [
        { uuid: 'a', topic: 'criteria-not-met', overrideReasons: reasons.map((r) => ({ ...r })) },
        { uuid: 'b', topic: 'criteria-not-met', overrideReasons: reasons.map((r) => ({ ...r })) },
        { uuid: 'c', topic: 'criteria-met', overrideReasons: [] },
      ],
      new Date('2026-11-23T09:00:00Z'),
    );
    expect(store.issuedCard('a')!.overrideReasons).toBe(store.issuedCard('b')!.overrideReasons);
    await store.close();
    const reopened = await openFeedbackStore(dir, undefined, { clock });
    expect(reopened.issuedCard('a')!.overrideReasons).toEqual(reasons);
    expect(reopened.issuedCard('a')!.overrideReasons).toBe(reopened.issuedCard('b')!.overrideReasons);
    // Written even when empty: a record without the field is one from before the store kept reasons.
    expect(reopened.issuedCard('c')!.overrideReasons).toEqual([]);
    await reopened.close();
  });

  it('skips a torn last line at load and truncates the file back to the last whole record', async () => {
    const store = await openFeedbackStore(dir);
    await store.recordIssued([{ uuid: 'card-1', topic: 'criteria-met' }], new Date());
    await store.recordFeedback([feedback('card-1', 'criteria-met', 'overridden')]);
    await store.close();

    const file = join(dir, 'feedback.jsonl');
    const whole = statSync(file).size;
    appendFileSync(file, '{"card":"card-1","topic":"criteria-met","outc');

    const reopened = await openFeedbackStore(dir);
    expect(reopened.counts()).toEqual([{ topic: 'criteria-met', outcome: 'overridden', count: 1 }]);
    expect(statSync(file).size).toBe(whole);
    // New records start on a clean line and survive the next reopen.
    await reopened.recordFeedback([feedback('card-1', 'criteria-met', 'overridden')]);
    await reopened.close();
    const again = await openFeedbackStore(dir);
    expect(again.counts()).toEqual([{ topic: 'criteria-met', outcome: 'overridden', count: 2 }]);
    await again.close();
  });

  it('drops a last record that lost its newline (it was never acknowledged)', async () => {
    const file = join(dir, 'issued-cards.jsonl');
    writeFileSync(file, '{"uuid":"a","topic":"criteria-met","issuedAt":"2026-01-01T00:00:00Z"}\n{"uuid":"b","topic":"criteria-met","issuedAt":"2026-01-01T00:00:00Z"}');
    const store = await openFeedbackStore(dir, undefined, { clock: () => new Date('2026-01-01T01:00:00Z') });
    expect(store.issuedCard('a')).toBeDefined();
    expect(store.issuedCard('b')).toBeUndefined();
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
    await store.close();
  });

  it('skips an unreadable line in the middle without losing the records after it', async () => {
    const file = join(dir, 'issued-cards.jsonl');
    writeFileSync(
      file,
      [
        '{"uuid":"a","topic":"criteria-met","issuedAt":"2026-01-01T00:00:00Z"}',
        'garbage',
        '{"uuid":"no-topic","issuedAt":"2026-01-01T00:00:00Z"}',
        '{"uuid":"c","topic":"criteria-met","issuedAt":"2026-01-01T00:00:00Z"}',
        '',
      ].join('\n'),
    );
    const warnings: string[] = [];
    const store = await openFeedbackStore(dir, { warn: (_o, msg) => warnings.push(msg) }, { clock: () => new Date('2026-01-01T01:00:00Z') });
    expect(store.issuedCard('a')).toBeDefined();
    expect(store.issuedCard('c')).toBeDefined();
    expect(store.issuedCard('no-topic')).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toContain('"uuid":"c"');
    expect(warnings.length).toBeGreaterThan(0);
    await store.close();
  });

  it('acknowledges concurrent appends only once all are on disk', async () => {
    const store = await openFeedbackStore(dir);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.recordIssued([{ uuid: `card-${i}`, topic: 'criteria-met' }], new Date())),
    );
    const lines = readFileSync(join(dir, 'issued-cards.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(50);
    expect(new Set(lines.map((l) => (JSON.parse(l) as { uuid: string }).uuid)).size).toBe(50);
    await store.close();
  });

  it('refuses appends after close', async () => {
    const store = await openFeedbackStore(dir);
    await store.close();
    await expect(store.recordIssued([{ uuid: 'x', topic: 'criteria-met' }], new Date())).rejects.toThrow(/closed/);
  });

  it('creates DATA_DIR when it does not exist', async () => {
    const nested = join(dir, 'a', 'b');
    const store = await openFeedbackStore(nested);
    await store.recordIssued([{ uuid: 'x', topic: 'criteria-met' }], new Date());
    await store.close();
    expect(readFileSync(join(nested, 'issued-cards.jsonl'), 'utf8')).toContain('"uuid":"x"');
  });

  describe('feedback window', () => {
    const T0 = Date.parse('2026-11-23T08:00:00Z');
    const minutes = (n: number) => new Date(T0 + n * 60_000);

    it('answers no card for one issued longer ago than the window, and forgets old cards as new ones come', async () => {
      // The wall clock and the monotonic one (in ms) run together here.
      let now = minutes(0);
      const monotonic = () => now.getTime() - T0;
      const store = await openFeedbackStore(dir, undefined, { windowHours: 1, clock: () => now, monotonic });
      await store.recordIssued([{ uuid: 'early', topic: 'criteria-met' }], minutes(0));
      now = minutes(30);
      await store.recordIssued([{ uuid: 'later', topic: 'criteria-met' }], minutes(30));
      now = minutes(59);
      expect(store.issuedCard('early')).toBeDefined();
      now = minutes(61);
      expect(store.issuedCard('early')).toBeUndefined();
      expect(store.issuedCard('later')).toBeDefined();
      expect(store.windowHours).toBe(1);

      // Memory: a day of cards, one a minute, leaves about an hour's worth.
      for (let m = 62; m < 62 + 24 * 60; m++) {
        now = minutes(m);
        await store.recordIssued([{ uuid: `card-${m}`, topic: 'criteria-met' }], now);
      }
      expect((store as unknown as { issued: Map<string, unknown> }).issued.size).toBeLessThanOrEqual(61);
      await store.close();
    });

    describe('with the wall clock stepped while it runs', () => {
      const days = 24 * 60;
      let now: Date;
      let mono: number;
      /** The real time passes: the monotonic clock moves by as much, the wall clock to where it is told. */
      const after = (m: number, wall: Date) => {
        mono += m * 60_000;
        now = wall;
      };
      const options = () => ({ windowHours: 1, clock: () => now, monotonic: () => mono });
      beforeEach(() => {
        now = minutes(0);
        mono = 0;
      });

      it('keeps its cards when the clock steps 400 days ahead and a card is issued, and takes feedback on them once it is right', async () => {
        const store = await openFeedbackStore(dir, undefined, options());
        await store.recordIssued([{ uuid: 'before', topic: 'criteria-met' }], now);
        after(1, minutes(1 + 400 * days));
        await store.recordIssued([{ uuid: 'during', topic: 'criteria-met' }], now);
        expect(store.issuedCard('before')).toBeUndefined();
        after(1, minutes(2));
        expect(store.issuedCard('before')).toBeDefined();
        await store.close();
      });

      it('keeps the cards it loaded when it starts with the clock ahead and issues cards before it is right', async () => {
        const first = await openFeedbackStore(dir, undefined, options());
        await first.recordIssued([{ uuid: 'before', topic: 'criteria-met' }], now);
        await first.close();
        after(1, minutes(1 + 400 * days));
        const store = await openFeedbackStore(dir, undefined, options());
        await store.recordIssued([{ uuid: 'during', topic: 'criteria-met' }], now);
        after(1, minutes(2));
        expect(store.issuedCard('before')).toBeDefined();
        await store.close();
      });

      it('forgets a card stamped while the clock was ahead once it has been held a window, and the cards after it too', async () => {
        const store = await openFeedbackStore(dir, undefined, options());
        await store.recordIssued([{ uuid: 'stamped-ahead', topic: 'criteria-met' }], minutes(400 * days));
        for (let m = 1; m <= 3 * 60; m++) {
          after(1, minutes(m));
          await store.recordIssued([{ uuid: `card-${m}`, topic: 'criteria-met' }], now);
        }
        // The wall clock calls it a card of the future; it was issued three hours ago.
        expect(store.issuedCard('stamped-ahead')).toBeUndefined();
        expect((store as unknown as { issued: Map<string, unknown> }).issued.size).toBeLessThanOrEqual(61);
        await store.close();
      });
    });

    describe('with the clock wrong at start-up', () => {
      const days = 24 * 60;
      const issuedUuids = () =>
        readFileSync(join(dir, 'issued-cards.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { uuid: string }).uuid);

      it('keeps every card when the clock starts 400 days ahead, and takes feedback on them once it is right', async () => {
        const store = await openFeedbackStore(dir, undefined, { windowHours: 1, clock: () => minutes(50) });
        await store.recordIssued([{ uuid: 'early', topic: 'criteria-met' }], minutes(0));
        await store.recordIssued([{ uuid: 'recent', topic: 'criteria-met' }], minutes(50));
        await store.close();

        let now = minutes(60 + 400 * days);
        const warnings: unknown[] = [];
        const reopened = await openFeedbackStore(dir, { warn: (obj) => warnings.push(obj) }, { windowHours: 1, clock: () => now });
        expect(issuedUuids()).toEqual(['early', 'recent']);
        expect(warnings).toEqual([]);
        // By the wall clock these cards are past the window: no feedback while it says so.
        expect(reopened.issuedCard('recent')).toBeUndefined();
        now = minutes(60);
        expect(reopened.issuedCard('early')).toBeDefined();
        expect(reopened.issuedCard('recent')).toBeDefined();
        await reopened.close();

        const again = await openFeedbackStore(dir, undefined, { windowHours: 1, clock: () => minutes(61) });
        expect(again.issuedCard('recent')).toBeDefined();
        await again.close();
      });

      it('still forgets, with the clock ahead, the cards past the window counted back from the newest one', async () => {
        const store = await openFeedbackStore(dir, undefined, { windowHours: 1, clock: () => minutes(0) });
        for (let m = 0; m <= 180; m += 10) await store.recordIssued([{ uuid: `card-${m}`, topic: 'criteria-met' }], minutes(m));
        await store.close();

        const reopened = await openFeedbackStore(dir, undefined, { windowHours: 1, clock: () => minutes(181 + 400 * days) });
        const kept = ['card-120', 'card-130', 'card-140', 'card-150', 'card-160', 'card-170', 'card-180'];
        expect(issuedUuids()).toEqual(kept);
        expect((reopened as unknown as { issued: Map<string, unknown> }).issued.size).toBe(kept.length);
        await reopened.close();
      });

      it('does not let cards stamped while the clock was ahead push real ones out once it is right', async () => {
        const store = await openFeedbackStore(dir, undefined, { windowHours: 1, clock: () => minutes(0) });
        await store.recordIssued([{ uuid: 'real', topic: 'criteria-met' }], minutes(0));
        await store.recordIssued([{ uuid: 'stamped-ahead', topic: 'criteria-met' }], minutes(400 * days));
        await store.close();

        const reopened = await openFeedbackStore(dir, undefined, { windowHours: 1, clock: () => minutes(30) });
        expect(issuedUuids()).toEqual(['real', 'stamped-ahead']);
        expect(reopened.issuedCard('real')).toBeDefined();
        await reopened.close();
      });
    });

    it('rewrites the issued-card file without the cards past the window at the next start, keeping all feedback', async () => {
      const store = await openFeedbackStore(dir, undefined, { windowHours: 1, clock: () => minutes(0) });
      await store.recordIssued([{ uuid: 'old', topic: 'criteria-met' }], minutes(0));
      await store.recordFeedback([feedback('old', 'criteria-met', 'accepted')]);
      await store.recordIssued([{ uuid: 'recent', topic: 'criteria-met' }], minutes(120));
      await store.close();

      const warnings: unknown[] = [];
      const reopened = await openFeedbackStore(dir, { warn: (obj) => warnings.push(obj) }, { windowHours: 1, clock: () => minutes(121) });
      const lines = readFileSync(join(dir, 'issued-cards.jsonl'), 'utf8').trim().split('\n');
      expect(lines.map((l) => (JSON.parse(l) as { uuid: string }).uuid)).toEqual(['recent']);
      expect(reopened.issuedCard('recent')).toBeDefined();
      expect(reopened.issuedCard('old')).toBeUndefined();
      expect(reopened.counts()).toEqual([{ topic: 'criteria-met', outcome: 'accepted', count: 1 }]);
      expect(warnings).toEqual([expect.objectContaining({ forgotten: 1, windowHours: 1 })]);
      // Appends go on after the rewrite.
      await reopened.recordIssued([{ uuid: 'next', topic: 'criteria-met' }], minutes(122));
      await reopened.close();
      expect(readFileSync(join(dir, 'issued-cards.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    });
  });
});
