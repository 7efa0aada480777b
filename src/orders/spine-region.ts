import { asRecord, asString, codingsOfAll, conceptTexts, conceptTextsOfAll, noteTexts, type JsonRecord } from '../text/fhir-values.js';
import { isLumbosacralVertebraCoding, spineRegions } from '../text/levels.js';
import type { ValueSetLookup } from './setting.js';

/** Codes that name no region of the spine (exploration of a fusion, instrumentation, add-on segments). */
export const SPINE_WIDE_VALUE_SET = 'spine-wide-surgery';
const CERVICAL_THORACIC_SITE = 'cervical-thoracic-spine-site';
const LUMBAR_SITE = 'lumbar-spine-site';

/**
 * True when the order's stated site is the cervical or thoracic spine only: its body site (codings or text) names
 * a cervical or thoracic vertebra, level or region, or its name (code.text) or notes name a cervical or thoracic
 * level, range or region, and nothing about the order names a lumbar or sacral one. One lumbar mention anywhere,
 * a coding's display included, keeps the order in scope (a cervical order wrongly silenced is cheap, a lumbar one
 * is not). The order code's display never takes an order out: it is the code system's description, not the
 * order's site (22840's names "sublaminar wiring at C1"), and nor does a lone vertebra in the order's name or notes.
 */
export function namesOnlyCervicalOrThoracicSpine(resource: JsonRecord, valueSets: ValueSetLookup): boolean {
  const codings = codingsOfAll(resource.bodySite);
  let upper = codings.some((c) => valueSets.has(CERVICAL_THORACIC_SITE, c.system, c.code));
  if (codings.some((c) => valueSets.has(LUMBAR_SITE, c.system, c.code) || isLumbosacralVertebraCoding(c))) return false;
  if (conceptTexts(asRecord(resource.code)).some((text) => spineRegions(text).lumbosacral)) return false;
  const sites = conceptTextsOfAll(resource.bodySite).map((text) => spineRegions(text));
  const mentions = [asString(asRecord(resource.code)?.text), ...noteTexts(resource.note)].map((text) => spineRegions(text, { loneUpperVertebra: false }));
  for (const regions of [...sites, ...mentions]) {
    if (regions.lumbosacral) return false;
    if (regions.cervicalOrThoracic) upper = true;
  }
  return upper;
}
