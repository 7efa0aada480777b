import fc from 'fast-check';
import type { PatientRecord } from '../../src/data/types.js';
import { deniesByWrittenAnswer } from '../../src/evidence/denied-answers.js';
import { extractEvidence } from '../../src/evidence/extract.js';
import { readFailureFindings } from '../../src/evidence/failure-findings.js';
import { readImagingFindings } from '../../src/evidence/imaging-findings.js';
import { readInstabilityText } from '../../src/evidence/instability.js';
import { findPlans } from '../../src/orders/find-plans.js';
import { loadValueSets } from '../../src/terminology/value-sets.js';
import { readLevels } from '../../src/text/levels.js';
import { sidesFromText } from '../../src/text/sides.js';
import { runBounded } from '../support/bounded.js';

/** Words the readers react to, so that random text exercises their branches rather than only the fast path. */
const VOCABULARY = [
  'L3-L4', 'L3-4', 'L5-S1', 'L4', 'S1', 'T12', 'C5-6', 'L3/4', 'L3\u20134', ':', ';', ',', '.', '\n', ' ', 'and', 'but', 'no', 'not', 'without',
  'mild', 'moderate', 'severe', 'to', 'stenosis', 'narrowing', 'bulge', 'compressing', 'impingement', 'left', 'right', 'bilateral',
  'normal', 'patent', 'possible', 'resolved', 'cannot', 'excluded', 'mm', '4', '12', 'degrees', 'translation', 'angulation', 'flexion',
  'root', 'disc', 'space', 'recurrent', 'at any level', 'IMPRESSION:', '1.', '-', '/', '°',
  'with', 'or', 'from', 'previously', 'versus', 'rather than', 'unlikely', 'may be', 'rule out', 'Indication:', 'above the', 'fusion',
  '(L)', '4-5/5', 'Central canal:',
  'pseudarthrosis', 'loosening', 'lucency around', 'listhesis', 'none', 'ruled out', 'concerning for', 'knee', 'cervical', 'C5', 'T2', 'screw',
];
const reportText = fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 80 }).map((words) => words.join(' '));
const anyText = fc.oneof(reportText, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }));

describe('text readers never throw and give well-formed facts', () => {
  it('readLevels, sidesFromText', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        for (const level of readLevels(text)) expect(['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1']).toContain(level);
        for (const side of sidesFromText(text)) expect(['left', 'right', 'bilateral']).toContain(side);
      }),
    );
  });

  it('readImagingFindings', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        for (const f of readImagingFindings('DiagnosticReport/x', text)) {
          expect(['compression', 'no-compression']).toContain(f.kind);
          expect(f.text.length).toBeLessThanOrEqual(160);
          expect(f.text).not.toBe('');
        }
      }),
    );
  });

  it('reads a clause of thousands of "with", "and" or sides in about linear time (bounded: a hang fails)', () => {
    for (const unit of ['L4-5 with ', 'with moderate stenosis ', 'moderate right and mild left ', 'no stenosis or ', 'no stenosis moderate ']) {
      const text = `L4-5: ${unit.repeat(Math.floor(100_000 / unit.length))}`;
      expect(Array.isArray(runBounded(() => readImagingFindings('DiagnosticReport/x', text)))).toBe(true);
    }
    // A long run of white space before a heading-like colon.
    for (const lead of [' ', ':', '\t']) expect(Array.isArray(runBounded(() => readImagingFindings('DiagnosticReport/x', `${lead.repeat(100_000)}x L4-5: stenosis`)))).toBe(true);
  });

  it('reads a written answer of 100,000 characters in about linear time (bounded: a hang fails)', () => {
    // Dots and spaces not at the end: a trailing-stop pattern tried from each of them took 11 s on the HTTP thread.
    for (const filler of ['.', ' ', '. ']) {
      const answer = `a${filler.repeat(Math.floor(99_990 / filler.length))}b`;
      expect(runBounded(() => deniesByWrittenAnswer({ valueString: answer }))).toBe(false);
      expect(runBounded(() => deniesByWrittenAnswer({ valueCodeableConcept: { text: answer } }))).toBe(false);
    }
    expect(runBounded(() => deniesByWrittenAnswer({ valueString: `Negative${'. '.repeat(50_000)}` }))).toBe(true);
    expect(deniesByWrittenAnswer({ valueString: ' No. ' })).toBe(true);
    expect(deniesByWrittenAnswer({ valueString: 'No weakness' })).toBe(false);
  });

  it('readInstabilityText', () => {
    fc.assert(
      fc.property(anyText, fc.boolean(), (text, dynamicStudy) => {
        for (const m of readInstabilityText('DiagnosticReport/x', text, { dynamicStudy })) {
          expect(m.translationMm !== undefined || m.angulationDegrees !== undefined).toBe(true);
          for (const v of [m.translationMm, m.angulationDegrees]) if (v !== undefined) expect(Number.isFinite(v) && v >= 0).toBe(true);
        }
      }),
    );
  });

  it('readFailureFindings', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        for (const f of readFailureFindings('DiagnosticReport/x', text)) {
          if (f.level !== undefined) expect(['L1-L2', 'L2-L3', 'L3-L4', 'L4-L5', 'L5-S1']).toContain(f.level);
          expect(f.text.length).toBeLessThanOrEqual(160);
          expect(f.text).not.toBe('');
        }
      }),
    );
  });
});

describe('resource readers never throw on arbitrary JSON', () => {
  const valueSets = loadValueSets();
  const looseResource = (type: string) =>
    fc.record(
      {
        resourceType: fc.constantFrom(type, type, 'Basic'),
        id: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null)),
        code: fc.oneof(
          fc.anything(),
          fc.record({ coding: fc.array(fc.record({ system: fc.constantFrom('http://www.ama-assn.org/go/cpt', 'x'), code: fc.constantFrom('22612', '63047', 7) })), text: anyText }),
        ),
        bodySite: fc.anything(),
        note: fc.oneof(fc.anything(), fc.array(fc.record({ text: anyText }))),
        conclusion: fc.oneof(anyText, fc.anything()),
        description: fc.oneof(anyText, fc.anything()),
        series: fc.anything(),
        component: fc.anything(),
        valueString: fc.oneof(anyText, fc.anything()),
        valueQuantity: fc.anything(),
        locationCode: fc.anything(),
      },
      { requiredKeys: [] },
    );

  it('findPlans', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ entry: fc.array(fc.oneof(fc.anything(), fc.record({ resource: looseResource('ServiceRequest') }))) })), (draft) => {
        const plans = findPlans(draft, valueSets);
        for (const p of plans) expect(p.orders.length).toBeGreaterThan(0);
      }),
    );
  });

  it('extractEvidence', () => {
    const list = (type: string) => fc.oneof(fc.anything(), fc.array(fc.oneof(looseResource(type), fc.anything()), { maxLength: 4 }));
    fc.assert(
      fc.property(
        fc.record({
          patientId: fc.string(),
          conditions: list('Condition'),
          procedures: list('Procedure'),
          observations: list('Observation'),
          imagingStudies: list('ImagingStudy'),
          diagnosticReports: list('DiagnosticReport'),
        }),
        (record) => {
          const facts = extractEvidence(record as unknown as PatientRecord);
          for (const r of facts.resources) expect(r.ref).toMatch(/^[^/]+\/.+$/);
        },
      ),
      { numRuns: 200 },
    );
  });
});
