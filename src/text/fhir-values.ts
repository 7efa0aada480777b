/**
 * Defensive readers for FHIR JSON that arrives from outside (prefetch, FHIR servers, draft orders).
 * Nothing here trusts the declared FHIR types: a field may be missing, null, a number where a string
 * belongs, or an object where an array belongs. Every reader returns an empty value instead of throwing.
 */

export type JsonRecord = Record<string, unknown>;

/** Longest string any text reader looks at; longer text is cut so a hostile chart cannot stall a request. */
export const MAX_TEXT_LENGTH = 100_000;

export function asRecord(value: unknown): JsonRecord | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonRecord) : undefined;
}

/** A FHIR repeating element as an array: one object sent where an array belongs still counts. */
export function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

export function asString(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.length > MAX_TEXT_LENGTH ? value.slice(0, MAX_TEXT_LENGTH) : value;
  return trimmed.trim() === '' ? undefined : trimmed;
}

/** A code may be sent as a number (e.g. POS 21); compare it as the string it stands for. */
export function asCode(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  const s = asString(value);
  return s?.trim();
}

export interface LooseCoding {
  system?: string;
  code?: string;
  display?: string;
}

/** The codings of a Coding or CodeableConcept (either shape is accepted). */
export function codingsOf(value: unknown): LooseCoding[] {
  const rec = asRecord(value);
  if (!rec) return [];
  const raw = 'coding' in rec ? asArray(rec.coding) : 'code' in rec || 'system' in rec ? [rec] : [];
  const out: LooseCoding[] = [];
  for (const c of raw) {
    const coding = asRecord(c);
    if (!coding) continue;
    out.push({ system: asString(coding.system)?.trim(), code: asCode(coding.code), display: asString(coding.display) });
  }
  return out;
}

/** The codings of every CodeableConcept in a (possibly repeating) element. */
export function codingsOfAll(value: unknown): LooseCoding[] {
  return asArray(value).flatMap(codingsOf);
}

/** Human text of a CodeableConcept or Coding: its text, then its codings' displays. */
export function conceptTexts(value: unknown): string[] {
  const rec = asRecord(value);
  if (!rec) return [];
  const texts: string[] = [];
  const text = asString(rec.text);
  if (text) texts.push(text);
  for (const c of codingsOf(rec)) if (c.display) texts.push(c.display);
  return texts;
}

export function conceptTextsOfAll(value: unknown): string[] {
  return asArray(value).flatMap(conceptTexts);
}

/** Annotation texts (note[].text). */
export function noteTexts(value: unknown): string[] {
  const out: string[] = [];
  for (const n of asArray(value)) {
    const text = asString(asRecord(n)?.text);
    if (text) out.push(text);
  }
  return out;
}
