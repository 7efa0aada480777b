import { asArray, asRecord, asString, codingsOf, codingsOfAll, conceptTexts, conceptTextsOfAll, noteTexts, type JsonRecord } from '../text/fhir-values.js';
import { allLevels, allSides, firstLevels, firstSides, type SiteSource } from '../text/site.js';
import type { ResourceFacts } from './types.js';

/**
 * Levels and sides of one chart resource (fhir-conventions.md, "Spinal level and side").
 * A Condition, Procedure or Observation is about one site, so its sources are ranked and the first that
 * names a level (or side) wins: bodySite (with side-carrying codes such as M21.372), then the code's text,
 * then notes and other text; a note about an adjacent segment must not move a prior fusion. An ImagingStudy
 * or DiagnosticReport describes many levels at once, so every source counts.
 */
export function readResourceFacts(ref: string, resourceType: string, resource: JsonRecord): ResourceFacts {
  switch (resourceType) {
    case 'ImagingStudy':
    case 'DiagnosticReport': {
      const sources = resourceType === 'ImagingStudy' ? studySources(resource) : reportSources(resource);
      return { ref, levels: allLevels(sources), sides: allSides(sources) };
    }
    default: {
      const sources = siteSources(resource, resourceType);
      return { ref, levels: firstLevels(sources), sides: firstSides(sources) };
    }
  }
}

/** Condition, Procedure, Observation (and anything else with bodySite, code and note), most trusted first. */
function siteSources(r: JsonRecord, resourceType: string): SiteSource[] {
  const extra: string[] = [];
  if (resourceType === 'Procedure') extra.push(...conceptTextsOfAll(r.complication));
  if (resourceType === 'Condition') for (const e of asArray(r.evidence)) extra.push(...conceptTextsOfAll(asRecord(e)?.code));
  if (resourceType === 'Observation') {
    const value = asString(r.valueString);
    if (value) extra.push(value);
    extra.push(...conceptTexts(r.valueCodeableConcept));
    for (const c of asArray(r.component)) extra.push(...conceptTexts(asRecord(c)?.code));
  }
  return [
    { codings: [...codingsOfAll(r.bodySite), ...codingsOf(r.code)], texts: conceptTextsOfAll(r.bodySite) },
    { texts: conceptTexts(r.code) },
    { texts: [...noteTexts(r.note), ...extra] },
  ];
}

function studySources(r: JsonRecord): SiteSource[] {
  const sources: SiteSource[] = [
    { texts: [asString(r.description), ...noteTexts(r.note), ...conceptTextsOfAll(r.procedureCode)].filter((t): t is string => t !== undefined) },
  ];
  for (const s of asArray(r.series)) {
    const series = asRecord(s);
    if (!series) continue;
    sources.push({
      codings: [...codingsOf(series.bodySite), ...codingsOf(series.laterality)],
      texts: [asString(series.description), ...conceptTexts(series.bodySite), ...conceptTexts(series.laterality)].filter((t): t is string => t !== undefined),
    });
  }
  return sources;
}

function reportSources(r: JsonRecord): SiteSource[] {
  return [
    { texts: conceptTexts(r.code) },
    { codings: codingsOfAll(r.conclusionCode), texts: conceptTextsOfAll(r.conclusionCode) },
    { texts: [asString(r.conclusion)].filter((t): t is string => t !== undefined) },
  ];
}
