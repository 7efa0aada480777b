import { asRecord, codingsOfAll, conceptTexts, conceptTextsOfAll, noteTexts, type JsonRecord } from '../text/fhir-values.js';
import { isLumbosacralVertebraCoding, spineRegions } from '../text/levels.js';
import type { ValueSetLookup } from './setting.js';

/** Codes that name no region of the spine (exploration of a fusion, instrumentation, add-on segments). */
export const SPINE_WIDE_VALUE_SET = 'spine-wide-surgery';
const CERVICAL_THORACIC_SITE = 'cervical-thoracic-spine-site';
const LUMBAR_SITE = 'lumbar-spine-site';

/**
 * True when the order's stated site is the cervical or thoracic spine only: its body site codings, body site
 * text, code text and displays, or notes name a cervical or thoracic level, vertebra or region, and none of them
 * names a lumbar or sacral level, vertebra or region. Every source counts, whatever its trust for the level: one
 * lumbar mention anywhere keeps the order in scope (a cervical order wrongly silenced is cheap, a lumbar one is not).
 */
export function namesOnlyCervicalOrThoracicSpine(resource: JsonRecord, valueSets: ValueSetLookup): boolean {
  const codings = codingsOfAll(resource.bodySite);
  let upper = codings.some((c) => valueSets.has(CERVICAL_THORACIC_SITE, c.system, c.code));
  if (codings.some((c) => valueSets.has(LUMBAR_SITE, c.system, c.code) || isLumbosacralVertebraCoding(c))) return false;
  const texts = [...conceptTextsOfAll(resource.bodySite), ...conceptTexts(asRecord(resource.code)), ...noteTexts(resource.note)];
  for (const text of texts) {
    const regions = spineRegions(text);
    if (regions.lumbosacral) return false;
    if (regions.cervicalOrThoracic) upper = true;
  }
  return upper;
}
