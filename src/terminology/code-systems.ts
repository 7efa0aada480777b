/**
 * The code systems a value set in cql-mappings/valuesets may use, by the URI that EHRs send in Coding.system,
 * with the name people know them by. Codes are compared with the system exactly, so a system URI that is not
 * one of these (a typo such as a trailing slash) would match no EHR coding: loading the value sets refuses it.
 * Taken from the value sets and the shared specification's fhir-conventions.md.
 *
 * To use a new code system: add its URI (as the EHRs send it) and its name here, then `npm run build`.
 */
export const CODE_SYSTEMS: Readonly<Record<string, string>> = {
  'http://www.ama-assn.org/go/cpt': 'CPT',
  'http://snomed.info/sct': 'SNOMED CT',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'http://loinc.org': 'LOINC',
  'http://dicom.nema.org/resources/ontology/DCM': 'DICOM',
  'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set': 'CMS Place of Service',
  'http://terminology.hl7.org/CodeSystem/v3-ActCode': 'HL7 v3 ActCode',
  'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation': 'HL7 v3 ObservationInterpretation',
  'http://terminology.hl7.org/CodeSystem/v2-0136': 'HL7 v2 Yes/No Indicator (0136)',
};

/** Case, scheme and trailing slashes are the usual slips: a known system that differs only in those. */
function nearestKnown(system: string): string | undefined {
  const loose = (s: string): string => s.toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  return Object.keys(CODE_SYSTEMS).find((known) => loose(known) === loose(system));
}

/** Why `system` cannot be used in a value set, or undefined when it can. */
export function unknownCodeSystem(system: string): string | undefined {
  if (Object.hasOwn(CODE_SYSTEMS, system)) return undefined;
  const near = nearestKnown(system);
  return `"${system}" is not a code system the service reads${near ? ` (did you mean ${near}?)` : ''}; ` +
    'a new one is added to src/terminology/code-systems.ts';
}
