// Rows of the api-keys SQL (migration 015) as domain objects: shared by the pg and Supabase adapters, which differ
// only in how timestamps arrive (Date from pg, ISO strings through PostgREST).
import type {
  ApiKey,
  ApiKeyRecord,
  Credits,
  CreditsRefill,
  Identity,
  RateLimitResult,
  UsageBucket,
  VerificationOutcome,
  VerificationRequest,
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

function toLimitResult(value: Row): RateLimitResult {
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

/** One result row of the verification functions. */
export function toVerificationOutcome(row: Row): VerificationOutcome {
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
    limits: ((row.limits ?? []) as Row[]).map(toLimitResult),
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
