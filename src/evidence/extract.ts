import type { PatientRecord } from '../data/types.js';
import { loadValueSets, type ValueSetIndex } from '../terminology/value-sets.js';
import { asArray, asCode, asRecord, asString, codingsOf, conceptTexts, noteTexts, type JsonRecord } from '../text/fhir-values.js';
import { deniesByWrittenAnswer } from './denied-answers.js';
import { readFailureFindings } from './failure-findings.js';
import { namesOnlyCervicalOrThoracicSpine } from '../orders/spine-region.js';
import { readImagingFindings } from './imaging-findings.js';
import { readInstabilityObservation, readInstabilityText } from './instability.js';
import { readResourceFacts } from './resource-facts.js';
import { readStrengthScores } from './strength-scores.js';
import type { EvidenceFacts, ImagingFinding } from './types.js';

/**
 * The facts of a patient's chart that CQL reads poorly, for the criteria library's parameters.
 * Every resource is read whatever its status (record hygiene is decided in CQL), and nothing here throws on
 * loosely formed resources: the chart comes from outside.
 */
export function extractEvidence(record: PatientRecord, valueSets: ValueSetIndex = defaultValueSets()): EvidenceFacts {
  const facts: EvidenceFacts = { resources: [], imaging: [], strength: [], instability: [], failures: [], upperSpineProcedures: [], deniedAnswers: [] };
  const r = asRecord(record) ?? {};
  const lists: [string, unknown][] = [
    ['Condition', r.conditions],
    ['Procedure', r.procedures],
    ['Observation', r.observations],
    ['ImagingStudy', r.imagingStudies],
    ['DiagnosticReport', r.diagnosticReports],
  ];
  for (const [listType, list] of lists) {
    asArray(list).forEach((item, index) => {
      const resource = asRecord(item);
      if (!resource) return;
      const type = asString(resource.resourceType)?.trim() ?? listType;
      // A resource without id cannot be referenced by the CQL; '#' never occurs in a FHIR id, so this never collides.
      const ref = `${type}/${asCode(resource.id) ?? `#${index}`}`;
      facts.resources.push(readResourceFacts(ref, type, resource));
      if (type === 'DiagnosticReport') readReport(ref, resource, facts, valueSets);
      // A problem list written in words ("Pseudarthrosis L3-L4", "Broken L4 pedicle screw") states failure as a report does.
      if (type === 'Condition') facts.failures.push(...readFailureFindings(ref, [...conceptTexts(resource.code), ...noteTexts(resource.note)].join('. ')));
      if (type === 'ImagingStudy') facts.imaging.push(...studyFindings(ref, resource));
      if (type === 'Procedure' && namesOnlyCervicalOrThoracicSpine(resource, valueSets)) facts.upperSpineProcedures!.push(ref);
      if (type === 'Observation') {
        facts.strength.push(...readStrengthScores(ref, resource));
        facts.instability.push(...readInstabilityObservation(ref, resource, { dynamicStudy: isFlexionExtensionStudy(resource, valueSets) }));
        if (deniesByWrittenAnswer(resource)) facts.deniedAnswers!.push(ref);
      }
    });
  }
  facts.imaging = unique(facts.imaging);
  return facts;
}

/** The studies that measure translation on flexion and extension: cql-mappings/valuesets, where informaticists keep codes. */
const FLEXION_EXTENSION_VALUE_SET = 'flexion-extension-imaging';

let loaded: ValueSetIndex | undefined;
/** The project's value sets, read once, for callers (tests, tools) that do not pass the service's own. */
function defaultValueSets(): ValueSetIndex {
  loaded ??= loadValueSets();
  return loaded;
}

/** A report or Observation coded as a flexion-extension study. */
function isFlexionExtensionStudy(resource: JsonRecord, valueSets: ValueSetIndex): boolean {
  return codingsOf(resource.code).some((c) => valueSets.has(FLEXION_EXTENSION_VALUE_SET, c.system, c.code));
}

function readReport(ref: string, report: JsonRecord, facts: EvidenceFacts, valueSets: ValueSetIndex): void {
  facts.imaging.push(...readImagingFindings(ref, report.conclusion));
  const dynamicStudy = isFlexionExtensionStudy(report, valueSets) || conceptTexts(report.code).some((t) => /flexion|extension|dynamic/i.test(t));
  facts.instability.push(...readInstabilityText(ref, report.conclusion, { dynamicStudy }));
  facts.failures.push(...readFailureFindings(ref, report.conclusion));
}

/** ImagingStudy has no findings element: its description, series descriptions and notes carry them. */
function studyFindings(ref: string, study: JsonRecord): ImagingFinding[] {
  const texts = [study.description, ...asArray(study.series).map((s) => asRecord(s)?.description), ...noteTexts(study.note)];
  return texts.flatMap((t) => readImagingFindings(ref, t));
}

/** Series often repeat one description; one finding per distinct statement is enough. */
function unique(findings: ImagingFinding[]): ImagingFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = [f.ref, f.level, f.kind, f.side ?? '', f.text].join('|');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
