import type { Condition, DiagnosticReport, ImagingStudy, Observation, Patient, Procedure } from 'fhir/r4.js';

/** The part of the chart the criteria read, whatever its source (prefetch or FHIR server). */
export interface PatientRecord {
  patientId: string;
  patient?: Patient;
  conditions: Condition[];
  procedures: Procedure[];
  observations: Observation[];
  imagingStudies: ImagingStudy[];
  diagnosticReports: DiagnosticReport[];
}
