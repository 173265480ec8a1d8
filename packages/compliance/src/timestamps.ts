// Exact timestamps as text: Postgres keeps microseconds, a JS Date only milliseconds, and keyset
// pagination must compare the stored value, so positions carry `YYYY-MM-DDTHH:MM:SS.ffffffZ` strings.

// Year 0000 parses in JS but not in Postgres (there is no year 0): refused here, not left to the query.
const EXACT = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** A Date as an exact UTC timestamp string (microseconds are zero). */
export function exactTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, -1)}000Z`;
}

/** Whether a string is an exact UTC timestamp of that form; such strings sort in time order. */
export function isExactTimestamp(value: string): boolean {
  return EXACT.test(value) && !Number.isNaN(Date.parse(value));
}
