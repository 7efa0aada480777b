import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import cqlfhir from 'cql-exec-fhir';
import type { Bundle, Condition, DiagnosticReport, FhirResource, ImagingStudy, Observation, Patient, Procedure } from 'fhir/r4.js';
import { growChart } from '../../bench/chart.js';
import type { PatientRecord } from '../../src/data/types.js';
import { DecisionEngine } from '../../src/decision/engine.js';
import type { CqlPatientSource } from '../../src/decision/patient-source.js';
import { extractEvidence } from '../../src/evidence/extract.js';
import { findPlans } from '../../src/orders/find-plans.js';
import { loadValueSets } from '../../src/terminology/value-sets.js';

/**
 * The engine as the service runs it (its own FHIR objects, the execution-plan changes of elm-plan.ts, the
 * relevance filter) against the reference: the ELM as compiled, run by cql-execution over cql-exec-fhir's own
 * PatientSource with the whole chart. Every fixture case, as given and grown with records no criterion is
 * about, must reach the same decisions to the last evidence item.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CASES = path.join(ROOT, 'fixtures', 'cases');
const PATIENTS = path.join(ROOT, 'fixtures', 'patients');
const NOW = new Date('2026-11-21T12:00:00Z');
const valueSets = loadValueSets();

// One cql-exec-fhir source, refilled through its public API for each evaluation (they run one at a time).
const stock = cqlfhir.PatientSource.FHIRv401();
function stockSource(resources: FhirResource[]): CqlPatientSource {
  stock.reset();
  stock.loadBundles([{ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) }]);
  return stock as unknown as CqlPatientSource;
}

const reference = DecisionEngine.load({ valueSets, relevance: false, asCompiled: true, patientSource: stockSource });
const service = DecisionEngine.load({ valueSets });

function recordOf(patientId: string, chart: FhirResource[]): PatientRecord {
  const of = <T>(type: string) => chart.filter((r) => r.resourceType === type) as unknown as T[];
  return {
    patientId,
    patient: of<Patient>('Patient')[0],
    conditions: of<Condition>('Condition'),
    procedures: of<Procedure>('Procedure'),
    observations: of<Observation>('Observation'),
    imagingStudies: of<ImagingStudy>('ImagingStudy'),
    diagnosticReports: of<DiagnosticReport>('DiagnosticReport'),
  };
}

const cases = readdirSync(CASES)
  .filter((n) => readdirSync(path.join(CASES, n)).includes('request.json'))
  .sort();

describe('the service engine decides as the reference engine', () => {
  it('covers the fixture cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s', async (name) => {
    const request = JSON.parse(readFileSync(path.join(CASES, name, 'request.json'), 'utf8')) as {
      context: { patientId: string; draftOrders: unknown };
    };
    const patientId = request.context.patientId;
    const bundle = JSON.parse(readFileSync(path.join(PATIENTS, `${patientId}.json`), 'utf8')) as Bundle;
    const chart = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource as FhirResource] : []));
    const plans = findPlans(request.context.draftOrders, valueSets);
    if (plans.length === 0) return;

    const record = recordOf(patientId, chart);
    const expected = await reference.evaluate(plans, record, extractEvidence(record), NOW);
    expect(await service.evaluate(plans, record, extractEvidence(record), NOW)).toEqual(expected);

    const grown = recordOf(patientId, growChart(chart, chart.length + 60));
    const grownFacts = extractEvidence(grown);
    expect(await service.evaluate(plans, grown, grownFacts, NOW)).toEqual(expected);
    expect(await reference.evaluate(plans, grown, grownFacts, NOW)).toEqual(expected);
  });
});
