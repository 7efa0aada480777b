import { dateTimeFields } from './date-time.js';
import { fhirModelInfo, type ClassInfo, type TypeSpecifier } from './model-info.js';

/**
 * Checks that a resource's JSON has the shapes the FHIR R4 model gives its elements (arrays where an element
 * repeats, objects for complex types, strings/numbers/booleans for primitives). The CQL data model assumes
 * them and fails on anything else, so a malformed element must be named before evaluation, not crash it.
 * Unknown elements are left alone: they are never read.
 */
const MAX_DEPTH = 24;
const MAX_PROBLEMS = 10;

export interface ShapeProblem {
  /** Element path inside the resource, e.g. "code.coding". */
  path: string;
  message: string;
}

const SYSTEM_JSON: Record<string, 'string' | 'number' | 'boolean'> = {
  String: 'string',
  Boolean: 'boolean',
  Integer: 'number',
  Decimal: 'number',
  Date: 'string',
  DateTime: 'string',
  Time: 'string',
};

/**
 * The lexical forms of FHIR R4's date, dateTime/instant and time (https://hl7.org/fhir/R4/datatypes.html):
 * a date that is not one is no date at all, and read as missing it would quietly count as "at the order".
 * A time without its zone, which FHIR forbids but EHRs send, is accepted: it still names a day.
 */
const YEAR = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)';
// FHIR allows a leap second (:60); the CQL engine reads it as no time at all, so it is refused here.
const TIME = '([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?';
/** `calendar`: the value also names a day, checked by the date reader after the pattern. */
interface LexicalFormat {
  pattern: RegExp;
  name: string;
  calendar?: true;
}
const SYSTEM_FORMAT: Record<string, LexicalFormat> = {
  Date: { pattern: new RegExp(`^${YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$`), name: 'a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)', calendar: true },
  DateTime: {
    pattern: new RegExp(`^${YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T${TIME}(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?)?)?)?$`),
    name: 'a FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)',
    calendar: true,
  },
  Time: { pattern: new RegExp(`^${TIME}$`), name: 'a FHIR time (hh:mm:ss)' },
};

/**
 * Days 01 to 28 are in every month: only the 29th, 30th and 31st need the date reader, which a chart of thousands
 * of dates would otherwise run for each (a tenth of the shape check's time).
 */
function mayNameNoDay(value: string): boolean {
  return value.length >= 10 && (value[8] === '3' || (value[8] === '2' && value[9] === '9'));
}

/**
 * Model lookups memoised: findClass and findElement walk the model's maps and parent classes, and a chart
 * asks the same few questions thousands of times (most of the check's time on a 2,000-resource chart).
 */
const classes = new Map<string, ClassInfo>();
function findClass(name: string): ClassInfo | undefined {
  const known = classes.get(name);
  if (known) return known;
  const found = fhirModelInfo.findClass(name);
  if (found) classes.set(name, found);
  return found;
}
const elements = new WeakMap<ClassInfo, Map<string, ReturnType<ClassInfo['findElement']>>>();
function findElement(cls: ClassInfo, key: string): ReturnType<ClassInfo['findElement']> {
  let byKey = elements.get(cls);
  if (!byKey) elements.set(cls, (byKey = new Map()));
  const known = byKey.get(key);
  if (known) return known;
  // Only elements the model knows are kept: keys from outside are unbounded and must not grow the cache.
  const found = cls.findElement(key, true);
  if (found) byKey.set(key, found);
  return found;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A FHIR primitive (FHIR.string, FHIR.dateTime, and the code enumerations such as FHIR.ObservationStatus)
 * is a class whose `value` is a System type.
 */
interface Primitive {
  json: 'string' | 'number' | 'boolean';
  format?: LexicalFormat;
}
const primitives = new WeakMap<ClassInfo, Primitive | null>();
function primitiveOf(cls: ClassInfo): Primitive | undefined {
  let known = primitives.get(cls);
  if (known === undefined) {
    const value = cls.findElement('value')?.typeSpecifier;
    const json = value?.namespace === 'System' && value.name ? SYSTEM_JSON[value.name] : undefined;
    known = json ? { json, ...(value?.name && SYSTEM_FORMAT[value.name] ? { format: SYSTEM_FORMAT[value.name] } : {}) } : null;
    primitives.set(cls, known);
  }
  return known ?? undefined;
}

function choiceFor(key: string, elementName: string, spec: TypeSpecifier): TypeSpecifier | undefined {
  const suffix = key.slice(elementName.length).toLowerCase();
  return spec.choices?.find((c) => (c.name ?? '').toLowerCase() === suffix);
}

/**
 * The walk keeps the path as a stack of parts and writes it out only for a problem: a chart of thousands of
 * well-formed resources builds no strings.
 */
interface Walk {
  trail: (string | number)[];
  out: ShapeProblem[];
}

function problem(walk: Walk, message: string): void {
  let path = '';
  for (const part of walk.trail) path += typeof part === 'number' ? `[${part}]` : path ? `.${part}` : part;
  walk.out.push({ path, message });
}

/** The class of a named type, remembered per type specifier (its fqn is computed on every read). */
const classOfSpec = new WeakMap<TypeSpecifier, ClassInfo | null>();
function classOf(spec: TypeSpecifier): ClassInfo | undefined {
  let known = classOfSpec.get(spec);
  if (known === undefined) {
    known = findClass(spec.fqn ?? spec.name ?? '') ?? null;
    classOfSpec.set(spec, known);
  }
  return known ?? undefined;
}

function checkValue(value: unknown, spec: TypeSpecifier | undefined, depth: number, walk: Walk): void {
  if (!spec || walk.out.length >= MAX_PROBLEMS) return;
  if (depth > MAX_DEPTH) {
    problem(walk, 'nested too deeply');
    return;
  }
  if (spec.isList) {
    if (!Array.isArray(value)) {
      problem(walk, 'expected an array');
      return;
    }
    for (let i = 0; i < value.length; i++) {
      walk.trail.push(i);
      checkValue(value[i], spec.elementType, depth + 1, walk);
      walk.trail.pop();
    }
    return;
  }
  if (!spec.isNamed || !spec.name) return;
  if (spec.namespace === 'System') {
    const want = SYSTEM_JSON[spec.name];
    if (want && typeof value !== want) problem(walk, `expected a ${want}`);
    return;
  }
  // Resource-typed elements (contained, Bundle entries) are not read by the criteria.
  if (spec.name === 'Resource' || spec.name === 'DomainResource') return;
  const cls = classOf(spec);
  if (!cls) return;
  const primitive = primitiveOf(cls);
  if (primitive) {
    if (typeof value !== primitive.json) problem(walk, `expected a ${primitive.json}`);
    else if (primitive.format && !primitive.format.pattern.test(value as string)) problem(walk, `expected ${primitive.format.name}`);
    // A form the patterns allow may still name no day (2023-02-30); the engine's date reader is the judge.
    else if (primitive.format?.calendar && mayNameNoDay(value as string) && dateTimeFields(value as string) === undefined) problem(walk, 'is not a day of the calendar');
    return;
  }
  if (!isObject(value)) {
    problem(walk, 'expected an object');
    return;
  }
  checkObject(value, cls, depth + 1, walk);
}

function checkObject(obj: Record<string, unknown>, cls: ClassInfo, depth: number, walk: Walk): void {
  for (const key in obj) {
    if (!Object.hasOwn(obj, key) || key === 'resourceType' || key.startsWith('_') || walk.out.length >= MAX_PROBLEMS) continue;
    const element = findElement(cls, key);
    if (!element?.typeSpecifier) continue;
    const spec = element.typeSpecifier.isChoice ? choiceFor(key, element.name, element.typeSpecifier) : element.typeSpecifier;
    walk.trail.push(key);
    if (spec) checkValue(obj[key], spec, depth, walk);
    else problem(walk, `is not a type allowed for ${element.name}[x]`);
    walk.trail.pop();
  }
}

/** The shape problems of one resource (at most a few, enough to name the fault). */
export function shapeProblems(resource: unknown): ShapeProblem[] {
  if (!isObject(resource) || typeof resource.resourceType !== 'string') return [{ path: '', message: 'expected a FHIR resource' }];
  const cls = findClass(`FHIR.${resource.resourceType}`) ?? findClass(resource.resourceType);
  if (!cls) return [{ path: 'resourceType', message: `unknown resource type ${resource.resourceType}` }];
  const walk: Walk = { trail: [], out: [] };
  checkObject(resource, cls, 0, walk);
  return walk.out;
}
