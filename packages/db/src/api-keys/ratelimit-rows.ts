// Rows of the standalone rate limiter's SQL (migration 015) as domain objects: shared by the pg and Supabase
// adapters. bigint columns arrive as strings from pg and as numbers or strings through PostgREST: Number() either.
import type { RateLimitOutcome, RateLimitOverride } from "@vx/api-keys";

type Row = Record<string, unknown>;

/** A row of vx_ratelimit_batch; `retry_at` is null unless the call was refused. */
function toRateLimitOutcome(row: Row): RateLimitOutcome {
  const outcome: RateLimitOutcome = {
    success: row.success as boolean,
    limit: row.limit as number,
    duration_ms: Number(row.duration_ms),
    remaining: row.remaining as number,
    reset: Number(row.reset),
    overridden: row.overridden as boolean,
  };
  if (row.retry_at !== null) outcome.retryAt = Number(row.retry_at);
  return outcome;
}

/** vx_ratelimit_batch's rows, in the order of the requests (each row's `ord`, from 1). */
export function toRateLimitOutcomes(rows: readonly Row[], count: number): RateLimitOutcome[] {
  const outcomes = new Array<RateLimitOutcome>(count);
  for (const row of rows) outcomes[(row.ord as number) - 1] = toRateLimitOutcome(row);
  return outcomes;
}

export function toRateLimitOverride(row: Row): RateLimitOverride {
  return {
    user_id: row.user_id as string,
    namespace: row.namespace as string,
    identifier: row.identifier as string,
    limit: row.limit as number,
    duration_ms: Number(row.duration_ms),
  };
}
