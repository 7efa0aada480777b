import path from 'node:path';
import { defaultCqlDir, readElmDir } from '../../src/decision/cql-library.js';
import { DecisionEngine } from '../../src/decision/engine.js';

/** Hand edits of the compiled library, as a CQL change would make them, and what loading it says. */
interface Def {
  name: string;
  type?: string;
  expression: { type: string; element?: { name: string; value: { type: string; name: string } }[] };
}
const compiled = readElmDir(path.join(defaultCqlDir(), 'elm'));
function edited(change: (defs: Def[]) => void): Record<string, unknown> {
  const elm = structuredClone(compiled) as Record<string, { library: { statements: { def: Def[] } } }>;
  change(elm.LumbarFusionCriteria!.library.statements.def);
  return elm;
}
const planDecision = (defs: Def[]) => defs.find((d) => d.name === 'Plan Decision')!.expression.element!;

describe('loading the criteria library checks that the TypeScript can carry it to the cards', () => {
  it('refuses a "Plan Decision" field that to-decision.ts does not map, naming the field and the file', () => {
    const elm = edited((defs) => {
      const r4 = defs.find((d) => d.name === 'R4 Conservative Care')!;
      defs.push({ ...structuredClone(r4), name: 'R5 Weight Loss' });
      planDecision(defs).push({ name: 'r5', value: { type: 'ExpressionRef', name: 'R5 Weight Loss' } });
    });
    expect(() => DecisionEngine.load({ elm })).toThrow(
      '"Plan Decision" of LumbarFusionCriteria returns the field "r5", which src/decision/to-decision.ts does not map, so no card would show it',
    );
  });

  it('refuses a "Plan Decision" without a field that to-decision.ts needs', () => {
    const elm = edited((defs) => {
      const fields = planDecision(defs);
      fields.splice(fields.findIndex((f) => f.name === 's4'), 1);
    });
    expect(() => DecisionEngine.load({ elm })).toThrow('"Plan Decision" of LumbarFusionCriteria lacks the field "s4", which src/decision/to-decision.ts needs');
  });

  it('refuses a definition named for a criterion (R5) that "Plan Decision" does not return', () => {
    const elm = edited((defs) => {
      const r4 = defs.find((d) => d.name === 'R4 Conservative Care')!;
      defs.push({ ...structuredClone(r4), name: 'R5 Weight Loss' });
    });
    expect(() => DecisionEngine.load({ elm })).toThrow(/"R5 Weight Loss" of LumbarFusionCriteria is criterion R5, which "Plan Decision" does not return/);
  });

  it('refuses ELM that refers to a definition it does not hold (cql-execution would read it as null)', () => {
    const elm = edited((defs) => {
      defs.splice(defs.findIndex((d) => d.name === 'R4 Conservative Care'), 1);
    });
    expect(() => DecisionEngine.load({ elm })).toThrow(/The ELM of LumbarFusionCriteria refers to "R4 Conservative Care" \(line \d+:\d+-\d+:\d+\), which it does not define/);
  });

  it('loads the library as built', () => {
    expect(() => DecisionEngine.load({ elm: compiled })).not.toThrow();
  });
});
