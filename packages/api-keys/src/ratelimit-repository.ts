// RateLimitRepository: the port of the standalone rate limiter (memory, Postgres and PGlite adapters).

/** One call inside a batch (validated). */
export interface RateLimitRequest {
  userId: string;
  namespace: string;
  identifier: string;
  limit: number;
  duration_ms: number;
  cost: number;
}

export interface RateLimitOutcome {
  success: boolean;
  /** The limit and window applied (an override's, if there is one). */
  limit: number;
  duration_ms: number;
  /** Cost-1 calls that would pass now, after this one. */
  remaining: number;
  /** When the limit is fully available again, Unix milliseconds. */
  reset: number;
  /** On a refusal: the earliest moment the same call would pass, Unix milliseconds. */
  retryAt?: number;
  /** An override set the limit and duration. */
  overridden: boolean;
}

/** A per-identifier limit that replaces whatever limit and duration callers pass. */
export interface RateLimitOverride {
  user_id: string;
  namespace: string;
  identifier: string;
  limit: number;
  duration_ms: number;
}

/** Which overrides to list; without options, all of the owner's. */
export interface OverrideListOptions {
  /** Only this namespace's. */
  namespace?: string;
  /** Only those after this one in (namespace, identifier) order: the keyset of the next page. */
  after?: { namespace: string; identifier: string };
  limit?: number;
}

export interface RateLimitRepository {
  /**
   * Decides a batch in order with GCRA, atomically: exact under any concurrency. A request counts only when it
   * passes. One outcome per request, same order.
   */
  limit(requests: readonly RateLimitRequest[], now: Date): Promise<RateLimitOutcome[]>;
  /** Creates or replaces the override of (owner, namespace, identifier). */
  setOverride(override: RateLimitOverride): Promise<RateLimitOverride>;
  /** The owner's overrides in (namespace, identifier) order (the database's collation), as `options` filter them. */
  listOverrides(userId: string, options?: OverrideListOptions): Promise<RateLimitOverride[]>;
  deleteOverride(userId: string, namespace: string, identifier: string): Promise<boolean>;
  /**
   * Deletes up to `limit` state rows that restrict nothing since `idleBefore` (their window has fully passed, so
   * GCRA treats them as absent) and returns how many: a limiter keyed by IP or phone number would otherwise keep a
   * row for every identifier it ever saw. No decision changes, even with calls running meanwhile.
   */
  pruneIdle(idleBefore: Date, limit: number): Promise<number>;
}
