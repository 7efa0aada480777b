import path from 'node:path';
import type { ImagingStudy } from 'fhir/r4.js';
import { defaultCqlDir, readElmDir } from '../../src/decision/cql-library.js';

/**
 * The compiled criteria with one CQL runtime error put in by hand, as a CQL edit would: "Interspaces", which every
 * evaluation reaches, becomes `if singleton from (<operand>) is null then <the interspaces> else <the interspaces>`,
 * which throws when the operand holds two or more items.
 */
type Node = Record<string, unknown>;
interface Def {
  name: string;
  locator: string;
  expression: Node;
}
const compiled = readElmDir(path.join(defaultCqlDir(), 'elm'));
export const compiledElm = (): Readonly<Record<string, unknown>> => compiled;

function find(node: unknown, test: (n: Node) => boolean): Node | undefined {
  if (Array.isArray(node)) {
    for (const n of node) {
      const found = find(n, test);
      if (found) return found;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  if (test(node as Node)) return node as Node;
  return find(Object.values(node), test);
}

/** Where the singleton sits: inside the definition of "Interspaces" (its own line, its first columns). */
export function interspacesLine(): number {
  return Number((definitions(compiled).find((d) => d.name === 'Interspaces')!.locator).split(':')[0]);
}

function definitions(elm: Record<string, unknown>): Def[] {
  return (elm.LumbarFusionCriteria as { library: { statements: { def: Def[] } } }).library.statements.def;
}

function withSingleton(operand: Node): Record<string, unknown> {
  const elm = structuredClone(compiled);
  const def = definitions(elm).find((d) => d.name === 'Interspaces')!;
  const line = interspacesLine();
  const singleton = { type: 'SingletonFrom', locator: `${line}:2-${line}:9`, operand };
  def.expression = { type: 'If', condition: { type: 'IsNull', operand: singleton }, then: def.expression, else: structuredClone(def.expression) };
  return elm;
}

/** Fails on every chart: `singleton from {1, 2}`. */
export function alwaysFailing(): Record<string, unknown> {
  const int = (value: string) => ({ type: 'Literal', valueType: '{urn:hl7-org:elm-types:r1}Integer', value });
  return withSingleton({ type: 'List', element: [int('1'), int('2')] });
}

/** Fails on a chart with two ImagingStudy resources (the synthetic charts hold none): `singleton from [ImagingStudy]`. */
export function failingOnTwoStudies(): Record<string, unknown> {
  const retrieve = find(compiled, (n) => n.type === 'Retrieve' && String(n.dataType).endsWith('ImagingStudy'))!;
  return withSingleton(structuredClone(retrieve));
}

/** A lumbar MRI study whose text names a patient: nothing of it may reach a log line or an error. */
export function study(id: string, patientId: string): ImagingStudy {
  return {
    resourceType: 'ImagingStudy',
    id,
    status: 'available',
    subject: { reference: `Patient/${patientId}` },
    started: '2026-09-15',
    modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'MR' }],
    description: 'MRI lumbar spine of Jane Q. Marker',
  };
}
