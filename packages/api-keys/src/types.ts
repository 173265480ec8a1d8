// The data of @vx/api-keys, snake_case where it mirrors the `api_keys` columns.
import type { Credits, CreditsRefill, RateLimitConfig, RateLimitInput, RateLimitResult } from "./limits.js";

/** A JSON object (`meta`): at most MAX_META_BYTES as JSON. */
export type JsonObject = { [key: string]: unknown };

/** An API key as users see it: every column except the hash. */
export interface ApiKey {
  id: string;
  user_id: string;
  name: string;
  /** The first 10 characters of the key (`vx_` + 7), to tell keys apart. */
  key_prefix: string;
  last_used_at: Date | null;
  expires_at: Date | null;
  /** Requests per clock hour (UTC); null is unlimited. */
  rate_limit: number | null;
  /** Total requests over the key's life; null is unlimited. */
  usage_quota: number | null;
  usage_count: number;
  enabled: boolean;
  scopes: string[];
  created_at: Date;
  updated_at: Date;
  /** Free JSON returned by every verification (plan, tenant…), so a service needs no second lookup. */
  meta: JsonObject | null;
  /** Named limits of any window (GCRA), besides the hourly `rate_limit`. */
  ratelimits: RateLimitConfig[];
  /** Credits spent by `cost`, optionally refilled daily or monthly; null is unlimited. */
  credits: Credits | null;
  /** The identity whose limits and credits this key shares with its other keys. */
  identity_id: string | null;
}

/** One customer with many keys: its limits and credits are shared by all of them, checked with each key's own. */
export interface Identity {
  id: string;
  user_id: string;
  /** Your id for the customer, unique per owner. */
  external_id: string;
  meta: JsonObject | null;
  ratelimits: RateLimitConfig[];
  credits: Credits | null;
  created_at: Date;
  updated_at: Date;
}

export interface CreateIdentityInput {
  user_id: string;
  external_id: string;
  meta?: JsonObject | null;
  ratelimits?: RateLimitInput[];
  credits?: Credits | null;
}

/** The external id stays: it is how your systems name the customer. */
export interface UpdateIdentityInput {
  meta?: JsonObject | null;
  ratelimits?: RateLimitInput[];
  /** As for a key: whole credits, null, or `{ refill }` alone. */
  credits?: Credits | RefillOnly | null;
}

/** A stored row: the public key plus its SHA-256 hash. Only repositories and the service see this. */
export interface ApiKeyRecord extends ApiKey {
  key_hash: string;
}

/** Input of `createApiKey`, exactly as the specification shows it. */
export interface CreateApiKeyInput {
  user_id: string;
  name: string;
  expires_in_days?: number | null;
  rate_limit?: number | null;
  usage_quota?: number | null;
  scopes?: string[];
  meta?: JsonObject | null;
  ratelimits?: RateLimitInput[];
  credits?: Credits | null;
  identity_id?: string | null;
}

/** What a user may change on a key. `null` clears a limit or the expiry. */
export interface UpdateApiKeyInput {
  name?: string;
  expires_at?: Date | null;
  /** Sets `expires_at` to now + days; cannot be combined with `expires_at`. */
  expires_in_days?: number | null;
  rate_limit?: number | null;
  usage_quota?: number | null;
  enabled?: boolean;
  scopes?: string[];
  meta?: JsonObject | null;
  /** Replaces every named limit. */
  ratelimits?: RateLimitInput[];
  /**
   * Replaces the credits (remaining and refill); null makes them unlimited. `{ refill }` alone changes only how
   * they refill (null: no more refills) and keeps the remaining count, atomically with verifications.
   */
  credits?: Credits | RefillOnly | null;
  identity_id?: string | null;
}

/** A change of the credits' refill alone: the remaining count is kept. */
export interface RefillOnly {
  refill: CreditsRefill | null;
}

/** The plain key appears here and in `RotatedApiKey` only: it is never stored. */
export interface CreatedApiKey {
  apiKey: ApiKey;
  plainKey: string;
}

export interface RotatedApiKey extends CreatedApiKey {
  /** The old key, now expiring at the end of the grace period. */
  previous: ApiKey;
}

export interface RotateOptions {
  /** How long the old key keeps working, 0 (default) to 720 hours. */
  gracePeriodHours?: number;
}

/** Every answer of `verifyApiKey`, checked in this order. Only `VALID` counts toward quota and rate limit. */
export const VERIFY_CODES = [
  "VALID",
  "MALFORMED",
  "NOT_FOUND",
  "DISABLED",
  "EXPIRED",
  "USAGE_EXCEEDED",
  "RATE_LIMITED",
  "INSUFFICIENT_SCOPE",
] as const;
export type VerifyCode = (typeof VERIFY_CODES)[number];

export interface VerifyOptions {
  /** Concrete `resource:action` scopes the caller needs; all must be granted. */
  scopes?: readonly string[];
  /** Units to charge against quota, credits and rate limits; default 1, 0 checks without counting. */
  cost?: number;
  /**
   * Named limits to check besides the auto-applied ones, each with its own cost (default: `cost`). A name that
   * neither the key nor its identity has is ignored.
   */
  ratelimits?: readonly { name: string; cost?: number }[];
}

/** The most restrictive limit (the fewest requests left): what the RateLimit-* headers report. */
export interface RateLimitState {
  /** Requests allowed in the limit's window (the clock hour for `rate_limit`). */
  limit: number;
  /** Requests left, after this one. */
  remaining: number;
  /** When the limit is fully available again (the next full hour for `rate_limit`), in Unix milliseconds. */
  reset: number;
}

/** The identity of a verified key, as the verification read it. */
export interface VerifiedIdentity {
  id: string;
  external_id: string;
  meta: JsonObject | null;
  /** Credits left after this request; absent when unlimited. */
  credits?: number;
}

export interface VerifyResult {
  valid: boolean;
  code: VerifyCode;
  /** Present whenever the key exists (every code except MALFORMED and NOT_FOUND). */
  key?: ApiKey;
  /** Quota left after this request; absent when the quota is unlimited. */
  remaining?: number;
  /** Present when any rate limit applied: the one that refused, else the most restrictive. */
  ratelimit?: RateLimitState;
  /** Every limit checked (the hourly `rate_limit` included), each with its state; a refusal names its limit. */
  ratelimits?: RateLimitResult[];
  /** The key's credits left after this request; absent when unlimited. */
  credits?: number;
  /** The key's meta (present whenever the key exists). */
  meta?: JsonObject | null;
  identity?: VerifiedIdentity;
  /**
   * On RATE_LIMITED and USAGE_EXCEEDED: the earliest moment worth asking again, the start of the next hour in Unix
   * milliseconds (the same instant as `ratelimit.reset`). For USAGE_EXCEEDED it is a back-off hint, not a promise:
   * the quota is lifetime, so only an owner raising `usage_quota` meanwhile (or another key) helps.
   */
  retryAt?: number;
}

/** Verifications of an hour by outcome (NOT_FOUND and MALFORMED have no key to count them against). */
export interface OutcomeCounts {
  valid: number;
  rate_limited: number;
  usage_exceeded: number;
  disabled: number;
  expired: number;
  insufficient_scope: number;
}

export interface UsagePoint {
  /** Start of the hour (UTC). */
  hour: Date;
  /** Units counted (the sum of VALID verifications' costs). */
  requests: number;
  outcomes: OutcomeCounts;
}

export interface StatsRange {
  /** Inclusive; rounded down to the hour. Default: 23 hours before the current hour. */
  from?: Date;
  /** Inclusive; rounded down to the hour. Default: the current hour. */
  to?: Date;
}

/** An identity's usage: its keys' hour buckets summed (`getIdentityStats`). */
export interface IdentityStats {
  identity_id: string;
  external_id: string;
  /** The keys it has now, whose usage is summed. */
  key_ids: string[];
  /** Successful verifications over those keys' lives (their `usage_count`s). */
  total_requests: number;
  requests_this_hour: number;
  /** One point per hour from `from` to `to`, zeros included. */
  series: UsagePoint[];
}

export interface ApiKeyStats {
  key_id: string;
  /** Successful verifications over the key's life (`usage_count`). */
  total_requests: number;
  usage_quota: number | null;
  /** Quota left; null when unlimited. */
  remaining_quota: number | null;
  last_used_at: Date | null;
  rate_limit: number | null;
  requests_this_hour: number;
  /** Start of the next hour: when `requests_this_hour` starts again from 0. */
  rate_limit_reset: Date;
  /** One point per hour from `from` to `to`, zeros included. */
  series: UsagePoint[];
}
