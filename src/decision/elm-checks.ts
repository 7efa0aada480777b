import { PLAN_DECISION_FIELDS } from './to-decision.js';

/**
 * Checks of the compiled library made when it loads, so that a library the TypeScript cannot carry to the cards
 * stops the service at start with a message saying what to change, instead of answering wrongly or with errors:
 * - every ExpressionRef and FunctionRef names a definition its library holds (cql-execution reads a missing
 *   one as null, silently);
 * - "Plan Decision" is a Tuple whose fields are exactly those src/decision/to-decision.ts maps;
 * - every criterion id of a definition's name (R5 of "R5 Something") is among those "Plan Decision" returns.
 */
type Node = Record<string, unknown>;
interface Def {
  name?: string;
  type?: string;
  locator?: string;
  expression?: Node;
}
interface ElmLibrary {
  library?: {
    identifier?: { id?: string };
    includes?: { def?: { localIdentifier?: string; path?: string }[] };
    statements?: { def?: Def[] };
  };
}

const TO_DECISION = 'src/decision/to-decision.ts';
const SEE = 'see README, "The criteria", for what a new criterion needs in TypeScript';
/** R1 of "R1 Failed Prior Surgery" (and of its helper "R1 Prior At Level"), S4 of "S4 Smoking Status". */
const CRITERION_ID = /^([RS]\d+)(?![0-9A-Za-z])/;

const isNode = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);
const defsOf = (lib: ElmLibrary | undefined): Def[] => lib?.library?.statements?.def ?? [];

export function checkCriteriaElm(elm: Readonly<Record<string, unknown>>, criteriaLibrary: string): void {
  for (const [name, lib] of Object.entries(elm)) checkReferences(name, lib as ElmLibrary, elm as Record<string, ElmLibrary>);
  checkPlanDecision(criteriaLibrary, elm[criteriaLibrary] as ElmLibrary);
}

function checkReferences(name: string, lib: ElmLibrary, all: Record<string, ElmLibrary>): void {
  const includes = new Map((lib.library?.includes?.def ?? []).map((d) => [d.localIdentifier, d.path]));
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (!isNode(node)) return;
    if ((node.type === 'ExpressionRef' || node.type === 'FunctionRef') && typeof node.name === 'string') {
      const alias = typeof node.libraryName === 'string' ? node.libraryName : undefined;
      const target = alias === undefined ? lib : all[includes.get(alias) ?? ''];
      const where = typeof node.locator === 'string' ? ` (line ${node.locator})` : '';
      if (!target) throw new Error(`The ELM of ${name} refers to library ${alias}${where}, which is not loaded: run "npm run build"`);
      if (!defsOf(target).some((d) => d.name === node.name)) {
        throw new Error(`The ELM of ${name} refers to "${node.name}"${alias ? ` of ${alias}` : ''}${where}, which it does not define: run "npm run build"`);
      }
    }
    for (const [key, v] of Object.entries(node)) if (key !== 'annotation') walk(v);
  };
  walk(lib.library);
}

function checkPlanDecision(name: string, lib: ElmLibrary): void {
  const defs = defsOf(lib);
  const decision = defs.find((d) => d.name === 'Plan Decision' && d.type !== 'FunctionDef');
  if (!decision) throw new Error(`${name} defines no "Plan Decision": the service evaluates it once per plan (${TO_DECISION} maps it)`);
  const elements = decision.expression?.type === 'Tuple' && Array.isArray(decision.expression.element) ? (decision.expression.element as Node[]) : undefined;
  if (!elements) throw new Error(`"Plan Decision" of ${name} must be a Tuple { ... }: ${TO_DECISION} maps its fields by name`);
  const fields = elements.map((e) => String(e.name));
  for (const f of fields) {
    if (!PLAN_DECISION_FIELDS.includes(f)) {
      throw new Error(`"Plan Decision" of ${name} returns the field "${f}", which ${TO_DECISION} does not map, so no card would show it: map it there first (${SEE})`);
    }
  }
  for (const f of PLAN_DECISION_FIELDS) {
    if (!fields.includes(f)) throw new Error(`"Plan Decision" of ${name} lacks the field "${f}", which ${TO_DECISION} needs`);
  }
  // The criteria "Plan Decision" returns, by id: a definition named for another one (R5) would reach no card.
  const returned = new Set(elements.flatMap((e) => (isNode(e.value) && typeof e.value.name === 'string' ? [CRITERION_ID.exec(e.value.name)?.[1]] : [])));
  for (const d of defs) {
    const id = d.type === 'FunctionDef' || typeof d.name !== 'string' ? undefined : CRITERION_ID.exec(d.name)?.[1];
    if (id && !returned.has(id)) {
      throw new Error(`"${d.name}" of ${name} is criterion ${id}, which "Plan Decision" does not return, so no card would show it: add it to "Plan Decision" and map it in ${TO_DECISION} (${SEE})`);
    }
  }
}
