// Named rate limits (GCRA) and refilling credits: the exact arithmetic the SQL functions vx_gcra and
// vx_credits_last_refill (migration 015) implement, here for the in-memory store and for documentation by example.

/** A named limit of a key or identity: `limit` units per `duration_ms`, checked on every verification when `auto_apply`. */
export interface RateLimitConfig {
  name: string;
  limit: number;
  duration_ms: number;
  auto_apply: boolean;
}

/** As given to create or update: `auto_apply` defaults to false (the limit applies when a verification names it). */
export type RateLimitInput = Omit<RateLimitConfig, "auto_apply"> & { auto_apply?: boolean };

export const REFILL_INTERVALS = ["daily", "monthly"] as const;
export type RefillInterval = (typeof REFILL_INTERVALS)[number];

export interface CreditsRefill {
  interval: RefillInterval;
  /** `remaining` is set to this at each refill. */
  amount: number;
  /** Monthly only: day of the month, 1 (default) to 31; the month's last day when it is shorter. */
  refill_day?: number;
}

export interface Credits {
  remaining: number;
  refill?: CreditsRefill;
}

/** One limit as a verification or `RateLimiter.limit` left it. */
export interface RateLimitResult {
  name: string;
  /** Whose limit it is: the key's, its identity's (shared by all its keys), or the hourly `rate_limit`. */
  source: "key" | "identity" | "rate_limit";
  limit: number;
  duration_ms: number;
  /** How many more cost-1 requests would pass now. */
  remaining: number;
  /** When the limit is fully available again, Unix milliseconds. */
  reset: number;
  /** This limit refused the request. */
  exceeded: boolean;
  /** On a refusal: the earliest moment the same request would pass, Unix milliseconds. */
  retryAt?: number;
}

/** GCRA state: the theoretical arrival time multiplied by the limit it was computed under, so it is an integer. */
export interface GcraState {
  tat: bigint;
  limit: number;
}

export interface GcraDecision {
  allowed: boolean;
  /** The state to keep if the request is counted. */
  state: GcraState;
  remaining: number;
  reset: number;
  retryAt?: number;
}

const ceilDiv = (a: bigint, b: bigint) => (a >= 0n ? (a + b - 1n) / b : a / b);
const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/**
 * GCRA: a request of `cost` at `nowMs` passes iff max(TAT, now) + cost × duration / limit − now ≤ duration. In any
 * interval of length t at most limit + t × limit / duration units pass: a full burst of `limit`, then one unit every
 * duration / limit. Integer arithmetic throughout (TAT is kept × limit), so there is no rounding error at all.
 */
export function gcra(
  state: GcraState | null,
  limit: number,
  durationMs: number,
  cost: number,
  nowMs: number,
): GcraDecision {
  const L = BigInt(limit);
  const T = BigInt(durationMs);
  const now = BigInt(nowMs) * L;
  const cap = T * L;
  let tat = now;
  if (state) tat = state.limit === limit ? state.tat : ceilDiv(state.tat * L, BigInt(state.limit));
  if (tat < now) tat = now;
  const next = tat + BigInt(cost) * T;
  const allowed = next - now <= cap;
  const kept = allowed ? next : tat;
  return { allowed, state: { tat: kept, limit }, ...gcraReport(kept, limit, durationMs, cost, nowMs, allowed) };
}

/**
 * What a limit reports once a request left its TAT at `kept` (× limit, as in GcraState): the part of gcra() after
 * the decision. The SQL verification returns each limit's TAT and whether it refused, and the adapters call this,
 * so both stores report with the same arithmetic. `cost` matters only on a refusal, for `retryAt`.
 */
export function gcraReport(
  kept: bigint,
  limit: number,
  durationMs: number,
  cost: number,
  nowMs: number,
  allowed: boolean,
): Pick<GcraDecision, "remaining" | "reset" | "retryAt"> {
  const L = BigInt(limit);
  const T = BigInt(durationMs);
  const now = BigInt(nowMs) * L;
  const cap = T * L;
  const remaining = floorDiv(cap - (kept - now), T);
  const report: Pick<GcraDecision, "remaining" | "reset" | "retryAt"> = {
    remaining: Number(remaining < 0n ? 0n : remaining),
    reset: Number(ceilDiv(kept, L)),
  };
  // Refused, `kept` is the TAT before the request: it passes once now reaches kept + cost × T − cap (÷ limit).
  if (!allowed) report.retryAt = Number(ceilDiv(kept + BigInt(cost) * T - cap, L));
  return report;
}

/** Midnight UTC of `day` in the month (month may overflow), or of the month's last day when it is shorter. */
function monthlyOn(year: number, month: number, day: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(day, lastDay));
}

/** The latest refill moment at or before `now` (UTC midnight; monthly on `refill_day`, clamped to the month). */
export function lastRefill(refill: CreditsRefill, now: Date): Date {
  const [year, month] = [now.getUTCFullYear(), now.getUTCMonth()];
  if (refill.interval === "daily") return new Date(Date.UTC(year, month, now.getUTCDate()));
  const thisMonth = monthlyOn(year, month, refill.refill_day ?? 1);
  return new Date(thisMonth <= now.getTime() ? thisMonth : monthlyOn(year, month - 1, refill.refill_day ?? 1));
}

/** The next refill after `now`: when spent credits come back. */
export function nextRefill(refill: CreditsRefill, now: Date): Date {
  const last = lastRefill(refill, now);
  if (refill.interval === "daily") return new Date(last.getTime() + 86_400_000);
  return new Date(monthlyOn(last.getUTCFullYear(), last.getUTCMonth() + 1, refill.refill_day ?? 1));
}

/** Credits after a refill that is due (applied lazily, at the next verification or change). */
export function creditsNow(
  remaining: number,
  refill: CreditsRefill | undefined,
  refilledAt: Date | null,
  now: Date,
): number {
  if (!refill) return remaining;
  if (refilledAt === null || refilledAt.getTime() < lastRefill(refill, now).getTime()) return refill.amount;
  return remaining;
}
