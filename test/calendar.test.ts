import fc from 'fast-check';
import { daysInMonth } from '../src/calendar.js';

describe('days in a month', () => {
  it('agrees with the proleptic Gregorian calendar for every year from 1 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        // setUTCFullYear, unlike Date.UTC, takes the years 0 to 99 as written.
        const last = new Date(new Date(0).setUTCFullYear(year, month, 0)).getUTCDate();
        expect(daysInMonth(year, month)).toBe(last);
      }),
    );
  });

  it('knows the century rule', () => {
    expect([daysInMonth(1900, 2), daysInMonth(2000, 2), daysInMonth(2024, 2), daysInMonth(2025, 2), daysInMonth(4, 2)]).toEqual([28, 29, 29, 28, 29]);
  });
});
