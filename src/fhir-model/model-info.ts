import cqlfhir from 'cql-exec-fhir';

/**
 * The FHIR 4.0.1 model info that cql-exec-fhir ships, parsed once per process (about 80 ms).
 * The CQL engine's patient sources and the record shape check share this one parse.
 */
export const fhirPatientSourceTemplate = cqlfhir.PatientSource.FHIRv401();

export interface TypeSpecifier {
  isList?: boolean;
  isNamed?: boolean;
  isChoice?: boolean;
  elementType?: TypeSpecifier;
  name?: string;
  namespace?: string;
  fqn?: string;
  choices?: TypeSpecifier[];
}
export interface ClassElement {
  name: string;
  typeSpecifier?: TypeSpecifier;
}
export interface ClassInfo {
  findElement(name: string, allowExplicitChoice?: boolean): ClassElement | undefined;
}
export interface ModelInfo {
  findClass(name: string): ClassInfo | undefined;
}

export const fhirModelInfo = (fhirPatientSourceTemplate as unknown as { _modelInfo: ModelInfo })._modelInfo;
