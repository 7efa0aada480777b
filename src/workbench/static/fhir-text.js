// How FHIR values read to a person: concept names with their codes, dates, periods, values.

const asArray = (v) => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

export function codingsOf(concept) {
  return asArray(concept).flatMap((c) => asArray(c?.coding));
}

/** "Foot drop, left foot (M21.372)": the concept's text or first display, with its codes. */
export function conceptText(concept) {
  const concepts = asArray(concept);
  if (concepts.length === 0) return '';
  return concepts
    .map((c) => {
      const codings = asArray(c?.coding);
      // Every coding's display: a site coded as two vertebrae (L3 and L4) is named by both.
      const name = c?.text ?? codings.map((x) => x?.display).filter(Boolean).join(' / ');
      const codes = codings.map((x) => x?.code).filter(Boolean);
      if (name && codes.length > 0) return `${name} (${codes.join(', ')})`;
      return name || codes.join(', ');
    })
    .filter(Boolean)
    .join('; ');
}

/** A date or date-time shortened to its date (the chart lists facts by day). */
export function day(value) {
  return typeof value === 'string' && value.length >= 10 ? value.slice(0, 10) : (value ?? '');
}

export function periodText(period) {
  if (!period) return '';
  const start = day(period.start);
  const end = day(period.end);
  if (start && end) return start === end ? start : `${start} to ${end}`;
  return start ? `from ${start}` : end ? `until ${end}` : '';
}

/** The date of a resource, per fhir-conventions.md's rules for each type. */
export function resourceDate(r) {
  switch (r?.resourceType) {
    case 'Procedure':
      return day(r.performedDateTime) || periodText(r.performedPeriod) || r.performedString || '';
    case 'Condition':
      return day(r.onsetDateTime) || periodText(r.onsetPeriod) || day(r.recordedDate) || r.onsetString || '';
    case 'Observation':
      return day(r.effectiveDateTime) || periodText(r.effectivePeriod) || day(r.effectiveInstant) || day(r.issued) || '';
    case 'ImagingStudy':
      return day(r.started);
    case 'DiagnosticReport':
      return day(r.effectiveDateTime) || periodText(r.effectivePeriod) || day(r.issued) || '';
    default:
      return '';
  }
}

/** A Condition's status: clinical and verification status together ("active, confirmed"). */
export function resourceStatus(r) {
  if (r?.resourceType === 'Condition') {
    const clinical = codingsOf(r.clinicalStatus).map((c) => c.code)[0];
    const verification = codingsOf(r.verificationStatus).map((c) => c.code)[0];
    return [clinical, verification].filter(Boolean).join(', ') || 'no status';
  }
  return r?.status ?? 'no status';
}

/** An Observation's value as written: "4 {score}", "4/5", a concept. */
export function observationValue(o) {
  if (o.valueQuantity) {
    const q = o.valueQuantity;
    return [q.comparator ?? '', q.value ?? '', q.unit ?? q.code ?? ''].join(' ').replace(/\s+/g, ' ').trim();
  }
  if (o.valueInteger !== undefined) return String(o.valueInteger);
  if (o.valueString !== undefined) return o.valueString;
  if (o.valueCodeableConcept) return conceptText(o.valueCodeableConcept);
  if (o.valueBoolean !== undefined) return String(o.valueBoolean);
  return '';
}

export function notesText(notes) {
  return asArray(notes)
    .map((n) => n?.text)
    .filter(Boolean)
    .join(' ');
}

export { asArray };
