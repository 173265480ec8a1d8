// Rows of the api-keys SQL (migration 015) as domain objects: shared by the pg and Supabase adapters, which differ
// only in how timestamps arrive (Date from pg, ISO strings through PostgREST).
import {
  type ApiKey,
  type ApiKeyRecord,
  type Credits,
  type CreditsRefill,
  gcraReport,
  type Identity,
  type RateLimitConfig,
  type RateLimitResult,
  type UsageBucket,
  type VerificationOutcome,
  type VerificationRequest,
} from "@vx/api-keys";

type Row = Record<string, unknown>;

const toDate = (value: unknown): Date | null =>
  value === null || value === undefined ? null : value instanceof Date ? value : new Date(value as string);

function credits(remaining: unknown, refill: unknown): Credits | null {
  if (remaining === null || remaining === undefined) return null;
  const result: Credits = { remaining: remaining as number };
  if (refill) result.refill = refill as CreditsRefill;
  return result;
}

/** An `api_keys` row (credits as two columns, internal state ignored) as an ApiKeyRecord. */
export function toApiKeyRecord(row: Row): ApiKeyRecord {
  const record = toApiKey(row) as ApiKeyRecord;
  record.key_hash = row.key_hash as string;
  return record;
}

/** The same without key_hash, as verification returns a key. */
function toApiKey(row: Row): ApiKey {
  return {
    id: row.id as string,
    user_id: row.user_id as string,
    name: row.name as string,
    key_prefix: row.key_prefix as string,
    last_used_at: toDate(row.last_used_at),
    expires_at: toDate(row.expires_at),
    rate_limit: row.rate_limit as number | null,
    usage_quota: row.usage_quota as number | null,
    usage_count: row.usage_count as number,
    enabled: row.enabled as boolean,
    scopes: row.scopes as string[],
    created_at: toDate(row.created_at)!,
    updated_at: toDate(row.updated_at)!,
    meta: (row.meta ?? null) as ApiKey["meta"],
    ratelimits: (row.ratelimits ?? []) as ApiKey["ratelimits"],
    credits: credits(row.credits_remaining, row.credits_refill),
    identity_id: (row.identity_id ?? null) as string | null,
  };
}

/** An `api_key_identities` row. */
export function toIdentity(row: Row): Identity {
  return {
    id: row.id as string,
    user_id: row.user_id as string,
    external_id: row.external_id as string,
    meta: (row.meta ?? null) as Identity["meta"],
    ratelimits: (row.ratelimits ?? []) as Identity["ratelimits"],
    credits: credits(row.credits_remaining, row.credits_refill),
    created_at: toDate(row.created_at)!,
    updated_at: toDate(row.updated_at)!,
  };
}

/** The columns an insert or update writes for credits. */
export function creditColumns(value: Credits | null): [number | null, string | null] {
  return [value?.remaining ?? null, value?.refill ? JSON.stringify(value.refill) : null];
}

/** A request's named limits as vx_api_key_verify_batch reads them: space-separated `name:cost`. */
export function encodeRequestedLimits(request: VerificationRequest): string {
  return (request.ratelimits ?? []).map((r) => `${r.name}:${r.cost ?? ""}`).join(" ");
}

/**
 * A verification row's `limits` as results. Since migration 028 each limit checked is a string
 * `[i]<position>:<TAT>`: the position in the key's `ratelimits` (`i`: the identity's), the TAT (× limit) as the
 * request left it, negated when that limit refused. Remaining, reset and retryAt follow from the limit's settings
 * with gcraReport(), as the in-memory store computes them. An object is the result as migration 021 built it (a
 * database not yet migrated).
 */
function limitResults(row: Row, identity: Row | null, request: VerificationRequest, nowMs: number): RateLimitResult[] {
  const checked = row.limits as (string | Row)[] | null;
  if (!checked || checked.length === 0) return [];
  const named = request.ratelimits?.length ? new Map(request.ratelimits.map((r) => [r.name, r.cost])) : null;
  return checked.map((entry) => {
    if (typeof entry !== "string") return storedLimitResult(entry);
    const ofIdentity = entry.charCodeAt(0) === 105; // "i"
    const colon = entry.indexOf(":");
    const settings = (ofIdentity ? identity?.ratelimits : row.ratelimits) as RateLimitConfig[];
    const stored = settings[Number(entry.slice(ofIdentity ? 1 : 0, colon))]!;
    // Number(): the SQL casts the stored settings, so a number written as a string still counts as one.
    const limit = Number(stored.limit);
    const duration_ms = Number(stored.duration_ms);
    const refused = entry.charCodeAt(colon + 1) === 45; // "-"
    const tat = BigInt(entry.slice(refused ? colon + 2 : colon + 1));
    // The cost the SQL charged this limit: the one the request names it with, else the request's.
    const cost = named?.get(stored.name) ?? request.cost;
    const report = gcraReport(tat, limit, duration_ms, cost, nowMs, !refused);
    const result: RateLimitResult = {
      name: stored.name,
      source: ofIdentity ? "identity" : "key",
      limit,
      duration_ms,
      remaining: report.remaining,
      reset: report.reset,
      exceeded: refused,
    };
    if (report.retryAt !== undefined) result.retryAt = report.retryAt;
    return result;
  });
}

function storedLimitResult(value: Row): RateLimitResult {
  const result: RateLimitResult = {
    name: value.name as string,
    source: value.source as RateLimitResult["source"],
    limit: value.limit as number,
    duration_ms: Number(value.duration_ms),
    remaining: value.remaining as number,
    reset: Number(value.reset),
    exceeded: value.exceeded as boolean,
  };
  if (value.retry_at !== null && value.retry_at !== undefined) result.retryAt = Number(value.retry_at);
  return result;
}

/** The verification functions' result rows (one per request, by `ord`) as the outcomes of `requests` at `now`. */
export function toVerificationOutcomes(
  rows: readonly Row[],
  requests: readonly VerificationRequest[],
  now: Date,
): VerificationOutcome[] {
  const nowMs = now.getTime();
  const outcomes = new Array<VerificationOutcome>(requests.length);
  for (const row of rows) {
    const i = (row.ord as number) - 1;
    outcomes[i] = toVerificationOutcome(row, requests[i]!, nowMs);
  }
  return outcomes;
}

/** One result row of the verification functions, for `request` verified at `nowMs`. */
function toVerificationOutcome(row: Row, request: VerificationRequest, nowMs: number): VerificationOutcome {
  const windowReset = toDate(row.window_reset)!;
  const code = row.code as VerificationOutcome["code"];
  if (code === "NOT_FOUND") return { code, key: null, windowCount: null, windowReset, limits: [], identity: null };
  const identity = row.identity as Row | null;
  // Built once, without key_hash (the verification functions do not return it): this runs for every request.
  const key = toApiKey(row);
  return {
    code,
    key,
    windowCount: row.window_count as number | null,
    windowReset,
    limits: limitResults(row, identity, request, nowMs),
    identity: identity && {
      id: identity.id as string,
      external_id: identity.external_id as string,
      meta: (identity.meta ?? null) as ApiKeyRecord["meta"],
      ...(identity.credits_remaining === null ? {} : { credits: identity.credits_remaining as number }),
      credits_refill: (identity.credits_refill ?? null) as CreditsRefill | null,
    },
  };
}

/** An `api_key_usage_hourly` row. */
export function toUsageBucket(row: Row): UsageBucket {
  return {
    hour: toDate(row.hour)!,
    requests: row.request_count as number,
    outcomes: {
      valid: row.valid_count as number,
      rate_limited: row.rate_limited_count as number,
      usage_exceeded: row.usage_exceeded_count as number,
      disabled: row.disabled_count as number,
      expired: row.expired_count as number,
      insufficient_scope: row.insufficient_scope_count as number,
    },
  };
}
