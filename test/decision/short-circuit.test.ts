import cql from 'cql-execution';
import { patientSourceFor } from '../../src/decision/patient-source.js';
import { shortCircuitLogic } from '../../src/decision/short-circuit.js';

const BOOLEAN = '{urn:hl7-org:elm-types:r1}Boolean';
const VALUES = { true: { type: 'Literal', valueType: BOOLEAN, value: 'true' }, false: { type: 'Literal', valueType: BOOLEAN, value: 'false' }, null: { type: 'As', asType: BOOLEAN, operand: { type: 'Null' } } };
type Name = keyof typeof VALUES;
const NAMES = Object.keys(VALUES) as Name[];
const define = (name: string, expression: unknown) => ({ name, context: 'Patient', accessLevel: 'Public', expression });

/** Every pair of true, false and null under `and` and `or`, e.g. "true and null". */
function library(): cql.Library {
  const defs = NAMES.flatMap((l) => NAMES.flatMap((r) => ['And', 'Or'].map((op) => define(`${l} ${op.toLowerCase()} ${r}`, { type: op, operand: [VALUES[l], VALUES[r]] }))));
  return new cql.Library({ library: { identifier: { id: 'Logic', version: '1' }, statements: { def: defs } } } as never);
}

const run = (lib: cql.Library) =>
  new cql.Executor(lib).exec(patientSourceFor([{ resourceType: 'Patient', id: 'p' }]) as unknown as cql.DataProvider).patientResults.p as Record<string, unknown>;

/** Counts evaluations of each right-hand operand. */
function countRightOperands(lib: cql.Library): { count: number } {
  const counter = { count: 0 };
  for (const def of Object.values((lib as unknown as { expressions: Record<string, { expression: { args: { exec(ctx: unknown): unknown }[] } }> }).expressions)) {
    const right = def.expression.args[1]!;
    const exec = right.exec.bind(right);
    right.exec = (ctx) => {
      counter.count++;
      return exec(ctx);
    };
  }
  return counter;
}

describe('shortCircuitLogic', () => {
  it("gives cql-execution's three-valued answers for every pair of operands", () => {
    const plain = run(library());
    const lib = library();
    expect(shortCircuitLogic(lib)).toBe(18);
    expect(run(lib)).toEqual(plain);
    expect(plain).toMatchObject({ 'false and null': false, 'null and true': null, 'true or null': true, 'null or false': null, 'false or false': false });
  });

  it('skips the right operand only when the left decides: false under and, true under or', () => {
    const plain = library();
    const plainCount = countRightOperands(plain);
    run(plain);
    expect(plainCount.count).toBe(18);

    const lib = library();
    shortCircuitLogic(lib);
    const count = countRightOperands(lib);
    run(lib);
    // 3 pairs with a false left under and, 3 with a true left under or.
    expect(count.count).toBe(18 - 6);
  });
});
