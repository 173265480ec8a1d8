// The verification decision for one request against a key's current counters. The SQL functions
// `vx_api_key_verify_batch` and `vx_api_key_verify` (migration 015) implement the same rules; the contract suite
// holds them to it.
import type { VerificationOutcome } from "./repository.js";
import { scopesAllow } from "./scopes.js";
import type { ApiKey } from "./types.js";

type KeyLimits = Pick<ApiKey, "enabled" | "expires_at" | "usage_quota" | "rate_limit" | "scopes">;

export interface Counters {
  /** `usage_count` before this request. */
  used: number;
  /** Requests counted in the current hour before this request. */
  window: number;
  /** Credits left before this request (after any due refill); null or absent when unlimited. */
  credits?: number | null;
}

/** The first failing check, in the documented order, or VALID. */
export function decideVerification(
  key: KeyLimits,
  counters: Counters,
  request: { scopes: readonly string[]; cost: number },
  now: Date,
): VerificationOutcome["code"] {
  if (!key.enabled) return "DISABLED";
  if (key.expires_at !== null && key.expires_at.getTime() <= now.getTime()) return "EXPIRED";
  if (key.usage_quota !== null && counters.used + request.cost > key.usage_quota) return "USAGE_EXCEEDED";
  if (counters.credits != null && counters.credits < request.cost) return "USAGE_EXCEEDED";
  if (key.rate_limit !== null && counters.window + request.cost > key.rate_limit) return "RATE_LIMITED";
  if (!scopesAllow(key.scopes, request.scopes)) return "INSUFFICIENT_SCOPE";
  return "VALID";
}
