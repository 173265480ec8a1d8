/** An API key as GET /v1/api-keys answers it (snake_case, as on the wire). */

/** A named limit: at most `limit` requests per `duration_ms` window (GCRA). */
export interface RateLimitConfig {
  name: string;
  limit: number;
  duration_ms: number;
  /** Checked on every verification; otherwise only when a verification names it. */
  auto_apply: boolean;
}

export interface CreditsRefill {
  interval: "daily" | "monthly";
  /** `remaining` is set to this at each refill. */
  amount: number;
  /** Monthly only: the day of the month (the API's default is 1). */
  refill_day?: number;
}

export interface Credits {
  remaining: number;
  refill?: CreditsRefill;
}

export interface ApiKey {
  id: string;
  name: string;
  key_prefix: string;
  last_used_at: string | null;
  expires_at: string | null;
  rate_limit: number | null;
  usage_quota: number | null;
  usage_count: number;
  enabled: boolean;
  scopes: string[];
  created_at: string;
  ratelimits: RateLimitConfig[];
  /** Null: unlimited. */
  credits: Credits | null;
  meta: Record<string, unknown> | null;
  /** The identity (customer) whose limits and credits the key shares; null: none. */
  identity_id: string | null;
}

/** One of your customers (GET /v1/identities): its named limits and credits are shared by all its keys. */
export interface Identity {
  id: string;
  external_id: string;
  meta: Record<string, unknown> | null;
  ratelimits: RateLimitConfig[];
  credits: Credits | null;
  created_at: string;
  updated_at: string;
}
