import { informativeResourceFacts, orderDateOf, resourceFactsParameter } from '../../src/decision/parameters.js';
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
