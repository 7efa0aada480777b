import type cql from 'cql-execution';
import { forEachNode, nodeType, type BuiltNode } from './built-nodes.js';
import { FhirObject, PRIMITIVE_ELSEWHERE } from './fhir-objects.js';

/**
 * `coding.code.value` read in one step instead of three.
 *
 * The ELM of a path is a chain of Property nodes over an operand or alias: `coding.code.value` is
 * Property(value, Property(code, OperandRef coding)), and cql-execution evaluates each link as a node of its
 * own. The criteria read FHIR elements this way everywhere (the largest share of the seed's node
 * evaluations). A Property whose source is another Property, an operand or an alias reads the whole chain
 * itself, link by link with exactly the steps of cql-execution's Property (property, then `get`, then a
 * dotted path; a function value is called; null goes on as null); a source of any other kind is evaluated
 * as before and the chain continues from its value.
 */
interface PropertyNode extends BuiltNode {
  scope?: string;
  path: string;
  source?: unknown;
}
interface NamedRef extends BuiltNode {
  name: string;
}
interface ContextLike {
  get(name: string): unknown;
}

/** cql-execution's getPropertyFromObject (elm/structured.js). */
function propertyOf(obj: unknown, path: string): unknown {
  if (obj == null) return undefined;
  let val = (obj as Record<string, unknown>)[path];
  if (val === undefined && typeof (obj as { get?: unknown }).get === 'function') val = (obj as { get(p: string): unknown }).get(path);
  return val;
}

/** One link: cql-execution's Property.exec once its object is known. */
function step(obj: unknown, path: string): unknown {
  let val = propertyOf(obj, path);
  if (val == null) {
    let current = obj;
    for (const part of path.split('.')) {
      const v = propertyOf(current, part);
      current = v instanceof Function ? v.call(current) : v;
    }
    val = current != null ? current : null;
  }
  return val instanceof Function ? val.call(obj) : val;
}

/** The chain under `node`: where its innermost object comes from and the paths read from it, innermost first. */
function chainOf(node: PropertyNode): { base: (ctx: ContextLike) => unknown; paths: string[] } {
  const paths: string[] = [];
  let link: PropertyNode = node;
  for (;;) {
    paths.unshift(link.path);
    if (link.scope != null) {
      const scope = link.scope;
      return { base: (ctx) => ctx.get(scope), paths };
    }
    const source = link.source;
    const type = nodeType(source);
    if (type === 'Property') {
      link = source as PropertyNode;
      continue;
    }
    if (type === 'OperandRef' || type === 'AliasRef') {
      const name = (source as NamedRef).name;
      return { base: (ctx) => ctx.get(name), paths };
    }
    // cql-execution reads a source that is not an expression as the object itself.
    if (!(typeof (source as BuiltNode | undefined)?.execute === 'function')) return { base: () => source, paths };
    return { base: (ctx) => (source as BuiltNode).execute(ctx), paths };
  }
}

/** Lets every Property chain of the library and its includes read itself; returns how many chains. */
export function readPropertyPaths(library: cql.Library): number {
  let patched = 0;
  forEachNode(library, (node) => {
    if (nodeType(node) !== 'Property') return;
    const property = node as PropertyNode;
    if (typeof property.path !== 'string') return;
    const sourceType = nodeType(property.source);
    if (property.scope != null || (sourceType !== 'Property' && sourceType !== 'OperandRef' && sourceType !== 'AliasRef')) return;
    const { base, paths } = chainOf(property);
    property.exec = (ctx: unknown) => {
      let value = base(ctx as ContextLike);
      for (let i = 0; i < paths.length; i++) {
        // `element.value` on a FHIR object: one read, without building the primitive's object.
        if (paths[i + 1] === 'value' && value instanceof FhirObject) {
          const read = value.primitiveValue(paths[i]!);
          if (read !== PRIMITIVE_ELSEWHERE) {
            value = read;
            i++;
            continue;
          }
        }
        value = step(value, paths[i]!);
      }
      return value;
    };
    patched++;
  });
  return patched;
}
