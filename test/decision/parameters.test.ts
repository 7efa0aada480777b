import fc from 'fast-check';
import { informativeResourceFacts, orderDateParameter, resourceFactsParameter } from '../../src/decision/parameters.js';
import { order, plan } from './seed-record.js';

const signedAt = new Date('2026-11-23T12:00:00Z');
const withAuthored = (authoredOn: unknown) => {
  const o = order('o1', ['22612'], 'inpatient');
  (o.resource as { authoredOn?: unknown }).authoredOn = authoredOn;
  return plan([o]);
};

/** The moment 'Order Date' names, whatever zone it is written in. */
const orderDateOf = (p: Parameters<typeof orderDateParameter>[0], at: Date): Date => orderDateParameter(p, at).toJSDate();

describe('the order date: its moment', () => {
  it('uses the order authoredOn', () => {
    expect(orderDateOf(withAuthored('2026-11-20'), signedAt).toISOString()).toBe('2026-11-20T00:00:00.000Z');
  });
  it('falls back to the signing moment when authoredOn is absent, unreadable or in the future', () => {
    expect(orderDateOf(withAuthored(undefined), signedAt)).toEqual(signedAt);
    expect(orderDateOf(withAuthored('not a date'), signedAt)).toEqual(signedAt);
    expect(orderDateOf(withAuthored(20261120), signedAt)).toEqual(signedAt);
    expect(orderDateOf(withAuthored('2027-01-01'), signedAt)).toEqual(signedAt);
  });
  it("reads a time with its offset, and one without as UTC, whatever the server's zone", () => {
    expect(orderDateOf(withAuthored('2026-11-20T09:30:00-05:00'), signedAt).toISOString()).toBe('2026-11-20T14:30:00.000Z');
    expect(orderDateOf(withAuthored('2026-11-20T09:30:00.123456Z'), signedAt).toISOString()).toBe('2026-11-20T09:30:00.123Z');
    expect(orderDateOf(withAuthored('2026-11-20T09:30:00'), signedAt).toISOString()).toBe('2026-11-20T09:30:00.000Z');
  });
  it('falls back to the signing moment for a date that names no day of the calendar, or only a year or a month', () => {
    // Date.parse rolled 2026-02-30 over to March 2, and read "2026" as its first of January: a study dated
    // after either, and before the order, fell outside the look-back window.
    for (const text of ['2026-02-30', '2025-02-29', '2026-04-31', '2026', '2026-03', '2026-11-20T24:00:00Z', '2026-11-20T10:00:60Z', '2026-11-20T10:00:00+15:00', '2026-11-20 10:00:00']) {
      expect(orderDateOf(withAuthored(text), signedAt)).toEqual(signedAt);
    }
    expect(orderDateOf(withAuthored('2024-02-29'), signedAt).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    // Any number of digits of a second, as FHIR allows; an offset of 14 hours only when whole.
    expect(orderDateOf(withAuthored('2026-11-20T09:30:00.1234567891Z'), signedAt).toISOString()).toBe('2026-11-20T09:30:00.123Z');
    expect(orderDateOf(withAuthored('2026-11-20T23:30:00+14:00'), signedAt).toISOString()).toBe('2026-11-20T09:30:00.000Z');
    expect(orderDateOf(withAuthored('2026-11-20T23:30:00+14:30'), signedAt)).toEqual(signedAt);
    // A year before 100 stays itself (Date.UTC would make 0099 into 1999); 0100 was not a leap year.
    expect(orderDateOf(withAuthored('0099-06-01'), signedAt).toISOString()).toBe('0099-06-01T00:00:00.000Z');
    expect(orderDateOf(withAuthored('0100-02-29'), signedAt)).toEqual(signedAt);
  });
  it('reads every well-formed time with an offset as Date.parse does (years 1000 on, where Date.parse is right)', () => {
    const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('2026-11-22T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -14 * 4, max: 14 * 4 }),
        fc.constantFrom('', '.5', '.12', '.123', '.123456'),
        (at, quarters, fraction) => {
          const minutes = quarters * 15;
          const local = new Date(at.getTime() + minutes * 60_000);
          const zone = `${minutes < 0 ? '-' : '+'}${pad(Math.trunc(minutes / 60))}:${pad(minutes % 60)}`;
          const text = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${fraction}${zone}`;
          expect([text, orderDateOf(withAuthored(text), signedAt).getTime()]).toEqual([text, Date.parse(text.replace(/(\.\d{3})\d+/, '$1'))]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('orderDateParameter', () => {
  const fields = (d: { year: number | null; month: number | null; day: number | null; hour: number | null; minute: number | null; timezoneOffset: number | null }) =>
    [d.year, d.month, d.day, d.hour, d.minute, d.timezoneOffset];
  it('keeps the zone the order was written in, so its day is the one it names', () => {
    expect(fields(orderDateParameter(withAuthored('2026-11-20T19:30:00-05:00'), signedAt))).toEqual([2026, 11, 20, 19, 30, -5]);
    expect(fields(orderDateParameter(withAuthored('2026-11-20T08:00:00+14:00'), signedAt))).toEqual([2026, 11, 20, 8, 0, 14]);
    expect(fields(orderDateParameter(withAuthored('2026-11-20T08:00:00+05:30'), signedAt))).toEqual([2026, 11, 20, 8, 0, 5.5]);
  });
  it('takes a date, a time without an offset and the moment of signing in UTC', () => {
    expect(fields(orderDateParameter(withAuthored('2026-11-20'), signedAt))).toEqual([2026, 11, 20, 0, 0, 0]);
    expect(fields(orderDateParameter(withAuthored('2026-11-20T19:30:00'), signedAt))).toEqual([2026, 11, 20, 19, 30, 0]);
    expect(fields(orderDateParameter(withAuthored(undefined), signedAt))).toEqual([2026, 11, 23, 12, 0, 0]);
  });
});

describe('resource facts handed to the library', () => {
  const facts = [
    { ref: 'Condition/a', levels: ['L3-L4'], sides: [] },
    { ref: 'Observation/v1', levels: [], sides: [] },
    { ref: 'Procedure/p', levels: [], sides: ['left'] },
    { ref: 'Condition/twice', levels: [], sides: [] },
    { ref: 'Condition/twice', levels: ['L4-L5'], sides: [] },
    { ref: 'Observation/v2', levels: [], sides: [] },
  ] as Parameters<typeof resourceFactsParameter>[0];

  it('leaves out facts that name nothing, unless their ref occurs twice', () => {
    expect(resourceFactsParameter(facts).map((f) => f.ref)).toEqual(['Condition/a', 'Procedure/p', 'Condition/twice', 'Condition/twice']);
  });

  it('sends the evaluation thread only what the parameter keeps, and filtering again changes nothing', () => {
    const sent = informativeResourceFacts(facts);
    expect(sent).toHaveLength(4);
    expect(informativeResourceFacts(sent)).toEqual(sent);
    expect(resourceFactsParameter(sent)).toEqual(resourceFactsParameter(facts));
  });
});
