import cqlfhir from 'cql-exec-fhir';
import fc from 'fast-check';
import type { Condition, DiagnosticReport, FhirResource, ImagingStudy, Observation, Procedure } from 'fhir/r4.js';
import type { PatientRecord } from '../../src/data/types.js';
import { loadCriteriaLibrary } from '../../src/decision/cql-library.js';
import { matchPatterns } from '../../src/decision/elm-reading.js';
import { DecisionEngine } from '../../src/decision/engine.js';
import { SYSTEM_STRING_ELEMENTS, type CqlPatientSource } from '../../src/decision/patient-source.js';
import { relevanceFilter } from '../../src/decision/relevance.js';
import { satisfies, textNeed } from '../../src/decision/text-needs.js';
import { extractEvidence } from '../../src/evidence/extract.js';
import { recordResources } from '../../src/decision/parameters.js';
import { loadValueSets } from '../../src/terminology/value-sets.js';
import { PATIENT, order, plan, seedRecord } from './seed-record.js';

const NOW = new Date('2026-11-20T10:00:00Z');
const valueSets = loadValueSets();
const { elm } = loadCriteriaLibrary();
const filter = relevanceFilter(elm, valueSets, SYSTEM_STRING_ELEMENTS!);
const subject = { reference: `Patient/${PATIENT}` };
const active = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] };

describe('textNeed', () => {
  it('reads the words an alternation needs', () => {
    expect(textNeed('.*(foot drop|weakness).*')).toEqual({ any: [{ all: [{ word: 'foot' }, { word: 'drop' }] }, { word: 'weakness' }] });
    expect(textNeed('.*lumbar.*')).toEqual({ word: 'lumbar' });
    expect(textNeed('.*(mr |ct$).*')).toEqual({ any: [{ word: 'mr' }, { word: 'ct' }] });
  });

  it('needs nothing of optional parts, classes and look-arounds', () => {
    expect(textNeed('.*(no )?(evidence of )?x.*')).toEqual({ word: 'x' });
    expect(textNeed('colou?r')).toEqual({ all: [{ word: 'colo' }, { word: 'r' }] });
    expect(textNeed('\\d+ mm')).toEqual({ word: 'mm' });
    expect(textNeed('(?!foo)bar')).toEqual({ word: 'bar' });
    expect(textNeed('[a-z]+')).toBe('nothing');
    expect(textNeed('.*')).toBe('nothing');
    expect(textNeed('a)b')).toBe('nothing');
  });

  it('is met by every text the pattern matches (the library patterns, texts built from their words)', () => {
    const patterns = matchPatterns(elm).filter((p): p is string => p !== undefined);
    const words = [...new Set(patterns.flatMap((p) => p.replace(/[.*()?$^\\]/g, ' ').split(/[|\s]+/)).filter(Boolean))];
    const text = fc
      .array(fc.oneof(fc.constantFrom(...words), fc.constantFrom(' ', '  ', '-', 'x', 'of ', 'L3-L4 ', '\n'), fc.string({ maxLength: 4 })), { maxLength: 12 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.constantFrom(...patterns), text, fc.boolean(), (pattern, t, upper) => {
        const s = upper ? t.toUpperCase() : t;
        if (new RegExp(`^${pattern}$`).test(s)) expect(satisfies(textNeed(pattern), s.toLowerCase())).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the relevance filter of the criteria library', () => {
  it('is read from the ELM: every pattern a literal, the text elements Matches reads, the declared value sets', () => {
    expect(filter.active).toBe(true);
    // A report's conclusion is read in TypeScript (its facts keep the report), never by a pattern.
    expect([...filter.textElements].sort()).toEqual(['description', 'display', 'text']);
    expect(filter.valueSetIds).toContain('motor-deficit');
    expect(filter.valueSetIds).toHaveLength(27);
  });

  it('keeps everything when a pattern is not a literal', () => {
    const changed = structuredClone(elm) as Record<string, { library: { statements: { def: { name: string; expression: unknown }[] } } }>;
    const motor = changed.LumbarFusionCriteria!.library.statements.def.find((d) => d.name === 'Motor Words')!;
    motor.expression = { type: 'Concatenate', operand: [motor.expression, { type: 'Literal', valueType: '{urn:hl7-org:elm-types:r1}String', value: '' }] };
    const open = relevanceFilter(changed, valueSets, SYSTEM_STRING_ELEMENTS!);
    expect(open.active).toBe(false);
    const vital = { resourceType: 'Observation', id: 'hr', status: 'final', code: { text: 'Heart rate' } } as Observation;
    expect(open.select([vital], extractEvidence({ ...seedRecord(), observations: [vital] }))).toEqual([vital]);
  });

  it('drops records no criterion is about and keeps those the library can read', () => {
    const vital: Observation = { resourceType: 'Observation', id: 'hr', status: 'final', subject, code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] }, valueQuantity: { value: 70 } };
    const chronic: Condition = { resourceType: 'Condition', id: 'htn', subject, clinicalStatus: active, code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10', display: 'Essential (primary) hypertension' }] } };
    const record: PatientRecord = { ...seedRecord(), observations: [vital], conditions: [...seedRecord().conditions, chronic] };
    const kept = filter.select(recordResources(record) as FhirResource[], extractEvidence(record));
    expect(kept.map((r) => r.id).sort()).toEqual(['footdrop', 'mri', 'prior', 'radic']);
  });
});

/**
 * Records that only one rule of the filter keeps (a text pattern, a link), each changing a criterion: the
 * service engine must decide as cql-exec-fhir's own source with the whole chart does.
 */
describe('records kept by one rule only change decisions as they should', () => {
  const stock = cqlfhir.PatientSource.FHIRv401();
  const stockSource = (resources: FhirResource[]): CqlPatientSource => {
    stock.reset();
    stock.loadBundles([{ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) }]);
    return stock as unknown as CqlPatientSource;
  };
  const reference = DecisionEngine.load({ valueSets, relevance: false, asCompiled: true, patientSource: stockSource });
  const service = DecisionEngine.load({ valueSets });
  const fusion = plan([order('o1', ['22830', '22612'], 'inpatient')]);
  const keptIds = (record: PatientRecord) => filter.select(recordResources(record) as FhirResource[], extractEvidence(record)).map((r) => r.id);

  async function same(record: PatientRecord): Promise<void> {
    const facts = extractEvidence(record);
    expect(await service.evaluate([fusion], record, facts, NOW)).toEqual(await reference.evaluate([fusion], record, facts, NOW));
  }

  it('a motor deficit named in text only', async () => {
    const weakness: Condition = { resourceType: 'Condition', id: 'weak', subject, clinicalStatus: active, code: { text: 'Progressive weakness' }, onsetDateTime: '2026-06-01' };
    const record = { ...seedRecord(), conditions: [weakness] };
    expect(extractEvidence(record).resources.find((f) => f.ref === 'Condition/weak')).toEqual({ ref: 'Condition/weak', levels: [], sides: [] });
    expect(keptIds(record)).toContain('weak');
    const [d] = await service.evaluate([fusion], record, extractEvidence(record), NOW);
    expect(d!.criteria.find((c) => c.id === 'R2')!.status).toBe('met');
    await same(record);
  });

  it('physical therapy named in text only', async () => {
    const pt: Procedure = { resourceType: 'Procedure', id: 'pt', subject, status: 'completed', code: { text: 'Physical therapy program' }, performedPeriod: { start: '2025-01-06', end: '2025-03-10' } };
    const record = { ...seedRecord(), procedures: [...seedRecord().procedures, pt] };
    expect(keptIds(record)).toContain('pt');
    await same(record);
  });

  it('an instability report in text only (kept by its failure sentence, counted by its lumbar name)', async () => {
    const report: DiagnosticReport = { resourceType: 'DiagnosticReport', id: 'xr', subject, status: 'final', code: { text: 'Radiograph, lumbar spine' }, effectiveDateTime: '2026-08-01', conclusion: 'Findings consistent with pseudarthrosis.' };
    const record = { ...seedRecord(), diagnosticReports: [...seedRecord().diagnosticReports, report] };
    expect(keptIds(record)).toContain('xr');
    const [d] = await service.evaluate([fusion], record, extractEvidence(record), NOW);
    expect(d!.supporting.find((s) => s.id === 'S1')!.status).toBe('present');
    await same(record);
  });

  it("a study that only dates its report (the report's link)", async () => {
    const study: ImagingStudy = { resourceType: 'ImagingStudy', id: 'st1', subject, status: 'available', started: '2026-09-15' };
    const mri = { ...seedRecord().diagnosticReports[0]!, effectiveDateTime: undefined, imagingStudy: [{ reference: 'ImagingStudy/st1' }] };
    const record = { ...seedRecord(), diagnosticReports: [mri], imagingStudies: [study] };
    expect(keptIds(record)).toContain('st1');
    const [d] = await service.evaluate([fusion], record, extractEvidence(record), NOW);
    expect(d!.criteria.find((c) => c.id === 'R3')!.status).toBe('met');
    await same(record);
  });

  it('a report that only cites a lumbar study (a link to it)', async () => {
    const study: ImagingStudy = {
      resourceType: 'ImagingStudy', id: 'st2', subject, status: 'available', started: '2026-09-20',
      modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'MR' }],
      series: [{ uid: '1.2.3', modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'MR' }, bodySite: { system: 'http://snomed.info/sct', code: '122496007' } }],
    };
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport', id: 'rep2', subject, status: 'final', effectiveDateTime: '2026-09-21', conclusion: 'Unremarkable.',
      code: { coding: [{ system: 'http://loinc.org', code: '18748-4', display: 'Diagnostic imaging study' }] }, imagingStudy: [{ reference: 'http://ehr.example/fhir/ImagingStudy/st2' }],
    };
    const record = { ...seedRecord(), diagnosticReports: [report], imagingStudies: [study] };
    expect(keptIds(record)).toEqual(expect.arrayContaining(['st2', 'rep2']));
    const [d] = await service.evaluate([fusion], record, extractEvidence(record), NOW);
    expect(d!.criteria.find((c) => c.id === 'R3')!.evidence.map((e) => `${e.resourceType}/${e.id}`)).toEqual(['DiagnosticReport/rep2']);
    await same(record);
  });
});
