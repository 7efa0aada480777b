import cql from 'cql-execution';
import type { PatientRecord } from '../data/types.js';
import type { EvidenceFacts } from '../evidence/types.js';
import type { SurgicalPlan } from '../orders/types.js';
import { dateTimeFields } from '../fhir-model/date-time.js';

/**
 * The per-plan parameters of LumbarFusionCriteria.cql. Tuple fields the CQL declares must all be present,
 * so absent facts are passed as null rather than left out.
 */
export function planParameters(plan: SurgicalPlan, facts: EvidenceFacts, orderDate: Date): Record<string, unknown> {
  return {
    'Order Date': orderDateParameter(plan, orderDate),
    Plan: {
      level: plan.level,
      side: plan.side ?? null,
      setting: settingOf(plan),
      orderIds: plan.orders.map((o) => o.id),
    },
    'Resource Facts': resourceFactsParameter(facts.resources),
    'Imaging Findings': facts.imaging.map((f) => ({ ref: f.ref, level: f.level, side: f.side ?? null, kind: f.kind, text: f.text })),
    'Strength Scores': facts.strength.map((s) => ({ ref: s.ref, movement: s.movement, side: s.side ?? null, score: s.score })),
    'Upper Spine Procedures': facts.upperSpineProcedures ?? [],
    'Denied Answers': facts.deniedAnswers ?? [],
    'Instability Measures': facts.instability.map((m) => ({
      ref: m.ref,
      level: m.level ?? null,
      translationMm: m.translationMm ?? null,
      angulationDegrees: m.angulationDegrees ?? null,
    })),
    'Failure Findings': facts.failures.map((f) => ({ ref: f.ref, level: f.level ?? null, text: f.text })),
  };
}

/**
 * The library looks a resource's levels and sides up by scanning this list (LevelsOf, SidesOf: a fact
 * absent and a fact with no levels and no sides read the same), dozens of times per evaluation, so facts
 * that say nothing are left out. A ref that occurs twice keeps all its entries: `singleton from` must see
 * them as before.
 */
export function resourceFactsParameter(resources: EvidenceFacts['resources']): { ref: string; levels: string[]; sides: string[] }[] {
  return informativeResourceFacts(resources).map((f) => ({ ref: f.ref, levels: f.levels, sides: f.sides }));
}

/** The resource facts `resourceFactsParameter` passes on; filtering twice changes nothing. */
export function informativeResourceFacts(resources: EvidenceFacts['resources']): EvidenceFacts['resources'] {
  const seen = new Map<string, number>();
  for (const f of resources) seen.set(f.ref, (seen.get(f.ref) ?? 0) + 1);
  return resources.filter((f) => f.levels.length > 0 || f.sides.length > 0 || seen.get(f.ref)! > 1);
}

/** An authoredOn read: its instant, and the offset it was written with (none written: UTC). */
interface Authored {
  at: number;
  offsetHours: number;
}

/** The latest authoredOn of the plan's orders that is not after the signing. */
function latestAuthored(plan: SurgicalPlan, signedAt: Date): Authored | undefined {
  let latest: Authored | undefined;
  for (const o of plan.orders) {
    const authored = typeof o.resource.authoredOn === 'string' ? authoredInstant(o.resource.authoredOn) : undefined;
    if (authored && authored.at <= signedAt.getTime() && (!latest || authored.at > latest.at)) latest = authored;
  }
  return latest;
}

/**
 * 'Order Date' for the library. The order's own date (authoredOn) anchors the look-back windows, so a chart is judged
 * as of the order; a missing, unreadable or future authoredOn falls back to the moment of signing. It is given in
 * the zone the order was written in: the windows are counted in calendar days from the order's day, and that is the
 * day the order names (2026-11-20T19:30:00-05:00 is the 20th, though it is the 21st in UTC). The moment of signing,
 * which names no zone, is taken in UTC.
 */
export function orderDateParameter(plan: SurgicalPlan, signedAt: Date): cql.DateTime {
  const authored = latestAuthored(plan, signedAt);
  return authored ? cql.DateTime.fromJSDate(new Date(authored.at), authored.offsetHours) : cql.DateTime.fromJSDate(signedAt, 0);
}

/**
 * An authoredOn that names a day of the calendar: its instant in epoch ms, and its offset; otherwise undefined.
 * `Date.parse` is not used: it rolls 2026-02-30 over to March 2, reads a year alone as its first of January (which
 * would pin the look-back window to a day the order never named), and a time without its offset in the server's own
 * zone. A time without an offset, which FHIR forbids but EHRs send, is read as UTC.
 */
function authoredInstant(text: string): Authored | undefined {
  const f = dateTimeFields(text);
  if (f?.month === undefined || f.day === undefined) return undefined;
  const day = new Date(0).setUTCFullYear(f.year, f.month - 1, f.day);
  if (f.hour === undefined) return { at: day, offsetHours: 0 };
  const ms = f.fraction === undefined ? 0 : Number((f.fraction + '00').slice(0, 3));
  const offsetHours = f.offset ?? 0;
  return { at: day + (((f.hour * 60 + f.minute!) * 60 + f.second!) * 1000 + ms) - Math.round(offsetHours * 60) * 60_000, offsetHours };
}

/** A plan is outpatient when any of its orders books it outpatient, inpatient when any says inpatient. */
function settingOf(plan: SurgicalPlan): string {
  const settings = plan.orders.map((o) => o.setting);
  if (settings.includes('outpatient')) return 'outpatient';
  if (settings.includes('inpatient')) return 'inpatient';
  return 'unknown';
}

/** The site-tunable thresholds, for the criteria page and for tests that change a default. */
export const THRESHOLD_PARAMETERS = [
  'Imaging Lookback Months',
  'Conservative Care Weeks',
  'Instability Translation Mm',
  'Instability Angulation Degrees',
] as const;

export function recordResources(record: PatientRecord): PatientRecord[keyof Omit<PatientRecord, 'patientId' | 'patient'>][number][] {
  return [
    ...record.conditions,
    ...record.procedures,
    ...record.observations,
    ...record.imagingStudies,
    ...record.diagnosticReports,
  ];
}
