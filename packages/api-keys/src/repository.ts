// ApiKeyRepository: the port every storage adapter implements (Postgres, PGlite, Supabase, in-memory).
import type { Credits, CreditsRefill, RateLimitConfig, RateLimitResult } from "./limits.js";
import type {
  ApiKey,
  ApiKeyRecord,
  Identity,
  JsonObject,
  OutcomeCounts,
  VerifiedIdentity,
  VerifyCode,
} from "./types.js";

/** A row to insert; the store assigns `id`, counters and `updated_at`. */
export interface NewApiKeyRecord {
  user_id: string;
  name: string;
  key_prefix: string;
  key_hash: string;
  expires_at: Date | null;
  rate_limit: number | null;
  usage_quota: number | null;
  scopes: string[];
  created_at: Date;
  meta: JsonObject | null;
  ratelimits: RateLimitConfig[];
  /** Refills count from `created_at`. */
  credits: Credits | null;
  identity_id: string | null;
}

/** Columns a user may change; absent fields stay as they are. */
export interface ApiKeyChanges {
  name?: string;
  expires_at?: Date | null;
  rate_limit?: number | null;
  usage_quota?: number | null;
  enabled?: boolean;
  scopes?: string[];
  meta?: JsonObject | null;
  /** Replaces every named limit (their state too, for limits whose name is gone). */
  ratelimits?: RateLimitConfig[];
  /** Replaces the credits; a refill then counts from `credits_set_at`. */
  credits?: Credits | null;
  credits_set_at?: Date;
  identity_id?: string | null;
}

/** The new key of a rotation. */
export interface KeyReplacement {
  key_prefix: string;
  key_hash: string;
  /** The rotation time: the new key's `created_at`. */
  now: Date;
  /** The old key expires at this time, or earlier if it already did. */
  retire_at: Date;
}

export interface RotationResult {
  previous: ApiKeyRecord;
  current: ApiKeyRecord;
}

/** One verification inside a batch. */
export interface VerificationRequest {
  keyHash: string;
  /** Concrete required scopes (already validated). */
  scopes: readonly string[];
  /** Non-negative integer. */
  cost: number;
  /** Named limits to check besides the auto-applied ones (validated names). */
  ratelimits?: readonly { name: string; cost?: number }[];
}

export interface VerificationOutcome {
  code: Exclude<VerifyCode, "MALFORMED">;
  /** The key after this request (its `usage_count` includes it when VALID); null for NOT_FOUND. */
  key: ApiKey | null;
  /** Requests counted in the current hour after this one when the key has a rate limit; otherwise null. */
  windowCount: number | null;
  /** Start of the next hour. */
  windowReset: Date;
  /** The named limits checked (key's, then identity's), each as the request left it; [] when none. */
  limits: RateLimitResult[];
  /** The key's identity with its credits after this request, or null. */
  identity: (VerifiedIdentity & { credits_refill: CreditsRefill | null }) | null;
}

export interface UsageBucket {
  /** Start of the hour (UTC). */
  hour: Date;
  requests: number;
  outcomes: OutcomeCounts;
}

/** A change of how credits refill, by their owner: the remaining count is kept (after a refill that is due). */
export interface CreditsRefillChange {
  /** The new rule; null stops refilling. */
  refill: CreditsRefill | null;
  now: Date;
  /** Whose credits: a key's (default) or an identity's. */
  target?: "key" | "identity";
}

/** A change of credits by their owner: applied after any refill that is due, never below 0. */
export interface CreditsChange {
  op: "set" | "increment" | "decrement";
  amount: number;
  now: Date;
  /** Whose credits: a key's (default) or an identity's. */
  target?: "key" | "identity";
}

export interface NewIdentityRecord {
  user_id: string;
  external_id: string;
  meta: JsonObject | null;
  ratelimits: RateLimitConfig[];
  credits: Credits | null;
  created_at: Date;
}

export interface IdentityChanges {
  meta?: JsonObject | null;
  ratelimits?: RateLimitConfig[];
  credits?: Credits | null;
  credits_set_at?: Date;
}

/**
 * Where a key stands in the newest-first order of `listApiKeysPage`: its `created_at` as exact ISO text (to the
 * microsecond, as Postgres holds it; a Date would lose the microseconds and skip or repeat keys) and its id.
 */
export interface KeyPosition {
  created_at: string;
  id: string;
}

export interface KeyListOptions {
  limit: number;
  /** Only keys after this position: the keyset of the next page. */
  after?: KeyPosition;
  /** Only this identity's keys. */
  identityId?: string;
}

export interface PositionedKey {
  key: ApiKeyRecord;
  position: KeyPosition;
}

/**
 * Which of an owner's identities to list, in `external_id` order (the owner's unique key, so the order is stable
 * and a page boundary is exact). Without options: all of them.
 */
export interface IdentityListOptions {
  /** Only the identity with this external id (at most one). */
  externalId?: string;
  /** Only those whose external id sorts after this one: the keyset of the next page. */
  after?: string;
  limit?: number;
}

export interface UsageRange {
  /** Inclusive hour start. */
  from: Date;
  /** Exclusive. */
  to: Date;
}

/**
 * Storage of API keys. Methods that take an optional `userId` restrict to that owner and answer
 * null/false for anyone else's key, so ownership is checked in the same statement as the work.
 */
export interface ApiKeyRepository {
  createApiKey(data: NewApiKeyRecord): Promise<ApiKeyRecord>;
  getApiKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  getApiKeyById(id: string, userId?: string): Promise<ApiKeyRecord | null>;
  /** Newest first. */
  getApiKeysByUserId(userId: string): Promise<ApiKeyRecord[]>;
  /**
   * Up to `limit` of the owner's keys after `after`, newest first, each with its position, read in the database
   * (an owner with a key per customer may have a great many). Optional for repositories written before it: the
   * service then pages `getApiKeysByUserId` in memory.
   */
  listApiKeysPage?(userId: string, options: KeyListOptions): Promise<PositionedKey[]>;
  updateApiKey(id: string, changes: ApiKeyChanges, userId?: string): Promise<ApiKeyRecord | null>;
  /** Counts usage unconditionally (no limits checked): `usage_count`, `last_used_at` and the hour bucket. */
  updateApiKeyUsage(id: string, usage?: { cost?: number; at?: Date }): Promise<ApiKeyRecord | null>;
  deleteApiKey(id: string, userId?: string): Promise<boolean>;
  /**
   * Hourly buckets with requests in the range (default: all), oldest first. Buckets outlive their key (usage
   * is kept forever).
   */
  getApiKeyUsageStats(id: string, range?: UsageRange, userId?: string): Promise<UsageBucket[]>;
  /**
   * The hour buckets of several keys (an identity's), summed per hour, oldest first. Optional for repositories
   * written before it: the service then sums `getApiKeyUsageStats` of each key.
   */
  getKeysUsageStats?(ids: readonly string[], range?: UsageRange, userId?: string): Promise<UsageBucket[]>;
  /** Issues the replacement with the old key's settings and shortens the old key's life, atomically. */
  rotateApiKey(id: string, replacement: KeyReplacement, userId?: string): Promise<RotationResult | null>;
  /**
   * Verifies and counts a batch atomically, in order: for each request the checks run in the order of
   * `VERIFY_CODES`, and only VALID requests add to `usage_count`, the hour bucket and `last_used_at`, spend
   * credits and advance named limits (the key's and its identity's). Every request, whatever its outcome, is
   * counted in the hour bucket's outcomes. Exact under any concurrency. One outcome per request, same order.
   */
  verifyApiKeys(requests: readonly VerificationRequest[], now: Date): Promise<VerificationOutcome[]>;
  /**
   * Changes a key's credits atomically with verifications (a due refill first). The remaining credits after it,
   * or null when the key does not exist or is not the user's. A key without credits starts from 0.
   */
  changeCredits(id: string, change: CreditsChange, userId?: string): Promise<number | null>;
  /**
   * Changes only how a key's credits refill, atomically with verifications: the refill due under the old rule
   * first, the remaining count kept, the new rule counted from `now`. The remaining credits, or null when the key
   * does not exist, is not the user's or has no credits.
   */
  changeCreditsRefill(id: string, change: CreditsRefillChange, userId?: string): Promise<number | null>;
  /** Null when the owner already has an identity with this external id. */
  createIdentity(data: NewIdentityRecord): Promise<Identity | null>;
  getIdentity(id: string, userId?: string): Promise<Identity | null>;
  /** In `external_id` order (the database's collation), filtered and bounded by `options`. */
  listIdentities(userId: string, options?: IdentityListOptions): Promise<Identity[]>;
  updateIdentity(id: string, changes: IdentityChanges, userId?: string): Promise<Identity | null>;
  /** Its keys stay, without an identity. */
  deleteIdentity(id: string, userId?: string): Promise<boolean>;
}
