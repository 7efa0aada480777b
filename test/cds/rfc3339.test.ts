import fc from 'fast-check';
import { z } from 'zod';
import { isRfc3339DateTime } from '../../src/cds/rfc3339.js';

describe('RFC 3339 date-time (feedback outcomeTimestamp)', () => {
  it.each([
    '2020-12-11T00:00:00Z',
    '2020-12-11t00:00:00z',
    '2020-12-11T00:00:00.5+05:30',
    '2016-12-31T23:59:60Z',
    '2024-02-29T12:00:00-08:00',
    '2026-11-23T10:00:00.123456789Z',
    '0000-02-29T00:00:00Z',
    '2000-02-29T00:00:00Z',
  ])('takes %s', (v) => expect(isRfc3339DateTime(v)).toBe(true));

  it.each([
    '2020-12-11',
    '2020-12-11T00:00Z',
    '2020-12-11T00:00:00',
    '2020-12-11 00:00:00Z',
    '2020-12-11T00:00:00+0530',
    '2023-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2020-13-01T00:00:00Z',
    '2020-12-00T00:00:00Z',
    '2020-12-11T24:00:00Z',
    '2020-12-11T00:60:00Z',
    '2020-12-11T00:00:61Z',
    '2020-12-11T00:00:00+24:00',
    '2020-12-11T00:00:00.Z',
    ' 2020-12-11T00:00:00Z',
  ])('refuses %s', (v) => expect(isRfc3339DateTime(v)).toBe(false));

  it('takes every date-time zod takes as ISO 8601 with seconds and an offset', () => {
    const iso = z.iso.datetime({ offset: true });
    fc.assert(
      fc.property(fc.date({ min: new Date('0000-01-02T00:00:00Z'), max: new Date('9998-12-31T23:59:59Z'), noInvalidDate: true }), fc.integer({ min: -23 * 60, max: 23 * 60 }), (d, offsetMinutes) => {
        const local = new Date(d.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
        const sign = offsetMinutes < 0 ? '-' : '+';
        const abs = Math.abs(offsetMinutes);
        const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        expect(iso.safeParse(text).success).toBe(true);
        expect(isRfc3339DateTime(text)).toBe(true);
      }),
    );
  });
});
