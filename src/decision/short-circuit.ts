import type cql from 'cql-execution';
import { forEachNode, nodeType, type BuiltNode } from './built-nodes.js';

/**
 * `and` and `or` that stop at their first deciding operand.
 *
 * cql-execution evaluates every operand of And and Or before combining them, so in
 * `[Condition] C where C.code in "Instability" and not IsVoidCondition(C) and <level test>` every condition of
 * the chart pays for the whole chain. In CQL's three-valued logic a false operand makes an `and` false and a
 * true operand makes an `or` true whatever the others are, so the rest is skipped; otherwise the operands are
 * combined by the same rules as cql-execution's (false wins, then null, for `and`; true wins, then null, for `or`).
 * CQL expressions have no side effects, so only the time changes.
 */
interface LogicalNode extends BuiltNode {
  args?: BuiltNode[];
}

/** The operand value that decides the whole: false for `and`, true for `or`; without one, null wins over the other value. */
function decide(node: LogicalNode, ctx: unknown, deciding: boolean): boolean | null {
  let sawNull = false;
  for (const arg of node.args!) {
    const value = arg.execute(ctx);
    if (value === deciding) return deciding;
    if (value === null) sawNull = true;
  }
  return sawNull ? null : !deciding;
}

/** Makes every And and Or of the library and its includes stop early; returns how many. */
export function shortCircuitLogic(library: cql.Library): number {
  let patched = 0;
  forEachNode(library, (node) => {
    const type = nodeType(node);
    if (type !== 'And' && type !== 'Or') return;
    const logical = node as LogicalNode;
    if (!Array.isArray(logical.args)) return;
    const deciding = type === 'Or';
    logical.exec = (ctx) => decide(logical, ctx, deciding);
    patched++;
  });
  return patched;
}
