import { DecisionEngine } from '../../src/decision/engine.js';
import { EvaluationError } from '../../src/decision/evaluation-error.js';
import { alwaysFailing, compiledElm, failingOnTwoStudies, interspacesLine, study } from './broken-elm.js';
import { order, plan, seedFacts, seedRecord } from './seed-record.js';

const NOW = new Date('2026-11-20T10:00:00Z');
const plans = () => [plan([order('o1', ['22830', '22612'], 'inpatient')])];

describe('a criteria library that fails at run time', () => {
  it('fails to load, naming the CQL definition, the operation and the error, on the synthetic charts', () => {
    const line = interspacesLine();
    expect(() => DecisionEngine.load({ elm: alwaysFailing() })).toThrow(
      `The criteria library fails on the synthetic "empty" chart (no patient data): Error in define "Interspaces" (LumbarFusionCriteria|1.0.0 ${line}:2-${line}:9, SingletonFrom): Error: IllegalArgument: 'SingletonFrom' requires a 0 or 1 arg array`,
    );
  });

  it('loads when the failure needs a chart the synthetic ones are not, and fails that review with review-failed, naming where, never the chart', async () => {
    const engine = DecisionEngine.load({ elm: failingOnTwoStudies() });
    const record = { ...seedRecord(), patientId: 'pt-secret-7', imagingStudies: [study('s1', 'pt-secret-7'), study('s2', 'pt-secret-7')] };
    const failed = await engine.evaluate(plans(), record, seedFacts(), NOW).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(EvaluationError);
    const error = failed as EvaluationError;
    expect(error.reason).toBe('review-failed');
    const line = interspacesLine();
    expect(error.failure).toEqual({
      errorClass: 'Error',
      step: 'cql',
      define: 'define "Interspaces"',
      library: 'LumbarFusionCriteria|1.0.0',
      locator: `${line}:2-${line}:9`,
      expression: 'SingletonFrom',
    });
    expect(error.detail).toEqual(error.failure);
    const said = JSON.stringify({ message: error.message, detail: error.detail, stack: error.stack });
    for (const phi of ['pt-secret-7', 'Jane', 'Marker', 's1']) expect(said).not.toContain(phi);
    // The same library answers a chart it does not fail on.
    expect((await engine.evaluate(plans(), seedRecord(), seedFacts(), NOW))[0]!.determination).toBe('criteria-met');
  });

  it('names to-decision.ts when the mapping of a result fails', async () => {
    // R1 that is null rather than a tuple: "Plan Decision" returns r1: null, which to-decision.ts cannot map.
    const elm = structuredClone(compiledElm());
    const defs = (elm.LumbarFusionCriteria as { library: { statements: { def: { name: string; expression: unknown }[] } } }).library.statements.def;
    defs.find((d) => d.name === 'R1 Failed Prior Surgery')!.expression = { type: 'Null' };
    expect(() => DecisionEngine.load({ elm })).toThrow(/fails on the synthetic "empty" chart \(no patient data\): TypeError in src\/decision\/to-decision\.ts: TypeError: /);
    const engine = DecisionEngine.load({ elm, selfCheck: false });
    const failed = (await engine.evaluate(plans(), seedRecord(), seedFacts(), NOW).catch((e: unknown) => e)) as EvaluationError;
    expect(failed.failure).toEqual({ errorClass: 'TypeError', step: 'to-decision' });
  });
});
