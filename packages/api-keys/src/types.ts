// The data of @vx/api-keys, snake_case where it mirrors the `api_keys` columns.

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
  /** Units to charge against quota and rate limit; default 1, 0 checks without counting. */
  cost?: number;
}

export interface RateLimitState {
  /** Requests allowed in the current clock hour. */
  limit: number;
  /** Requests left in the current clock hour, after this one. */
  remaining: number;
  /** When the window resets: the next full hour, in Unix milliseconds. */
  reset: number;
}

export interface VerifyResult {
  valid: boolean;
  code: VerifyCode;
  /** Present whenever the key exists (every code except MALFORMED and NOT_FOUND). */
  key?: ApiKey;
  /** Quota left after this request; absent when the quota is unlimited. */
  remaining?: number;
  /** Present when the key has a rate limit. */
  ratelimit?: RateLimitState;
  /**
   * On RATE_LIMITED and USAGE_EXCEEDED: the earliest moment worth asking again, the start of the next hour in Unix
   * milliseconds (the same instant as `ratelimit.reset`). For USAGE_EXCEEDED it is a back-off hint, not a promise:
   * the quota is lifetime, so only an owner raising `usage_quota` meanwhile (or another key) helps.
   */
  retryAt?: number;
}

export interface UsagePoint {
  /** Start of the hour (UTC). */
  hour: Date;
  requests: number;
}

export interface StatsRange {
  /** Inclusive; rounded down to the hour. Default: 23 hours before the current hour. */
  from?: Date;
  /** Inclusive; rounded down to the hour. Default: the current hour. */
  to?: Date;
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
