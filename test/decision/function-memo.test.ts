import cql from 'cql-execution';
import { rememberFunctionResults } from '../../src/decision/function-memo.js';
import { patientSourceFor } from '../../src/decision/patient-source.js';

const INTEGER = '{urn:hl7-org:elm-types:r1}Integer';
const int = (value: number) => ({ type: 'Literal', valueType: INTEGER, value: String(value) });
const call = (...operand: unknown[]) => ({ type: 'FunctionRef', name: 'F', operand });
const define = (name: string, expression: unknown) => ({ name, context: 'Patient', accessLevel: 'Public', expression });

/** define function F(x Integer): x + 1; A: F(1); B: F(1) + F(2); C: F(null as Integer) */
function library(): cql.Library {
  return new cql.Library({
    library: {
      identifier: { id: 'Memo', version: '1' },
      statements: {
        def: [
          {
            ...define('F', { type: 'Add', operand: [{ type: 'OperandRef', name: 'x' }, int(1)] }),
            type: 'FunctionDef',
            operand: [{ name: 'x', operandTypeSpecifier: { type: 'NamedTypeSpecifier', name: INTEGER } }],
          },
          define('A', call(int(1))),
          define('B', { type: 'Add', operand: [call(int(1)), call(int(2))] }),
          define('C', call({ type: 'As', asType: INTEGER, operand: { type: 'Null' } })),
        ],
      },
    },
  } as never);
}

/** Runs every definition once for one patient, counting how often F's body runs. */
async function run(lib: cql.Library): Promise<{ results: Record<string, unknown>; bodies: number }> {
  const body = (lib as unknown as { functions: Record<string, { expression: { exec(ctx: unknown): Promise<unknown> } }[]> }).functions.F![0]!.expression;
  const exec = body.exec.bind(body);
  let bodies = 0;
  body.exec = (ctx) => {
    bodies++;
    return exec(ctx);
  };
  const out = await new cql.Executor(lib).exec(patientSourceFor([{ resourceType: 'Patient', id: 'p' }]) as unknown as cql.DataProvider);
  return { results: out.patientResults.p as Record<string, unknown>, bodies };
}

describe('rememberFunctionResults', () => {
  it('runs a function once per distinct argument within an evaluation, with the same results', async () => {
    const plain = await run(library());
    const remembering = library();
    expect(rememberFunctionResults(remembering)).toBe(4);
    const remembered = await run(remembering);
    expect(remembered.results).toEqual(plain.results);
    expect(remembered.results).toMatchObject({ A: 2, B: 5, C: null });
    expect(plain.bodies).toBe(4);
    expect(remembered.bodies).toBe(3);
  });

  it('forgets between evaluations', async () => {
    const lib = library();
    rememberFunctionResults(lib);
    expect((await run(lib)).bodies).toBe(3);
    expect((await run(lib)).bodies).toBe(3);
  });

  it('keeps overloads of one name apart: G(x) and G(x, y) called with the same first argument', async () => {
    const operand = (name: string) => ({ name, operandTypeSpecifier: { type: 'NamedTypeSpecifier', name: INTEGER } });
    const g = (...operand: unknown[]) => ({ type: 'FunctionRef', name: 'G', operand });
    const lib = new cql.Library({
      library: {
        identifier: { id: 'Overloads', version: '1' },
        statements: {
          def: [
            { ...define('G', { type: 'Add', operand: [{ type: 'OperandRef', name: 'x' }, int(100)] }), type: 'FunctionDef', operand: [operand('x')] },
            {
              ...define('G', { type: 'Multiply', operand: [{ type: 'OperandRef', name: 'x' }, { type: 'OperandRef', name: 'y' }] }),
              type: 'FunctionDef',
              operand: [operand('x'), operand('y')],
            },
            define('One', g(int(3))),
            define('Two', g(int(3), int(5))),
            define('OneAgain', g(int(3))),
          ],
        },
      },
    } as never);
    expect(rememberFunctionResults(lib)).toBe(3);
    const out = await new cql.Executor(lib).exec(patientSourceFor([{ resourceType: 'Patient', id: 'p' }]) as unknown as cql.DataProvider);
    expect(out.patientResults.p).toMatchObject({ One: 103, Two: 15, OneAgain: 103 });
  });
});
