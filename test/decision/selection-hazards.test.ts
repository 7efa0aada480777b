import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Condition, FhirResource } from 'fhir/r4.js';
import { compileCqlDirectory } from '../../scripts/compile-cql.js';
import { defaultCqlDir, loadCriteriaLibrary } from '../../src/decision/cql-library.js';
import { DecisionEngine } from '../../src/decision/engine.js';
import { SYSTEM_STRING_ELEMENTS } from '../../src/decision/patient-source.js';
import { relevanceFilter } from '../../src/decision/relevance.js';
import { selectionHazards } from '../../src/decision/selection-hazards.js';
import { extractEvidence } from '../../src/evidence/extract.js';
import { loadValueSets } from '../../src/terminology/value-sets.js';
import { PATIENT, order, plan, seedRecord } from './seed-record.js';

/**
 * A criterion that selects chart resources in a way the relevance filter cannot see must turn the filter off:
 * otherwise the resource it needs is dropped before the engine sees it, and the answer is silently wrong.
 * Each variant is CQL as a clinical informaticist would write it, compiled as the build does.
 */
const valueSets = loadValueSets();
const NOW = new Date('2026-11-20T10:00:00Z');
const subject = { reference: `Patient/${PATIENT}` };
const active = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] };
const CAUDA_SELECTION = '(Common.ToConcept(C.code) in "Cauda Equina Syndrome" or Matches(StatedText(Common.ConceptText(C.code)), "Cauda Equina Words"))';
const CAUDA = `define "Cauda Equina":\n  [Condition] C\n    where ${CAUDA_SELECTION}\n      and Common.IsCurrentCondition(C, "Now")`;
const HEADER_AT = '// How far back a lumbar MRI';

function compiled(edits: { from: string; to: string }[]): Record<string, unknown> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hazard-cql-'));
  const source = defaultCqlDir();
  for (const f of readdirSync(source).filter((f) => f.endsWith('.cql'))) cpSync(path.join(source, f), path.join(dir, f));
  cpSync(path.join(source, 'valuesets'), path.join(dir, 'valuesets'), { recursive: true });
  const file = path.join(dir, 'LumbarFusionCriteria.cql');
  let text = readFileSync(file, 'utf8');
  for (const e of edits) {
    expect(text).toContain(e.from);
    text = text.replace(e.from, e.to);
  }
  writeFileSync(file, text);
  const elmDir = path.join(dir, 'elm');
  expect(compileCqlDirectory(dir, elmDir).errors).toEqual([]);
  return loadCriteriaLibrary(elmDir).elm;
}

const waiver = (extra: string) => ({
  from: CAUDA,
  to: `define "Cauda Equina": [Condition] C where (${CAUDA_SELECTION} or ${extra}) and Common.IsCurrentCondition(C, "Now")`,
});

describe('selection hazards: ways of selecting resources the relevance filter cannot see', () => {
  it('finds none in the criteria library as it is, so its filter stays on', () => {
    const { elm } = loadCriteriaLibrary();
    expect(selectionHazards(elm)).toEqual([]);
    expect(relevanceFilter(elm, valueSets, SYSTEM_STRING_ELEMENTS!).active).toBe(true);
  });

  const variants: [string, { from: string; to: string }[], RegExp][] = [
    [
      'a code literal',
      [
        { from: HEADER_AT, to: `codesystem "SNOMED": 'http://snomed.info/sct'\ncode "CES": '192970008' from "SNOMED"\n${HEADER_AT}` },
        waiver('exists (C.code.coding K where K.code.value = "CES".code and K.system.value = "CES".system)'),
      ],
      /code or code system literal/,
    ],
    ['a text equality', [waiver(`Lower(C.code.text.value) = 'cauda equina syndrome'`)], /comparison \(Equal\) on the element code\.text/],
    ['a code compared with a string', [waiver(`exists (C.code.coding K where K.code.value in { 'G83.4', 'G83.49' })`)], /comparison \(In\) on the element code\.coding\.code/],
    [
      'a code compared inside a function called from two places',
      [waiver(`Common.CodeIn(C.code, { Code { code: 'G83.4', system: 'http://hl7.org/fhir/sid/icd-10-cm' } }) or Common.CodeIn(C.bodySite[0], { Code { code: '1', system: 'http://snomed.info/sct' } })`)],
      /comparison \(Equal\) on (the element (code|bodySite)|a value it cannot trace)/,
    ],
    // Found by the review of the first version, which called each of these safe.
    ['a case on a text', [waiver(`(case Lower(C.code.text.value) when 'cauda equina syndrome' then true else false end)`)], /a case on the element code\.text/],
    [
      'an aggregate of texts compared',
      [{ from: CAUDA, to: `define "Agg": ([Condition] X aggregate A starting '': A + Lower(X.code.text.value))\n\n${waiver(`"Agg" = 'cauda equina syndrome'`).to}` }],
      /comparison \(Equal\) on (the element code\.text|a value it cannot trace)/,
    ],
    ['a list of texts included in another', [waiver(`{ Lower(C.code.text.value) } included in { 'cauda equina syndrome' }`)], /comparison \(IncludedIn\)/],
    ['codes intersected with a list', [waiver(`exists ((C.code.coding K return K.code.value) intersect { 'G83.4' })`)], /comparison \(Intersect\)/],
    ['a coding system alone', [waiver(`exists (C.code.coding K where K.system.value = 'http://snomed.info/sct')`)], /comparison \(Equal\) on the element code\.coding\.system/],
    ['a count of every Condition', [waiver(`Count([Condition]) > 5`)], /a count of records no criterion selects/],
    ['a test for any ImagingStudy', [waiver(`exists [ImagingStudy]`)], /a test of records no criterion selects/],
    [
      'a field of its own tuples named like a safe element',
      [{ from: CAUDA, to: `define "T": [Condition] X return Tuple { id: Lower(X.code.text.value) }\n\n${waiver(`("T"[0]).id = 'cauda equina syndrome'`).to}` }],
      /comparison \(Equal\) on (a value it cannot trace|the element code\.text)/,
    ],
    ['text respelled before Matches', [waiver(`Matches(ReplaceMatches(Common.ConceptText(C.code), 'anaesth', 'anesth'), '.*saddle anesthesia.*')`)], /text changed before Matches/],
    ['words of its own joined to the text', [waiver(`Matches('saddle ' + Common.ConceptText(C.code), '.*saddle anesthesia.*')`)], /words of the library's own \('saddle '\)/],
    ['a let of text compared by StartsWith', [{ from: CAUDA, to: `define "Cauda Equina": [Condition] C let t: Lower(C.code.text.value) where StartsWith(t, 'cauda') and Common.IsCurrentCondition(C, "Now")` }], /StartsWith/],
  ];

  it.each(variants)('turns the filter off for %s, and names it', (_label, edits, reason) => {
    const elm = compiled(edits);
    const hazards = selectionHazards(elm);
    expect(hazards.join('\n')).toMatch(reason);
    expect(relevanceFilter(elm, valueSets, SYSTEM_STRING_ELEMENTS!).active).toBe(false);
  });

  it('leaves the filter on for a new criterion that selects by a value set and narrows by status and date', () => {
    const elm = compiled([
      waiver(`(Common.ToConcept(C.code) in "Motor Deficit" and C.id.value != 'x' and Common.ConditionDate(C) > "Now" - 1 year)`),
    ]);
    expect(selectionHazards(elm)).toEqual([]);
  });

  it('decides as the unfiltered engine when a text equality selects: the record it needs reaches the engine', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hazard-engine-'));
    const source = defaultCqlDir();
    for (const f of readdirSync(source).filter((f) => f.endsWith('.cql'))) cpSync(path.join(source, f), path.join(dir, f));
    cpSync(path.join(source, 'valuesets'), path.join(dir, 'valuesets'), { recursive: true });
    const file = path.join(dir, 'LumbarFusionCriteria.cql');
    writeFileSync(file, readFileSync(file, 'utf8').replace(CAUDA, waiver(`Lower(C.code.text.value) = 'cauda equina syndrome'`).to));
    const elmDir = path.join(dir, 'elm');
    expect(compileCqlDirectory(dir, elmDir).errors).toEqual([]);
    const ces: Condition = { resourceType: 'Condition', id: 'ces', subject, clinicalStatus: active, onsetDateTime: '2026-11-01', code: { text: 'Cauda equina syndrome' } };
    const record = { ...seedRecord(), conditions: [...seedRecord().conditions, ces] };
    const facts = extractEvidence(record);
    const service = DecisionEngine.load({ elmDir, valueSets });
    const reference = DecisionEngine.load({ elmDir, valueSets, relevance: false, asCompiled: true });
    const fusion = plan([order('o1', ['22830', '22612'], 'inpatient')]);
    const [mine] = await service.evaluate([fusion], record, facts, NOW);
    const [theirs] = await reference.evaluate([fusion], record, facts, NOW);
    expect(mine).toEqual(theirs);
    const filter = relevanceFilter(loadCriteriaLibrary(elmDir).elm, valueSets, SYSTEM_STRING_ELEMENTS!);
    expect(filter.select([ces] as FhirResource[], facts)).toEqual([ces]);
  });
});
