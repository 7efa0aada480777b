import cql from 'cql-execution';

/**
 * FHIR date and dateTime strings as CQL DateTimes, the same values `cql.DateTime.parse` gives.
 *
 * cql-execution's parse checks a string by trying luxon formats for its length, which cost about a tenth
 * of an evaluation's time on the seed chart. The well-formed shapes FHIR sends (YYYY, YYYY-MM, YYYY-MM-DD,
 * and a full time with seconds and an offset) are checked here with one anchored pattern and calendar
 * arithmetic; anything else (a time without an offset, a leap second, a malformed string) goes to
 * cql-execution's own parse, so the answer never differs (property-tested against it).
 */
const SHAPE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))?)?)?)?$/;

/** setUTCFullYear, not Date.UTC, which reads the years 0 to 99 as 1900 to 1999. */
const daysIn = (year: number, month: number): number => new Date(new Date(0).setUTCFullYear(year, month, 0)).getUTCDate();

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
  if (day < 1 || day > daysIn(year, month)) return undefined;
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

type DateTimeArgs = [number, number?, number?, number?, number?, number?, number?, number?];

/** The shapes read here; a time without an offset, or with more than three digits of a second, is cql-execution's to read. */
function wellFormed(text: string): DateTimeArgs | undefined {
  const f = dateTimeFields(text);
  if (!f) return undefined;
  if (f.hour === undefined) return f.day !== undefined ? [f.year, f.month, f.day] : f.month !== undefined ? [f.year, f.month] : [f.year];
  if (f.offset === undefined || (f.fraction !== undefined && f.fraction.length > 3)) return undefined;
  // cql-execution pads a short millisecond field on the right: .5 is 500 ms.
  const millisecond = f.fraction === undefined ? undefined : Number((f.fraction + '00').slice(0, 3));
  return [f.year, f.month, f.day, f.hour, f.minute, f.second, millisecond, f.offset];
}

export function parseFhirDateTime(text: string): cql.DateTime | null {
  const args = wellFormed(text);
  if (!args) return cql.DateTime.parse(text);
  // The same constructor call as cql-execution's parse: parts not given stay undefined (null precision).
  const [year, month, day, hour, minute, second, millisecond, offset] = args;
  return args.length === 8
    ? new cql.DateTime(year, month, day, hour, minute, second, millisecond, offset)
    : new cql.DateTime(year, month, day, hour, minute, second, millisecond);
}
