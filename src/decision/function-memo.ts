import type cql from 'cql-execution';
import { forEachNode } from './built-nodes.js';

/**
 * Remembers CQL function results within one evaluation.
 *
 * cql-execution caches a `define` per evaluation but runs a function body at every call, and the criteria
 * call the same functions on the same resources from many queries (`ToConcept(C.code)`, `LevelsOf(ref)`,
 * `IsVoidCondition(C)`: several hundred calls, about half repeats). A CQL function is a pure function of
 * its arguments within one evaluation (parameters, `Now` and definitions are fixed for it), so a repeat
 * call returns the first call's value: keyed by the call site's library, the function, and each argument
 * (primitives by value, objects by identity; the FHIR objects of fhir-objects.ts are one object per
 * element). Values are remembered on the evaluation's root context and dropped with it.
 *
 * On the context itself, not in a WeakMap keyed by it: V8's young-generation collector keeps a WeakMap's
 * entries, so every evaluation's results (and the FHIR objects they hold) were promoted to the old generation
 * and swept by full collections, about 80 KB per evaluation of the seed fixture's chart and two full collections a second on a busy
 * evaluation thread (test/decision/evaluation-garbage.test.ts).
 *
 * This patches the `exec` of the FunctionRef nodes of one loaded Library (not cql-execution's classes):
 * the argument expressions are evaluated first to find the key; on a miss the original `exec` runs with
 * those arguments. A node of another shape is left alone.
 */
interface FunctionRefNode {
  name: string;
  library?: string;
  exec(ctx: ContextLike): unknown;
  execArgs(ctx: ContextLike): unknown;
}
interface ContextLike {
  rootContext(): object;
}

const NULL = Symbol('null');
/**
 * The results of one function: keyed by its first argument, then by the next, ...; the last argument's map
 * holds the result itself, so a one-argument function (most of them) needs one map in all.
 */
type Memo = Map<unknown, unknown>;

function isFunctionRef(node: object): node is FunctionRefNode {
  const n = node as Partial<FunctionRefNode>;
  return node.constructor?.name === 'FunctionRef' && typeof n.name === 'string' && typeof n.exec === 'function' && typeof n.execArgs === 'function';
}

/** Patches every function call of the library and its includes; returns how many call sites. */
export function rememberFunctionResults(library: cql.Library): number {
  const MEMO = Symbol('remembered function results');
  let patched = 0;

  const patch = (node: FunctionRefNode, libraryName: string) => {
    const key = `${libraryName}|${node.library ?? ''}|${node.name}`;
    const original = node.exec.bind(node);
    const ownArgs = node.execArgs.bind(node);
    // On a miss the original exec asks for the arguments again: it gets the ones already evaluated
    // (evaluation is synchronous, so nothing else runs this node in between).
    let evaluated: { args: unknown } | undefined;
    node.execArgs = (ctx: ContextLike) => {
      if (evaluated === undefined) return ownArgs(ctx);
      const { args } = evaluated;
      evaluated = undefined;
      return args;
    };
    node.exec = (ctx: ContextLike) => {
      const root = ctx.rootContext() as { [MEMO]?: Map<string, Memo[]> };
      const byFunction = (root[MEMO] ??= new Map());
      const args = ownArgs(ctx);
      const list = Array.isArray(args) ? args : [args];
      // Overloads of a name may differ in arity: each arity has its own memo.
      let byArity = byFunction.get(key);
      if (!byArity) byFunction.set(key, (byArity = []));
      let memo = (byArity[list.length] ??= new Map());
      for (let i = 0; i < list.length - 1; i++) {
        const k = list[i] === null ? NULL : list[i];
        let next = memo.get(k) as Memo | undefined;
        if (!next) memo.set(k, (next = new Map()));
        memo = next;
      }
      const last = list.length === 0 ? NULL : list[list.length - 1] === null ? NULL : list[list.length - 1];
      if (memo.has(last)) return memo.get(last);
      evaluated = { args };
      let value: unknown;
      try {
        value = original(ctx);
      } finally {
        evaluated = undefined;
      }
      memo.set(last, value);
      return value;
    };
    patched++;
  };

  forEachNode(library, (node, libraryName) => {
    if (isFunctionRef(node)) patch(node, libraryName);
  });
  return patched;
}
