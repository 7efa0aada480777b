import cql from 'cql-execution';
import { parseFhirDateTime } from './fhir-datetime.js';

/**
 * FHIR resources as cql-execution reads them, over cql-exec-fhir's parsed model info.
 *
 * cql-exec-fhir's own FHIRObject defines one getter per element of the type hierarchy on every object it
 * creates, re-creates child objects (and re-parses dates) on every property read, and wraps every resource
 * again on every retrieve; cql-execution then compares objects for `distinct` by walking all of those getters.
 * On a 15-resource chart that was most of a call's time. These objects read the same JSON the same way
 * (element lookup, choice types, primitives with extensions, System types), but:
 * - getters live on one prototype per FHIR type, built once per process;
 * - every property read is memoised on the object, so a child object, list or DateTime is built once;
 * - the only own enumerable property is `_key`, the JSON itself, so CQL equality and `distinct` compare
 *   the resource's content (as the element-by-element comparison did) without visiting every element.
 * The memoised values are shared by later reads; cql-execution's operators build new values and never
 * mutate their operands.
 */

/** The parts of cql-exec-fhir's model-info classes (lib/load.js) that are read here. */
export interface TypeSpecifier {
  readonly isNamed?: boolean;
  readonly isList?: boolean;
  readonly isInterval?: boolean;
  readonly isChoice?: boolean;
  readonly name: string;
  readonly namespace?: string;
  readonly fqn: string;
  readonly elementType: TypeSpecifier;
  readonly pointType: TypeSpecifier;
  readonly choices: TypeSpecifier[];
}
export interface ClassElement {
  readonly name: string;
  readonly typeSpecifier: TypeSpecifier;
}
export interface ClassInfo {
  readonly name: string;
  readonly namespace: string;
  readonly elements: ClassElement[];
  readonly baseTypeSpecifier?: TypeSpecifier | null;
  readonly modelInfo: ModelInfo;
  findElement(name: string, allowExplicitChoice?: boolean): ClassElement | undefined;
  parentClasses(): ClassInfo[];
}
export interface ModelInfo {
  readonly name: string;
  readonly url: string;
  readonly patientClassName: string;
  readonly patientClassIdentifier?: string;
  findClass(name: string): ClassInfo | undefined;
}

type Json = Record<string, unknown>;
interface TypeName {
  name: string;
  type: 'NamedTypeSpecifier';
}

/** What FhirObject.primitiveValue answers for an element that is not a single FHIR primitive. */
export const PRIMITIVE_ELSEWHERE = Symbol('read the general way');

/** An element holding one FHIR primitive: its value's System type, and where its read value is remembered. */
interface PrimitiveElement {
  systemType: string;
  /** Not an element name (those have no space), so it never meets a `get` of the same object. */
  cacheKey: string;
}

/** A FHIR element or resource; subclassed once per FHIR type (see `classFor`). */
export class FhirObject {
  /** The JSON: the one own enumerable property, so CQL compares objects by content. */
  readonly _key: unknown;
  readonly #json: Json;
  #cache: Map<string, unknown> | undefined;

  constructor(json: Json) {
    this._key = json;
    this.#json = json;
  }

  /** Set on each FHIR type's prototype. */
  declare readonly _model: TypeModel;

  getTypeInfo(): ClassInfo {
    return this._model.info;
  }

  getId(): unknown {
    return this.#json.id;
  }

  /**
   * `this[field].value` for an element that is one FHIR primitive without extensions, read without building
   * the primitive's own object (most of a library's reads end so: `C.id.value`, `coding.code.value`);
   * PRIMITIVE_ELSEWHERE when the element is of any other kind, for the caller to read it the general way.
   * The answer is the one the two reads give, null for a missing value.
   */
  primitiveValue(field: string): unknown {
    const model = this._model;
    let element = model.primitives.get(field);
    if (element === undefined) model.primitives.set(field, (element = primitiveElement(model.info, field)));
    const json = this.#json;
    if (element === null || json[twinOf(field)] != null) return PRIMITIVE_ELSEWHERE;
    const value = json[field];
    if (value == null) return null;
    let cache = this.#cache;
    if (cache === undefined) cache = this.#cache = new Map();
    const hit = cache.get(element.cacheKey);
    if (hit !== undefined) return hit;
    const read = toSystemValue(value, element.systemType) ?? null;
    cache.set(element.cacheKey, read);
    return read;
  }

  get(field: string): unknown {
    let cache = this.#cache;
    if (cache === undefined) cache = this.#cache = new Map();
    const hit = cache.get(field);
    if (hit !== undefined || cache.has(field)) return hit;
    const value = this.#read(field);
    cache.set(field, value);
    return value;
  }

  #read(field: string): unknown {
    const json = this.#json;
    const model = this._model;
    // A FHIR primitive's `value` (most reads: coding.code.value, C.id.value) goes straight to its System type.
    if (field === 'value' && model.valueSystemType !== undefined) return toSystemValue(json.value, model.valueSystemType);
    const dot = field.indexOf('.');
    const root = dot < 0 ? field : field.slice(0, dot);
    const suffix = dot < 0 ? undefined : field.slice(dot + 1);
    const info = model.info;
    let element = model.elements.get(root);
    if (element === undefined && !model.elements.has(root)) {
      element = info.findElement(root, true);
      model.elements.set(root, element);
    }
    if (element === undefined) return undefined;

    let property: string;
    let spec: TypeSpecifier | undefined;
    if (root !== element.name && element.typeSpecifier.isChoice) {
      // An explicit choice name (e.g. medicationCodeableConcept): only that choice, whatever else the JSON has.
      property = root;
      spec = element.typeSpecifier.choices.find((c) => property === choiceProperty(element, c));
    } else {
      property = element.name;
      spec = element.typeSpecifier;
      if (spec.isChoice) {
        for (const choice of spec.choices) {
          if (!choice.isNamed) continue;
          const name = choiceProperty(element, choice);
          if (json[name] != null || json[`_${name}`] != null) {
            property = name;
            spec = choice;
            break;
          }
        }
      }
    }
    if (spec === undefined) return undefined;
    if (spec.namespace === 'System') {
      if (suffix !== undefined) return undefined;
      return toSystemValue(json[property], spec.name);
    }
    const data = propertyFromJson(json, property, spec, info.modelInfo);
    if (data == null) return data;
    return toModelObject(data, spec, info.modelInfo, suffix);
  }

  getCode(field: string): unknown {
    const code = this.get(field);
    return code instanceof cql.Code ? code : toCode(code);
  }

  getDate(field: string): unknown {
    const date = this.get(field) as { value?: unknown } | null | undefined;
    return !(date instanceof cql.DateTime) && date && date.value ? date.value : date;
  }

  getInterval(field: string): unknown {
    const ivl = this.get(field) as { value?: unknown } | null | undefined;
    return !(ivl instanceof cql.Interval) && ivl && ivl.value ? ivl.value : ivl;
  }

  getDateOrInterval(field: string): unknown {
    const v = this.get(field) as { value?: unknown } | null | undefined;
    return !(v instanceof cql.DateTime) && !(v instanceof cql.Interval) && v && v.value ? v.value : v;
  }

  _is(spec: { type?: string; name?: string }): boolean {
    return spec.type === 'NamedTypeSpecifier' && spec.name !== undefined && this._model.typeNames.has(spec.name);
  }

  _typeHierarchy(): TypeName[] {
    return this._model.hierarchy;
  }
}

/** What one FHIR type's objects share: the class info, the type hierarchy as cql-execution names it. */
interface TypeModel {
  info: ClassInfo;
  /** findElement answers, by name (the element names a library reads). */
  elements: Map<string, ClassElement | undefined>;
  hierarchy: TypeName[];
  typeNames: Set<string>;
  /** For a FHIR primitive (a class whose `value` is a System type, not a choice): that System type's name. */
  valueSystemType?: string;
  /** primitiveElement answers, by element name. */
  primitives: Map<string, PrimitiveElement | null>;
  ctor: new (json: Json) => FhirObject;
}

const models = new WeakMap<ModelInfo, Map<ClassInfo, TypeModel>>();

function typeHierarchy(info: ClassInfo): TypeName[] {
  const names: TypeName[] = [info, ...info.parentClasses()].map((c) => {
    // As cql-exec-fhir names them: the model's url as namespace, the name without the model prefix.
    let namespace = c.namespace;
    if (namespace === c.modelInfo.name) namespace = c.modelInfo.url;
    else if (namespace === 'System') namespace = 'urn:hl7-org:elm-types:r1';
    const name = c.name.startsWith(`${c.modelInfo.name}.`) ? c.name.slice(c.modelInfo.name.length + 1) : c.name;
    return { name: `{${namespace}}${name}`, type: 'NamedTypeSpecifier' as const };
  });
  names.push({ name: '{urn:hl7-org:elm-types:r1}Any', type: 'NamedTypeSpecifier' });
  return names;
}

/** The class of one FHIR type: FhirObject with a getter per element of the type and its ancestors. */
export function modelFor(info: ClassInfo, modelInfo: ModelInfo): TypeModel {
  let byType = models.get(modelInfo);
  if (!byType) models.set(modelInfo, (byType = new Map()));
  const known = byType.get(info);
  if (known) return known;

  const ctor = class extends FhirObject {};
  const hierarchy = typeHierarchy(info);
  const model: TypeModel = { info, elements: new Map(), hierarchy, typeNames: new Set(hierarchy.map((t) => t.name)), primitives: new Map(), ctor };
  const value = info.findElement('value', true)?.typeSpecifier;
  if (value && !value.isChoice && value.namespace === 'System') model.valueSystemType = value.name;
  Object.defineProperty(ctor.prototype, '_model', { value: model, enumerable: false });
  const names = new Set<string>();
  for (let c: ClassInfo | undefined = info; c; ) {
    for (const e of c.elements) names.add(e.name);
    c = c.baseTypeSpecifier ? modelInfo.findClass(c.baseTypeSpecifier.fqn) : undefined;
  }
  for (const name of names) {
    Object.defineProperty(ctor.prototype, name, {
      get(this: FhirObject) {
        return this.get(name);
      },
      enumerable: false,
    });
  }
  byType.set(info, model);
  return model;
}

/**
 * The element `field` of a class when it is named as such (not an explicit choice name), is not a choice or a
 * list, and is a FHIR primitive whose `value` is a System type; null otherwise.
 */
function primitiveElement(info: ClassInfo, field: string): PrimitiveElement | null {
  const element = info.findElement(field, true);
  const spec = element?.typeSpecifier;
  if (!element || element.name !== field || !spec || spec.isChoice || spec.isList || !spec.isNamed || spec.namespace === 'System') return null;
  if (!isPrimitive(spec, info.modelInfo)) return null;
  const cls = classOf(spec, info.modelInfo);
  const value = cls?.findElement('value', true)?.typeSpecifier;
  if (!value || value.isChoice || value.namespace !== 'System') return null;
  return { systemType: value.name, cacheKey: `${field} value` };
}

export function wrap(json: Json, info: ClassInfo, modelInfo: ModelInfo): FhirObject {
  return new (modelFor(info, modelInfo).ctor)(json);
}

function choiceProperty(element: ClassElement, choice: TypeSpecifier): string {
  const name = choice.name === 'SimpleQuantity' ? 'Quantity' : choice.name;
  return `${element.name}${name[0]!.toUpperCase()}${name.slice(1)}`;
}

const primitiveCache = new WeakMap<TypeSpecifier, boolean>();

/** FHIR primitives (and code types that are a single string value) carry their value in `value`. */
function isPrimitive(spec: TypeSpecifier, modelInfo: ModelInfo): boolean {
  const known = primitiveCache.get(spec);
  if (known !== undefined) return known;
  let result = false;
  if (spec.isNamed) {
    if (spec.namespace === 'FHIR' && spec.name[0]!.toLowerCase() === spec.name[0]) result = true;
    else {
      const info = modelInfo.findClass(spec.fqn);
      if (info && info.baseTypeSpecifier && info.baseTypeSpecifier.fqn === 'FHIR.Element' && info.elements.length === 1) {
        result = info.findElement('value')?.typeSpecifier.fqn === 'System.String';
      }
    }
  } else if (spec.isList) {
    result = isPrimitive(spec.elementType, modelInfo);
  }
  primitiveCache.set(spec, result);
  return result;
}

/** A property of the JSON; primitives joined with their `_property` twin (id, extensions), as cql-exec-fhir does. */
const twins = new Map<string, string>();
/** `_code` for `code`: the name of a primitive's id-and-extension twin, built once per element name. */
function twinOf(property: string): string {
  let twin = twins.get(property);
  if (twin === undefined) twins.set(property, (twin = `_${property}`));
  return twin;
}

function propertyFromJson(json: Json, property: string, spec: TypeSpecifier, modelInfo: ModelInfo): unknown {
  const value = json[property];
  const extra = json[twinOf(property)];
  if (value == null && extra == null) return value;
  if (!isPrimitive(spec, modelInfo)) return value;
  // The common case, a single primitive without a twin, needs none of the pairing below.
  if (extra == null && !spec.isList) return { value };
  const values: unknown[] = spec.isList && Array.isArray(value) ? [...value] : [value];
  const extras: unknown[] = spec.isList && Array.isArray(extra) ? [...extra] : [extra];
  while (values.length > extras.length) extras.push(undefined);
  while (extras.length > values.length) values.push(undefined);
  const data = values.map((v, i) => {
    const x = extras[i];
    if (v == null && x == null) return v;
    const item: Json = {};
    if (v !== undefined) item.value = v;
    if (x != null) Object.assign(item, x);
    return item;
  });
  return spec.isList ? data : data[0];
}

function toSystemValue(data: unknown, name: string): unknown {
  if (data == null) return data;
  switch (name) {
    case 'Boolean':
    case 'Integer':
    case 'String':
      return data;
    case 'Decimal': {
      const decimal = (cql as unknown as { Decimal?: { from(v: unknown): unknown } }).Decimal;
      return decimal && typeof decimal.from === 'function' ? decimal.from(data) : data;
    }
    case 'DateTime':
      return typeof data === 'string' ? parseFhirDateTime(data.replace('Z', '+00:00')) : undefined;
    case 'Date': {
      const parsed = typeof data === 'string' ? parseFhirDateTime(data) : null;
      return parsed != null ? parsed.getDate() : undefined;
    }
    case 'Time': {
      if (typeof data !== 'string') return undefined;
      const time = cql.DateTime.parse(`0000-01-01T${data.replace('Z', '+00:00')}`) as unknown as { timezoneOffset: unknown } | null;
      if (time) time.timezoneOffset = null;
      return time;
    }
    default:
      return undefined;
  }
}

const classOfSpec = new WeakMap<TypeSpecifier, ClassInfo | null>();

function classOf(spec: TypeSpecifier, modelInfo: ModelInfo): ClassInfo | undefined {
  let info = classOfSpec.get(spec);
  if (info === undefined) {
    info = modelInfo.findClass(spec.fqn) ?? null;
    classOfSpec.set(spec, info);
  }
  return info ?? undefined;
}

function toModelObject(data: unknown, spec: TypeSpecifier, modelInfo: ModelInfo, suffix?: string): unknown {
  if (data == null) return data;
  if (spec.isNamed) {
    const info = classOf(spec, modelInfo);
    if (!info) return undefined;
    const object = wrap(data as Json, info, modelInfo);
    return suffix !== undefined ? object.get(suffix) : object;
  }
  if (spec.isList) {
    if (suffix !== undefined || !Array.isArray(data)) return undefined;
    return data.map((item) => toModelObject(item, spec.elementType, modelInfo));
  }
  if (spec.isInterval) {
    const d = data as { low?: unknown; high?: unknown; lowClosed?: boolean; highClosed?: boolean };
    return new cql.Interval(toModelObject(d.low, spec.pointType, modelInfo), toModelObject(d.high, spec.pointType, modelInfo), d.lowClosed, d.highClosed);
  }
  return undefined;
}

/** A CodeableConcept, Coding or code as a CQL Code (a list of them for several codings), as cql-exec-fhir does. */
function toCode(f: unknown): unknown {
  if (f == null) return f;
  if (Array.isArray(f)) return f.map(toCode);
  if (!(f instanceof FhirObject)) return undefined;
  const typeName = f.getTypeInfo().name.replace(/^FHIR\./, '');
  const o = f as unknown as Record<string, { value?: string } | FhirObject[] | undefined>;
  if (typeName === 'CodeableConcept') {
    const coding = o.coding as FhirObject[] | null | undefined;
    if (coding == null) return coding;
    const codes = coding.map(toCode);
    return codes.length === 1 ? codes[0] : codes;
  }
  if (typeName === 'Coding') {
    const v = (k: string) => {
      const x = o[k] as { value?: string } | null | undefined;
      return x ? x.value : x;
    };
    return new cql.Code(v('code') as string, v('system') as string, v('version') as string, v('display') as string);
  }
  if (typeName === 'code') return (o as unknown as { value?: unknown }).value;
  return undefined;
}

/**
 * Element names the model types as System strings, read without `.value` (FHIR 4.0.1: Element.id), other
 * than `value` itself; undefined when the model info cannot be enumerated.
 */
export function systemStringElements(modelInfo: ModelInfo): Set<string> | undefined {
  const classes = (modelInfo as unknown as { _classesByName?: Map<string, ClassInfo> })._classesByName;
  if (!(classes instanceof Map)) return undefined;
  const names = new Set<string>();
  for (const info of classes.values()) {
    for (const e of info.elements) {
      if (e.name !== 'value' && e.typeSpecifier?.namespace === 'System' && e.typeSpecifier.name === 'String') names.add(e.name);
    }
  }
  return names;
}
