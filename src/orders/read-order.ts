import type { ServiceRequest } from 'fhir/r4.js';
import { asArray, asCode, asRecord, codingsOfAll, conceptTexts, conceptTextsOfAll, noteTexts, type JsonRecord } from '../text/fhir-values.js';
import { combineSides } from '../text/sides.js';
import { firstLevels, firstSides, type SiteSource } from '../text/site.js';
import { copyOf } from './json-copy.js';
import { readSetting, type ValueSetLookup } from './setting.js';
import { SPINE_WIDE_VALUE_SET, namesOnlyCervicalOrThoracicSpine } from './spine-region.js';
import type { DraftOrder } from './types.js';

export const TRIGGER_VALUE_SET = 'lumbar-spine-surgery';

/**
 * True when one of the ServiceRequest's code codings is a lumbar spine surgery code. A code that serves every region
 * of the spine (22830, 22840, 22850...) triggers only when the order does not place it in the cervical or thoracic
 * spine (criteria.md: out of scope), so a cervical revision is never mentioned; a lumbar-only code always triggers.
 */
export function isTriggering(resource: JsonRecord, valueSets: ValueSetLookup): boolean {
  if (resource.resourceType !== 'ServiceRequest') return false;
  const triggering = codingsOfAll(resource.code).filter((c) => valueSets.has(TRIGGER_VALUE_SET, c.system, c.code));
  if (triggering.length === 0) return false;
  if (triggering.some((c) => !valueSets.has(SPINE_WIDE_VALUE_SET, c.system, c.code))) return true;
  return !namesOnlyCervicalOrThoracicSpine(resource, valueSets);
}

/** Where an order states its level and side, most trusted first (fhir-conventions.md, "The order"). */
function siteSources(resource: JsonRecord): SiteSource[] {
  const code = asRecord(resource.code);
  return [
    { codings: codingsOfAll(resource.bodySite), texts: conceptTextsOfAll(resource.bodySite) },
    { texts: conceptTexts(code) },
    { texts: noteTexts(resource.note) },
  ];
}

/** A triggering ServiceRequest read into a DraftOrder; `id` is the order's own id or the one given. */
export function readOrder(resource: JsonRecord, id: string, valueSets: ValueSetLookup): DraftOrder {
  const sources = siteSources(resource);
  const side = combineSides(firstSides(sources));
  const order: DraftOrder = {
    id,
    // Copies, so that later steps (suggestions) can never change what the EHR sent.
    resource: normalised(copyOf(resource), id),
    asSent: copyOf(resource),
    hasOwnId: asCode(resource.id) !== undefined,
    levels: firstLevels(sources),
    setting: readSetting(asArray(resource.locationCode), valueSets),
  };
  if (side) order.side = side;
  return order;
}

/**
 * The Sandbox and careless EHRs send loosely formed orders. The elements later steps read (id, code.text,
 * code.coding) are made well-formed here, so nothing downstream has to distrust the ServiceRequest type:
 * the id is the order's id as reviewed, malformed text is dropped, codings become a list of objects whose
 * system, code and display are strings. Everything else stays as sent.
 */
function normalised(copy: JsonRecord, id: string): ServiceRequest {
  copy.id = id;
  const code = asRecord(copy.code);
  if (code) {
    if (code.text !== undefined && typeof code.text !== 'string') delete code.text;
    const codings = Array.isArray(code.coding) ? code.coding : code.coding === undefined ? undefined : [code.coding];
    if (codings !== undefined) {
      code.coding = codings.flatMap((c) => {
        const coding = asRecord(c);
        if (!coding) return [];
        for (const key of ['system', 'code', 'display', 'version'] as const) {
          if (coding[key] !== undefined && typeof coding[key] !== 'string') delete coding[key];
        }
        return [coding];
      });
    }
  } else if (copy.code !== undefined) {
    delete copy.code;
  }
  return copy as unknown as ServiceRequest;
}
