/** How a worker logs the errors it carries on after: a database outage is one warning now and then, not one per poll. */
import { isDatabaseUnavailable } from "@vx/db";
import type { Logger } from "pino";

/** While the database is unavailable, at most one warning per this long (with how many were left out). */
const OUTAGE_LOG_EVERY_MS = 10_000;

export function workerErrorLog(
  log: Pick<Logger, "error" | "warn">,
  what: string,
  now: () => number = Date.now,
): (error: unknown) => void {
  let quietUntil = 0;
  let skipped = 0;
  return (error) => {
    if (!isDatabaseUnavailable(error)) {
      log.error({ err: error }, what);
      return;
    }
    if (now() < quietUntil) {
      skipped++;
      return;
    }
    log.warn({ err: error, skipped }, `${what}: database unavailable, retrying until it answers`);
    skipped = 0;
    quietUntil = now() + OUTAGE_LOG_EVERY_MS;
  };
}
