/** How a key's limits and credits read in the list and on its details: "burst 10 / 1 s", "refills to 1000 monthly". */
import type { Credits, CreditsRefill, RateLimitConfig } from "./api-key";
import { formatDuration } from "./durations";

/** "10 / 1 s": requests per window. */
export function formatLimit(limit: RateLimitConfig): string {
  return `${limit.limit} / ${formatDuration(limit.duration_ms)}`;
}

/** "refills to 1000 monthly on day 15": the refill rule (the API does not report the next refill's date). */
export function describeRefill(refill: CreditsRefill): string {
  if (refill.interval === "daily") return `refills to ${refill.amount} daily`;
  return `refills to ${refill.amount} monthly on day ${refill.refill_day ?? 1}`;
}

/** "500 remaining, refills to 1000 monthly on day 15", or "unlimited". */
export function describeCredits(credits: Credits | null): string {
  if (credits === null) return "unlimited";
  return [`${credits.remaining} remaining`, credits.refill && describeRefill(credits.refill)]
    .filter(Boolean)
    .join(", ");
}
