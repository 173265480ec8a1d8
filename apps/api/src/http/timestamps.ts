/** Timestamps as requests give them: ISO 8601 with an offset, within the years Postgres and JS Dates share. */
import { z } from "zod";

/**
 * A date-time a client sends (query or body). Year 0 or -4713 parse as ISO and as a JS Date, but Postgres
 * refuses them, which would surface as a 500: they are a 400 naming the field instead.
 */
export const timestampInput = z.iso.datetime({ offset: true }).refine(
  (value) => {
    const year = new Date(value).getUTCFullYear();
    return year >= 1 && year <= 9999;
  },
  { message: "must be a date between the years 0001 and 9999" },
);
