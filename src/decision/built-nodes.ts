import type cql from 'cql-execution';

/** An expression node as cql-execution builds it from ELM: its class name says which ELM type it is. */
export interface BuiltNode {
  constructor: { name: string };
  exec(ctx: unknown): unknown;
  execute(ctx: unknown): unknown;
}

/** The ELM type of a built node (its class name), or undefined for anything else. */
export const nodeType = (v: unknown): string | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as BuiltNode).constructor?.name : undefined;

/**
 * Visits every object reachable from the expression trees of a loaded Library and of the libraries it
 * includes, once each, with the name of the library it belongs to. The execution-plan changes
 * (function-memo.ts, list-index.ts, short-circuit.ts) patch the nodes they find here, per loaded Library:
 * cql-execution's classes are never changed.
 */
export function forEachNode(library: cql.Library, visit: (node: object, libraryName: string) => void): void {
  const seen = new WeakSet<object>();
  const walk = (value: unknown, libraryName: string): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      for (const v of value) walk(v, libraryName);
      return;
    }
    visit(value, libraryName);
    const isLibrary = nodeType(value) === 'Library';
    for (const [k, v] of Object.entries(value)) {
      // A library's own JSON and its includes (walked as libraries of their own) are not expression nodes.
      if ((isLibrary && k === 'source') || k === 'includes' || k === 'parent') continue;
      walk(v, libraryName);
    }
  };
  const walkLibrary = (lib: cql.Library): void => {
    if (seen.has(lib)) return;
    walk(lib, (lib as unknown as { name?: string }).name ?? '');
    for (const included of Object.values((lib as unknown as { includes?: Record<string, cql.Library> }).includes ?? {})) walkLibrary(included);
  };
  walkLibrary(library);
}
