import type { FhirResource } from 'fhir/r4.js';
import { fhirModelInfo } from '../fhir-model/model-info.js';
import { FhirObject, modelFor, systemStringElements, wrap, type ClassInfo, type ModelInfo } from './fhir-objects.js';

/**
 * cql-exec-fhir parses the FHIR 4.0.1 model info (about 80 ms) in every PatientSource constructor: it is
 * parsed once per process (fhir-model/model-info.ts), and every evaluation reads its resources through that
 * one model (see fhir-objects.ts).
 */
const modelInfo = fhirModelInfo as unknown as ModelInfo;

interface RetrieveDetails {
  datatype?: string;
}

type Json = Record<string, unknown>;

/** Elements of the FHIR model typed as System strings (e.g. Element.id); undefined if the model cannot say. */
export const SYSTEM_STRING_ELEMENTS: ReadonlySet<string> | undefined = systemStringElements(modelInfo);

function patientClass(): ClassInfo {
  const info = modelInfo.findClass(modelInfo.patientClassIdentifier ?? modelInfo.patientClassName);
  if (!info) throw new Error('FHIR model info has no Patient class');
  return info;
}

const PATIENT_TYPE = modelInfo.patientClassName.replace(/^FHIR\./, '');

/**
 * The model's class for a retrieve's type, remembered: a retrieve names its type by profile URL, which the
 * model's lookup finds only after rewriting the string (1% of an evaluation thread's time under load).
 * The names come from the library's retrieves, so the map stays as small as they are.
 */
const retrievedClasses = new Map<string, ClassInfo | undefined>();
function retrievedClass(name: string): ClassInfo | undefined {
  if (retrievedClasses.has(name)) return retrievedClasses.get(name);
  const info = modelInfo.findClass(name);
  if (retrievedClasses.size < 256) retrievedClasses.set(name, info);
  return info;
}

/**
 * The patient of one evaluation: the Patient resource (its elements read like any other resource's) and its
 * record. A retrieve wraps the resources of its type once; later retrieves of the same type (the library has
 * a dozen `[Condition]`) get the same objects, with what was already read of them.
 */
class PatientRecord extends modelFor(patientClass(), modelInfo).ctor {
  readonly #byType = new Map<string, Json[]>();
  readonly #retrieved = new Map<string, FhirObject[]>();

  constructor(patient: Json, resources: readonly Json[]) {
    super(patient);
    for (const r of resources) {
      const type = r.resourceType;
      if (typeof type !== 'string') continue;
      let list = this.#byType.get(type);
      if (!list) this.#byType.set(type, (list = []));
      list.push(r);
    }
  }

  findRecords(profile: string, retrieveDetails?: RetrieveDetails): FhirObject[] {
    const info = retrievedClass(retrieveDetails?.datatype ?? profile);
    if (!info) return [];
    const resourceType = info.name.replace(/^FHIR\./, '');
    let records = this.#retrieved.get(resourceType);
    if (!records) {
      records = (this.#byType.get(resourceType) ?? []).map((r) => wrap(r, info, modelInfo));
      this.#retrieved.set(resourceType, records);
    }
    // A copy: the cached list must not change whatever a caller does with its own.
    return records.slice();
  }

  findRecord(profile: string, retrieveDetails?: RetrieveDetails): FhirObject | undefined {
    return this.findRecords(profile, retrieveDetails)[0];
  }
}

/** What cql-execution's Executor asks of a data source: the patients, one after another. */
export interface CqlPatientSource {
  currentPatient(): PatientRecord | undefined;
  nextPatient(): PatientRecord | undefined;
}

/** A source holding one patient: the Patient resource among `resources`, and every resource as its record. */
export function patientSourceFor(resources: FhirResource[]): CqlPatientSource {
  const patientJson = resources.find((r) => r.resourceType === PATIENT_TYPE) as unknown as Json | undefined;
  if (!patientJson) throw new Error('patientSourceFor needs a Patient resource');
  const patient = new PatientRecord(patientJson, resources as unknown as Json[]);
  let done = false;
  return {
    currentPatient: () => (done ? undefined : patient),
    nextPatient: () => {
      done = true;
      return undefined;
    },
  };
}
