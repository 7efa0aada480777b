import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PatientRecord } from '../../src/data/types.js';
import { defaultCqlDir } from '../../src/decision/cql-library.js';
import { extractEvidence } from '../../src/evidence/extract.js';
import { loadValueSets } from '../../src/terminology/value-sets.js';

const SCT = 'http://snomed.info/sct';
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const CPT = 'http://www.ama-assn.org/go/cpt';

/** The seed article's patient, as the fixtures describe it. */
function seedRecord(): PatientRecord {
  return {
    patientId: 'pt-seed',
    conditions: [
      {
        resourceType: 'Condition',
        id: 'foot-drop',
        subject: { reference: 'Patient/pt-seed' },
        code: { coding: [{ system: ICD, code: 'M21.372', display: 'Foot drop, left foot' }], text: 'Progressive left foot drop' },
      },
      {
        resourceType: 'Condition',
        id: 'radic',
        subject: { reference: 'Patient/pt-seed' },
        code: { coding: [{ system: ICD, code: 'M54.16', display: 'Radiculopathy, lumbar region' }] },
        bodySite: [{ text: 'L3-L4' }],
        note: [{ text: 'Radiating pain down the right leg since the L5-S1 injection' }],
        evidence: [{ code: [{ text: 'numbness left leg' }] }],
      },
      {
        resourceType: 'Condition',
        id: 'gait',
        subject: { reference: 'Patient/pt-seed' },
        code: { text: 'Gait instability' },
        evidence: [{ code: [{ text: 'worse since L3-4 surgery' }] }],
      },
    ],
    procedures: [
      {
        resourceType: 'Procedure',
        id: 'prior-fusion',
        status: 'completed',
        subject: { reference: 'Patient/pt-seed' },
        code: { coding: [{ system: CPT, code: '22612' }], text: 'Posterolateral fusion and laminectomy' },
        bodySite: [
          { coding: [{ system: SCT, code: '36470004', display: 'Third lumbar vertebra' }] },
          { coding: [{ system: SCT, code: '11994002', display: 'Fourth lumbar vertebra' }] },
        ],
        note: [{ text: 'Adjacent L2-L3 degeneration noted.' }],
        complication: [{ coding: [{ system: ICD, code: 'G97.41' }], text: 'Incidental durotomy at L3-4, left side' }],
      },
    ],
    observations: [
      {
        resourceType: 'Observation',
        id: 'ehl-2024',
        status: 'final',
        subject: { reference: 'Patient/pt-seed' },
        code: { text: 'Left EHL strength' },
        valueString: '4/5',
      },
      {
        resourceType: 'Observation',
        id: 'flex-ext',
        status: 'final',
        subject: { reference: 'Patient/pt-seed' },
        code: { text: 'L3-L4 translation on flexion-extension' },
        valueQuantity: { value: 4, unit: 'mm' },
      },
    ],
    imagingStudies: [
      {
        resourceType: 'ImagingStudy',
        id: 'mri',
        status: 'available',
        subject: { reference: 'Patient/pt-seed' },
        description: 'MRI lumbar spine without contrast',
        series: [
          { uid: '1', modality: { code: 'MR' }, description: 'Sagittal T2: moderate bilateral foraminal narrowing at L3-L4', bodySite: { system: SCT, code: '122496007' } },
          { uid: '2', modality: { code: 'MR' }, description: 'Sagittal T2: moderate bilateral foraminal narrowing at L3-L4', laterality: { system: SCT, code: '7771000', display: 'Left' } },
        ],
      },
    ],
    diagnosticReports: [
      {
        resourceType: 'DiagnosticReport',
        id: 'mri-report',
        status: 'final',
        subject: { reference: 'Patient/pt-seed' },
        code: { coding: [{ system: 'http://loinc.org', code: '30679-5' }], text: 'MRI lumbar spine' },
        conclusion:
          'L3-L4: broad-based disc bulge with minimal disc height loss and moderate bilateral foraminal narrowing. L4-L5: no stenosis. Post-operative changes at L3-L4.',
      },
      {
        resourceType: 'DiagnosticReport',
        id: 'xr',
        status: 'final',
        subject: { reference: 'Patient/pt-seed' },
        code: { coding: [{ system: 'http://loinc.org', code: '24971-4' }] },
        conclusion: 'Grade 1 anterolisthesis of L3 on L4 measuring 5 mm.',
      },
    ],
  } as PatientRecord;
}

describe('extractEvidence on the seed patient', () => {
  const facts = extractEvidence(seedRecord());
  const byRef = Object.fromEntries(facts.resources.map((r) => [r.ref, { levels: r.levels, sides: r.sides }]));

  it('gives ResourceFacts for every resource', () => {
    expect(Object.keys(byRef)).toEqual([
      'Condition/foot-drop',
      'Condition/radic',
      'Condition/gait',
      'Procedure/prior-fusion',
      'Observation/ehl-2024',
      'Observation/flex-ext',
      'ImagingStudy/mri',
      'DiagnosticReport/mri-report',
      'DiagnosticReport/xr',
    ]);
  });

  it('reads levels and sides, the resource site first', () => {
    expect(byRef['Condition/foot-drop']).toEqual({ levels: [], sides: ['left'] });
    expect(byRef['Condition/radic']).toEqual({ levels: ['L3-L4'], sides: ['left', 'right'] });
    expect(byRef['Condition/gait']).toEqual({ levels: ['L3-L4'], sides: [] });
    expect(byRef['Procedure/prior-fusion']).toEqual({ levels: ['L3-L4'], sides: ['left'] });
    expect(byRef['Observation/ehl-2024']).toEqual({ levels: [], sides: ['left'] });
    expect(byRef['Observation/flex-ext']).toEqual({ levels: ['L3-L4'], sides: [] });
  });

  it('reads every level and side of a study or report', () => {
    expect(byRef['ImagingStudy/mri']).toEqual({ levels: ['L3-L4'], sides: ['bilateral', 'left'] });
    expect(byRef['DiagnosticReport/mri-report']).toEqual({ levels: ['L3-L4', 'L4-L5'], sides: ['bilateral'] });
    expect(byRef['DiagnosticReport/xr']).toEqual({ levels: ['L3-L4'], sides: [] });
  });

  it('reads imaging findings from the report conclusion and the study text, once each', () => {
    expect(facts.imaging).toEqual([
      {
        ref: 'ImagingStudy/mri',
        level: 'L3-L4',
        side: 'bilateral',
        kind: 'compression',
        text: 'Sagittal T2: moderate bilateral foraminal narrowing at L3-L4',
      },
      {
        ref: 'DiagnosticReport/mri-report',
        level: 'L3-L4',
        side: 'bilateral',
        kind: 'compression',
        text: 'L3-L4: broad-based disc bulge with minimal disc height loss and moderate bilateral foraminal narrowing.',
      },
      { ref: 'DiagnosticReport/mri-report', level: 'L4-L5', kind: 'no-compression', text: 'L4-L5: no stenosis.' },
    ]);
  });

  it('reads strength scores and instability measures', () => {
    expect(facts.strength).toEqual([{ ref: 'Observation/ehl-2024', movement: 'ehl', side: 'left', score: 4 }]);
    expect(facts.instability).toEqual([
      { ref: 'Observation/flex-ext', translationMm: 4, level: 'L3-L4' },
      { ref: 'DiagnosticReport/xr', translationMm: 5, level: 'L3-L4' },
    ]);
  });

  it('does not change the record', () => {
    const record = seedRecord();
    const before = JSON.stringify(record);
    extractEvidence(record);
    expect(JSON.stringify(record)).toBe(before);
  });
});

describe('extractEvidence on loosely formed records', () => {
  it('reads an empty record', () => {
    expect(extractEvidence({ patientId: 'p', conditions: [], procedures: [], observations: [], imagingStudies: [], diagnosticReports: [] })).toEqual({
      resources: [],
      imaging: [],
      strength: [],
      instability: [],
      failures: [],
      upperSpineProcedures: [],
      deniedAnswers: [],
    });
  });

  it('never throws on odd shapes', () => {
    const odd = {
      patientId: 'p',
      conditions: [null, 1, 'x', [], { resourceType: 'Condition' }, { resourceType: 'Condition', id: 7, code: 'L3-4', bodySite: 'left', note: 'x' }],
      procedures: { resourceType: 'Procedure', id: 'single', code: { text: 'Laminectomy L4' }, complication: 'dural tear' },
      observations: [{ resourceType: 'Observation', id: 'o', code: { coding: 'x' }, component: [1, null, { code: null }], valueQuantity: 'x' }],
      imagingStudies: [{ resourceType: 'ImagingStudy', id: 'i', series: [null, { description: 42, bodySite: 'x' }], note: [{ text: 1 }] }],
      diagnosticReports: [{ resourceType: 'DiagnosticReport', id: 'd', conclusion: { text: 'L3-4 severe stenosis' }, code: [] }],
    } as unknown as PatientRecord;
    const facts = extractEvidence(odd);
    expect(facts.resources.map((r) => r.ref)).toEqual([
      'Condition/#4',
      'Condition/7',
      'Procedure/single',
      'Observation/o',
      'ImagingStudy/i',
      'DiagnosticReport/d',
    ]);
    expect(facts.resources.find((r) => r.ref === 'Procedure/single')!.levels).toEqual(['L3-L4', 'L4-L5']);
    expect(facts.imaging).toEqual([]);
    const empty = { resources: [], imaging: [], strength: [], instability: [], failures: [], upperSpineProcedures: [], deniedAnswers: [] };
    expect(extractEvidence({} as PatientRecord)).toEqual(empty);
    expect(extractEvidence(null as unknown as PatientRecord)).toEqual(empty);
  });

  it('reads statuses that CQL will discard, leaving hygiene to CQL', () => {
    const record = {
      patientId: 'p',
      conditions: [],
      procedures: [],
      observations: [{ resourceType: 'Observation', id: 'x', status: 'entered-in-error', code: { text: 'Dorsiflexion' }, valueInteger: 2 }],
      imagingStudies: [],
      diagnosticReports: [{ resourceType: 'DiagnosticReport', id: 'r', status: 'preliminary', conclusion: 'Severe stenosis at L4-5.' }],
    } as unknown as PatientRecord;
    const facts = extractEvidence(record);
    expect(facts.strength).toHaveLength(1);
    expect(facts.imaging).toEqual([{ ref: 'DiagnosticReport/r', level: 'L4-L5', kind: 'compression', text: 'Severe stenosis at L4-5.' }]);
  });
});

describe('flexion-extension studies come from the value set', () => {
  const report = (code: { system: string; code: string }) =>
    ({
      patientId: 'pt-fx',
      conditions: [],
      procedures: [],
      observations: [],
      imagingStudies: [],
      diagnosticReports: [
        { resourceType: 'DiagnosticReport', id: 'fx', status: 'final', subject: { reference: 'Patient/pt-fx' }, code: { coding: [code] }, conclusion: 'L3-L4: 4 mm anterior slip of L3 on L4.' },
      ],
    }) as unknown as PatientRecord;
  const xr72120 = { system: CPT, code: '72120' };

  it('a code an informaticist adds to flexion-extension-imaging makes the report a dynamic study, with no TypeScript change', () => {
    expect(extractEvidence(report(xr72120)).instability).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'valuesets-'));
    cpSync(join(defaultCqlDir(), 'valuesets'), dir, { recursive: true });
    const file = join(dir, 'flexion-extension-imaging.json');
    const vs = JSON.parse(readFileSync(file, 'utf8')) as { compose: { include: unknown[] } };
    vs.compose.include.push({ system: CPT, concept: [{ code: '72120', display: 'X-ray spine lumbosacral, bending views only' }] });
    writeFileSync(file, JSON.stringify(vs));
    expect(extractEvidence(report(xr72120), loadValueSets(dir)).instability).not.toEqual([]);
    expect(extractEvidence(report({ system: 'http://loinc.org', code: '24971-4' })).instability).not.toEqual([]);
  });
});

describe('procedures placed in the cervical or thoracic spine', () => {
  const cpt = 'http://www.ama-assn.org/go/cpt';
  const proc = (id: string, extra: Record<string, unknown>) => ({ resourceType: 'Procedure', id, status: 'completed', code: { coding: [{ system: cpt, code: '63048' }] }, ...extra });

  it('are named by their own site or name, as draft orders are; a lumbar mention anywhere keeps a procedure lumbar', () => {
    const record = {
      patientId: 'p', conditions: [], observations: [], imagingStudies: [], diagnosticReports: [],
      procedures: [
        proc('text', { code: { coding: [{ system: cpt, code: '63048' }], text: 'Laminectomy C5-C6' } }),
        proc('site', { bodySite: [{ coding: [{ system: 'http://snomed.info/sct', code: '122494005', display: 'Cervical spine structure' }] }] }),
        proc('thoracic', { note: [{ text: 'T10-T12 decompression' }] }),
        proc('lumbar', { code: { coding: [{ system: cpt, code: '63048' }], text: 'Laminectomy L4-L5' } }),
        proc('both', { code: { coding: [{ system: cpt, code: '63048', display: 'Laminectomy, lumbar' }], text: 'Laminectomy C5-C6' } }),
        proc('none', {}),
      ],
    } as unknown as PatientRecord;
    expect(extractEvidence(record).upperSpineProcedures).toEqual(['Procedure/text', 'Procedure/site', 'Procedure/thoracic']);
  });
});

describe('written answers that deny an exam finding', () => {
  const exam = (id: string, extra: Record<string, unknown>) => ({ resourceType: 'Observation', id, status: 'final', code: { text: 'Right foot drop' }, ...extra });
  it('names the Observations whose valueString or value text says no, absent, negative, not detected, normal or false', () => {
    const observations = [
      exam('a', { valueString: ' Absent. ' }),
      exam('b', { valueCodeableConcept: { text: 'Negative' } }),
      exam('c', { valueString: 'NOT DETECTED' }),
      exam('d', { valueString: 'present' }),
      exam('e', { valueString: 'no improvement' }),
      exam('f', { valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '373067005' }] } }),
      exam('g', { valueBoolean: false }),
    ];
    const record = { patientId: 'p', conditions: [], procedures: [], observations, imagingStudies: [], diagnosticReports: [] } as never;
    // Coded answers (f, g) are the CQL's to read.
    expect(extractEvidence(record).deniedAnswers).toEqual(['Observation/a', 'Observation/b', 'Observation/c']);
  });
});
