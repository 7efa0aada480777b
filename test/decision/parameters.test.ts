import { orderDateOf } from '../../src/decision/parameters.js';
import { order, plan } from './seed-record.js';

const signedAt = new Date('2026-11-23T12:00:00Z');
const withAuthored = (authoredOn: unknown) => {
  const o = order('o1', ['22612'], 'inpatient');
  (o.resource as { authoredOn?: unknown }).authoredOn = authoredOn;
  return plan([o]);
};

describe('orderDateOf', () => {
  it('uses the order authoredOn', () => {
    expect(orderDateOf(withAuthored('2026-11-20'), signedAt).toISOString()).toBe('2026-11-20T00:00:00.000Z');
  });
  it('falls back to the signing moment when authoredOn is absent, unreadable or in the future', () => {
    expect(orderDateOf(withAuthored(undefined), signedAt)).toEqual(signedAt);
    expect(orderDateOf(withAuthored('not a date'), signedAt)).toEqual(signedAt);
    expect(orderDateOf(withAuthored(20261120), signedAt)).toEqual(signedAt);
    expect(orderDateOf(withAuthored('2027-01-01'), signedAt)).toEqual(signedAt);
  });
});
