// Hour arithmetic for rate-limit windows and usage buckets: fixed clock hours in UTC.
export const HOUR_MS = 3_600_000;

/** The start of the UTC hour containing `at`. */
export function hourStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

export function addHours(at: Date, hours: number): Date {
  return new Date(at.getTime() + hours * HOUR_MS);
}
