import cql from 'cql-execution';
import fc from 'fast-check';
import { parseFhirDateTime } from '../../src/decision/fhir-datetime.js';

/** Every field cql-execution compares and prints, or null for no value. */
const fields = (d: cql.DateTime | null) =>
  d === null ? null : JSON.stringify(d, ['year', 'month', 'day', 'hour', 'minute', 'second', 'millisecond', 'timezoneOffset']);

const same = (text: string) => expect(fields(parseFhirDateTime(text))).toBe(fields(cql.DateTime.parse(text)));

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Strings in FHIR's date/dateTime shapes, with parts allowed a little out of range to reach the edges. */
const dateTimeText = fc
  .record({
    year: fc.integer({ min: 0, max: 2100 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 61 }),
    second: fc.integer({ min: 0, max: 61 }),
    ms: fc.option(fc.stringMatching(/^\d{1,4}$/)),
    zone: fc.oneof(fc.constant('Z'), fc.constant(''), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 61 })).map(([s, h, m]) => `${s}${pad(h)}:${pad(m)}`)),
    parts: fc.integer({ min: 1, max: 4 }),
  })
  .map(({ year, month, day, hour, minute, second, ms, zone, parts }) => {
    let text = pad(year, 4);
    if (parts > 1) text += `-${pad(month)}`;
    if (parts > 2) text += `-${pad(day)}`;
    if (parts > 3) text += `T${pad(hour)}:${pad(minute)}:${pad(second)}${ms === null ? '' : `.${ms}`}${zone}`;
    return text;
  });

describe('parseFhirDateTime', () => {
  it.each([
    '2023', '2023-05', '2023-05-10', '2024-02-29', '2023-02-29', '2023-04-31', '2023-13-01', '2023-00-10',
    '2023-05-10T08:30:00+00:00', '2023-05-10T08:30:00Z', '2023-05-10T08:30:00.5-05:00', '2023-05-10T08:30:00.123+05:30',
    '2023-05-10T23:59:59+14:00', '2023-05-10T24:00:00+00:00', '2023-05-10T08:30:60Z', '2023-05-10T08:30:00',
    '2023-05-10T08:30', '2023-05-10 08:30:00Z', '2023-05-10junk', 'not a date', '', '0000-01-01',
  ])('reads %j as cql-execution does', (text) => same(text));

  it('agrees with cql.DateTime.parse on generated FHIR-shaped strings', () => {
    fc.assert(fc.property(dateTimeText, (text) => same(text)), { numRuns: 3000 });
  });

  it('agrees with cql.DateTime.parse on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (text) => same(text)), { numRuns: 1000 });
  });
});
