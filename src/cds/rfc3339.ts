import { daysInMonth } from '../calendar.js';

/**
 * RFC 3339 section 5.6 date-time, which CDS Hooks 2.0 names for feedback's outcomeTimestamp. Stricter than
 * ISO 8601 (seconds and a zone are required) and looser than a first reading suggests: `t` and `z` may be
 * lower case, and a leap second (`:60`) is valid.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

export function isRfc3339DateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const inRange = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 60;
  const offsetOk = m[7] === undefined || (Number(m[7]) <= 23 && Number(m[8]) <= 59);
  return inRange && offsetOk;
}
