import { DecisionEngine } from '../../src/decision/engine.js';
import { order, plan, seedFacts, seedRecord } from './seed-record.js';

const NOW = new Date('2026-11-20T10:00:00Z');

describe('DecisionEngine over the seed-like chart', () => {
  const engine = DecisionEngine.load();

  it('meets every criterion for a revision fusion booked inpatient', async () => {
    const [d] = await engine.evaluate([plan([order('o1', ['22830', '22612', '22840'], 'inpatient')])], seedRecord(), seedFacts(), NOW);
    console.log(JSON.stringify(d, null, 1));
    expect(d.isRevision).toBe(true);
    expect(d.determination).toBe('criteria-met');
  });
});
