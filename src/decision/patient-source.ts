import type cqlfhir from 'cql-exec-fhir';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import { fhirPatientSourceTemplate as template } from '../fhir-model/model-info.js';

/**
 * cql-exec-fhir parses the FHIR 4.0.1 model info (about 80 ms) in every PatientSource constructor.
 * We parse it once and give each evaluation a source that shares the parsed model through its prototype;
 * only the bundle list and cursor are per evaluation. A test pins this reliance on cql-exec-fhir's fields.
 */

interface SourceState {
  _index: number;
  _bundles: Bundle[];
}

export type CqlPatientSource = ReturnType<typeof cqlfhir.PatientSource.FHIRv401>;

export function patientSourceFor(resources: FhirResource[]): CqlPatientSource {
  const source = Object.create(template) as CqlPatientSource & SourceState;
  source._index = 0;
  source._bundles = [{ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) }];
  return source;
}
