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
const SHAPE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:(Z)|([+-])(\d{2}):(\d{2})))?)?)?$/;

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

type DateTimeArgs = [number, number?, number?, number?, number?, number?, number?, number?];

function wellFormed(text: string): DateTimeArgs | undefined {
  const m = SHAPE.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  if (year < 1) return undefined;
  if (m[2] === undefined) return [year];
  const month = Number(m[2]);
  if (month < 1 || month > 12) return undefined;
  if (m[3] === undefined) return [year, month];
  const day = Number(m[3]);
  if (day < 1 || day > daysIn(year, month)) return undefined;
  if (m[4] === undefined) return [year, month, day];
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  // cql-execution pads a short millisecond field on the right: .5 is 500 ms.
  const millisecond = m[7] === undefined ? undefined : Number((m[7] + '00').slice(0, 3));
  if (m[8] === 'Z') return [year, month, day, hour, minute, second, millisecond, 0];
  const [offsetHours, offsetMinutes] = [Number(m[10]), Number(m[11])];
  if (offsetHours > 14 || offsetMinutes > 59 || (offsetHours === 14 && offsetMinutes > 0)) return undefined;
  const offset = offsetHours + offsetMinutes / 60;
  return [year, month, day, hour, minute, second, millisecond, m[9] === '+' ? offset : -offset];
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
