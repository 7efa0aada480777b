import { daysInMonth } from '../calendar.js';

/** FHIR's date and dateTime shapes, read by hand (no luxon): the engine's date reader and the record's shape check share it. */
const SHAPE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))?)?)?)?$/;

/** The parts of a FHIR date or dateTime as written; a part not written is undefined (so is `offset`: no zone written). */
export interface DateTimeFields {
  year: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
  /** The digits after the decimal point of the seconds, as written. */
  fraction?: string;
  /** Hours east of UTC. */
  offset?: number;
}

/**
 * The parts of a string in FHIR's date and dateTime shapes (YYYY, YYYY-MM, YYYY-MM-DD, or a day with hh:mm:ss, a
 * fraction of any length and an offset of at most 14 hours), each in its range and the day one of the calendar;
 * otherwise undefined. A time without an offset, which FHIR forbids but EHRs send, is read with `offset` undefined.
 */
export function dateTimeFields(text: string): DateTimeFields | undefined {
  const m = SHAPE.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  if (year < 1) return undefined;
  if (m[2] === undefined) return { year };
  const month = Number(m[2]);
  if (month < 1 || month > 12) return undefined;
  if (m[3] === undefined) return { year, month };
  const day = Number(m[3]);
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  if (m[4] === undefined) return { year, month, day };
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const time = { year, month, day, hour, minute, second, ...(m[7] === undefined ? {} : { fraction: m[7] }) };
  if (m[8] === 'Z') return { ...time, offset: 0 };
  if (m[9] === undefined) return time;
  const [offsetHours, offsetMinutes] = [Number(m[10]), Number(m[11])];
  if (offsetHours > 14 || offsetMinutes > 59 || (offsetHours === 14 && offsetMinutes > 0)) return undefined;
  const offset = offsetHours + offsetMinutes / 60;
  return { ...time, offset: m[9] === '+' ? offset : -offset };
}
