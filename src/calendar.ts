/**
 * Days in a month of the proleptic Gregorian calendar, by arithmetic: `Date.UTC` reads the years 0 to 99 as 1900
 * to 1999, and every reader of written dates (FHIR dates, RFC 3339 times) needs the same answer.
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
