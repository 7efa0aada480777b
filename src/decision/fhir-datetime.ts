import cql from 'cql-execution';
import { dateTimeFields } from '../fhir-model/date-time.js';

/**
 * FHIR date and dateTime strings as CQL DateTimes, the same values `cql.DateTime.parse` gives.
 *
 * cql-execution's parse checks a string by trying luxon formats for its length, which cost about a tenth
 * of an evaluation's time on the seed chart. The well-formed shapes FHIR sends (YYYY, YYYY-MM, YYYY-MM-DD,
 * and a full time with seconds and an offset) are read by `dateTimeFields`, one anchored pattern and calendar
 * arithmetic; anything else (a time without an offset, a leap second, a malformed string) goes to
 * cql-execution's own parse, so the answer never differs (property-tested against it).
 */

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
