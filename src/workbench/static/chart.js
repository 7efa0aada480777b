// The parts of a chart that the criteria look at, read from the FHIR server and shown by date with status.

import { append, el } from './dom.js';
import { fhirResources } from './fhir-client.js';
import { asArray, codingsOf, conceptText, notesText, observationValue, resourceDate, resourceStatus } from './fhir-text.js';

const CONSERVATIVE_WORDS = /physical therap|physiotherap|epidural|steroid injection|chiropract|home exercise|exercise program/i;
const STRENGTH_WORDS = /strength|dorsiflex|plantarflex|\bEHL\b|extensor hallucis|hip flexion|quadriceps|motor (?:exam|score)/i;

/** Every resource type the chart view shows, fetched in parallel. */
export async function loadChart(base, patientId) {
  const search = (type) => fhirResources(base, `${type}?patient=${encodeURIComponent(patientId)}`);
  const [procedures, conditions, observations, imagingStudies, diagnosticReports] = await Promise.all([
    search('Procedure'),
    search('Condition'),
    search('Observation'),
    search('ImagingStudy'),
    search('DiagnosticReport'),
  ]);
  return { procedures, conditions, observations, imagingStudies, diagnosticReports };
}

function isConservativeCare(procedure, conservativeCodes) {
  const coded = codingsOf(procedure.code).some((c) => conservativeCodes.some((k) => k.system === c.system && k.code === c.code));
  return coded || CONSERVATIVE_WORDS.test(conceptText(procedure.code));
}

function isStrength(observation) {
  return STRENGTH_WORDS.test(conceptText(observation.code));
}

const byDate = (a, b) => resourceDate(a).localeCompare(resourceDate(b));

/** One fact: date, status, what it is, and the details that matter (site, value, conclusion, notes). */
function fact(resource, name, details) {
  const status = resourceStatus(resource);
  return el(
    'li',
    { class: 'fact', dataset: { resourceType: resource.resourceType, resourceId: resource.id ?? '' } },
    el('span', { class: 'fact-date' }, resourceDate(resource) || 'no date'),
    el('span', { class: `fact-status status-${status.split(',')[0].replace(/[^a-z-]/gi, '')}` }, status),
    el('span', { class: 'fact-text' }, name || '(no code or text)', details.filter(Boolean).map((d) => el('span', { class: 'fact-detail' }, d))),
  );
}

function procedureFact(p) {
  const complications = asArray(p.complication).map(conceptText).filter(Boolean);
  return fact(p, conceptText(p.code), [
    conceptText(p.bodySite) && `Site: ${conceptText(p.bodySite)}`,
    complications.length > 0 && `Complication: ${complications.join('; ')}`,
    notesText(p.note) && `Note: ${notesText(p.note)}`,
  ]);
}

function conditionFact(c) {
  return fact(c, conceptText(c.code), [
    conceptText(c.bodySite) && `Site: ${conceptText(c.bodySite)}`,
    c.abatementDateTime && `Abated ${c.abatementDateTime.slice(0, 10)}`,
    notesText(c.note) && `Note: ${notesText(c.note)}`,
  ]);
}

function observationFact(o) {
  const value = observationValue(o);
  return fact(o, conceptText(o.code), [
    value && `Value: ${value}`,
    conceptText(o.bodySite) && `Site: ${conceptText(o.bodySite)}`,
    notesText(o.note) && `Note: ${notesText(o.note)}`,
  ]);
}

function reportDetails(r) {
  return [
    `Report (${resourceDate(r) || 'no date'}, ${resourceStatus(r)}): ${conceptText(r.code) || 'diagnostic report'}`,
    r.conclusion && `Conclusion: ${r.conclusion}`,
    asArray(r.conclusionCode).length > 0 && `Coded conclusion: ${conceptText(r.conclusionCode)}`,
  ];
}

function studyFact(study, reports) {
  const modalities = [...new Set([...asArray(study.modality), ...asArray(study.series).map((s) => s?.modality)].map((m) => m?.code).filter(Boolean))];
  const seriesText = asArray(study.series)
    .map((s) => s?.description)
    .filter(Boolean)
    .join('; ');
  return fact(study, study.description || conceptText(study.procedureCode) || 'Imaging study', [
    modalities.length > 0 && `Modality: ${modalities.join(', ')}`,
    seriesText && `Series: ${seriesText}`,
    notesText(study.note) && `Note: ${notesText(study.note)}`,
    ...reports.flatMap(reportDetails),
  ]);
}

function section(id, title, items) {
  const headingId = `chart-${id}-heading`;
  return el(
    'section',
    { class: 'chart-section', id: `chart-${id}`, 'aria-labelledby': headingId },
    el('h3', { id: headingId }, title, el('span', { class: 'count' }, ` (${items.length})`)),
    items.length > 0 ? el('ul', { class: 'facts' }, items) : el('p', { class: 'hint' }, 'None recorded.'),
  );
}

/** The chart view, built from what loadChart read. */
export function renderChart(container, chart, config) {
  const conservativeCodes = config.conservativeCareCodes ?? [];
  const procedures = [...chart.procedures].sort(byDate);
  const care = procedures.filter((p) => isConservativeCare(p, conservativeCodes));
  const surgery = procedures.filter((p) => !care.includes(p));
  const strength = chart.observations.filter(isStrength).sort(byDate);
  const otherObservations = chart.observations.filter((o) => !isStrength(o)).sort(byDate);

  const reportsOf = (study) =>
    chart.diagnosticReports.filter((r) => asArray(r.imagingStudy).some((ref) => ref?.reference === `ImagingStudy/${study.id}`));
  const linked = new Set(chart.imagingStudies.flatMap(reportsOf));
  const imaging = [
    ...[...chart.imagingStudies].sort(byDate).map((s) => studyFact(s, reportsOf(s))),
    ...chart.diagnosticReports
      .filter((r) => !linked.has(r))
      .sort(byDate)
      .map((r) => fact(r, conceptText(r.code), reportDetails(r).slice(1))),
  ];

  container.replaceChildren();
  append(container, [
    section('surgery', 'Prior surgery and other procedures', surgery.map(procedureFact)),
    section('neuro', 'Neurological findings and diagnoses', [
      ...[...chart.conditions].sort(byDate).map(conditionFact),
      ...strength.map(observationFact),
    ]),
    section('imaging', 'Imaging and findings', imaging),
    section('care', 'Conservative care', care.map(procedureFact)),
    otherObservations.length > 0 && section('other', 'Other observations', otherObservations.map(observationFact)),
  ]);
}
