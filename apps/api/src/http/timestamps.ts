/** Timestamps as requests give them: ISO 8601 with an offset, within the years Postgres and JS Dates share. */
import { z } from "zod";

/**
 * Whether Postgres can hold the date: years 0001-9999. Year 0 or -4713 parse as ISO and as a JS Date, but
 * Postgres refuses them, which would surface as a 500.
 */
export function isStorableDate(date: Date): boolean {
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999;
}

/** A date-time a client sends (query or body); one Postgres cannot hold is a 400 naming the field. */
export const timestampInput = z.iso
  .datetime({ offset: true })
  .refine((value) => isStorableDate(new Date(value)), { message: "must be a date between the years 0001 and 9999" });
