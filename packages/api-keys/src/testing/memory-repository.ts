// MemoryApiKeyRepository: the repository port in process memory, for unit tests and as the reference the contract suite describes.
import { randomUUID } from "node:crypto";
import { addHours, hourStart } from "../hours.js";
import { creditsNow, type GcraState, gcra, lastRefill, type RateLimitResult } from "../limits.js";
import type {
  ApiKeyChanges,
  ApiKeyRepository,
  CreditsChange,
  KeyReplacement,
  NewApiKeyRecord,
  RotationResult,
  UsageBucket,
  UsageRange,
  VerificationOutcome,
  VerificationRequest,
} from "../repository.js";
import type { ApiKeyRecord, OutcomeCounts } from "../types.js";
import { decideVerification } from "../verification.js";

interface Bucket {
  user_id: string;
  requests: number;
  outcomes: OutcomeCounts;
}

/** What the SQL store keeps beside the public columns: credits_refilled_at and the GCRA state per limit. */
interface Hidden {
  refilledAt: Date | null;
  state: Map<string, GcraState>;
}

const OUTCOME_FIELD = {
  VALID: "valid",
  RATE_LIMITED: "rate_limited",
  USAGE_EXCEEDED: "usage_exceeded",
  DISABLED: "disabled",
  EXPIRED: "expired",
  INSUFFICIENT_SCOPE: "insufficient_scope",
} as const;

export interface MemoryApiKeyRepositoryOptions {
  /** Stamps `updated_at` on setting changes; default the system clock. */
  now?: () => Date;
}

/**
 * Every method runs synchronously between awaits, so each is atomic: the in-memory analogue of the
 * row lock the SQL function takes.
 */
export class MemoryApiKeyRepository implements ApiKeyRepository {
  private readonly keys = new Map<string, ApiKeyRecord>();
  /** key id → hour start (ms) → bucket. Kept after the key is deleted, as the SQL table keeps them. */
  private readonly buckets = new Map<string, Map<number, Bucket>>();
  private readonly hidden = new Map<string, Hidden>();
  private readonly now: () => Date;

  constructor(options: MemoryApiKeyRepositoryOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async createApiKey(data: NewApiKeyRecord): Promise<ApiKeyRecord> {
    for (const key of this.keys.values()) {
      if (key.key_hash === data.key_hash) throw new Error("duplicate key_hash");
    }
    const record: ApiKeyRecord = {
      id: randomUUID(),
      user_id: data.user_id,
      name: data.name,
      key_prefix: data.key_prefix,
      key_hash: data.key_hash,
      last_used_at: null,
      expires_at: data.expires_at,
      rate_limit: data.rate_limit,
      usage_quota: data.usage_quota,
      usage_count: 0,
      enabled: true,
      scopes: [...data.scopes],
      created_at: data.created_at,
      updated_at: data.created_at,
      meta: data.meta,
      ratelimits: data.ratelimits.map((l) => ({ ...l })),
      credits: data.credits,
      identity_id: data.identity_id,
    };
    this.keys.set(record.id, record);
    this.hidden.set(record.id, { refilledAt: data.created_at, state: new Map() });
    return copy(record);
  }

  async getApiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const found = this.findByHash(hash);
    return found ? copy(found) : null;
  }

  async getApiKeyById(id: string, userId?: string): Promise<ApiKeyRecord | null> {
    const found = this.owned(id, userId);
    return found ? copy(found) : null;
  }

  async getApiKeysByUserId(userId: string): Promise<ApiKeyRecord[]> {
    return [...this.keys.values()]
      .filter((k) => k.user_id === userId)
      .sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? 1 : -1))
      .map(copy);
  }

  async updateApiKey(id: string, changes: ApiKeyChanges, userId?: string): Promise<ApiKeyRecord | null> {
    const key = this.owned(id, userId);
    if (!key) return null;
    if (Object.keys(changes).length === 0) return copy(key);
    const { credits_set_at, ...settings } = changes;
    Object.assign(key, settings, changes.scopes ? { scopes: [...changes.scopes] } : {});
    if (changes.ratelimits) key.ratelimits = changes.ratelimits.map((l) => ({ ...l }));
    if (credits_set_at) this.hidden.get(key.id)!.refilledAt = credits_set_at;
    key.updated_at = this.now();
    return copy(key);
  }

  async updateApiKeyUsage(id: string, usage: { cost?: number; at?: Date } = {}): Promise<ApiKeyRecord | null> {
    const key = this.keys.get(id);
    if (!key) return null;
    const at = usage.at ?? this.now();
    this.count(key, usage.cost ?? 1, at);
    return copy(key);
  }

  async deleteApiKey(id: string, userId?: string): Promise<boolean> {
    const key = this.owned(id, userId);
    return key ? this.keys.delete(key.id) : false;
  }

  async getApiKeyUsageStats(id: string, range?: UsageRange, userId?: string): Promise<UsageBucket[]> {
    const hours = this.buckets.get(id);
    if (!hours) return [];
    const from = range?.from.getTime() ?? Number.NEGATIVE_INFINITY;
    const to = range?.to.getTime() ?? Number.POSITIVE_INFINITY;
    return [...hours.entries()]
      .filter(([hour, b]) => hour >= from && hour < to && (!userId || b.user_id === userId))
      .sort(([a], [b]) => a - b)
      .map(([hour, b]) => ({ hour: new Date(hour), requests: b.requests, outcomes: { ...b.outcomes } }));
  }

  async rotateApiKey(id: string, replacement: KeyReplacement, userId?: string): Promise<RotationResult | null> {
    const old = this.owned(id, userId);
    if (!old) return null;
    const lifetime = old.expires_at === null ? null : old.expires_at.getTime() - old.created_at.getTime();
    const current = await this.createApiKey({
      user_id: old.user_id,
      name: old.name,
      key_prefix: replacement.key_prefix,
      key_hash: replacement.key_hash,
      expires_at: lifetime === null ? null : new Date(replacement.now.getTime() + lifetime),
      rate_limit: old.rate_limit,
      usage_quota: old.usage_quota,
      scopes: old.scopes,
      created_at: replacement.now,
      meta: old.meta,
      ratelimits: old.ratelimits,
      credits: old.credits,
      identity_id: old.identity_id,
    });
    this.hidden.get(current.id)!.refilledAt = this.hidden.get(old.id)!.refilledAt;
    const retireAt = replacement.retire_at;
    if (old.expires_at === null || old.expires_at.getTime() > retireAt.getTime()) {
      old.expires_at = retireAt;
      old.updated_at = this.now();
    }
    return { previous: copy(old), current };
  }

  async verifyApiKeys(requests: readonly VerificationRequest[], now: Date): Promise<VerificationOutcome[]> {
    const hour = hourStart(now);
    const windowReset = addHours(hour, 1);
    return requests.map((request) => {
      const key = this.findByHash(request.keyHash);
      if (!key) return { code: "NOT_FOUND", key: null, windowCount: null, windowReset, limits: [], identity: null };
      const hidden = this.hidden.get(key.id)!;
      const window = this.buckets.get(key.id)?.get(hour.getTime())?.requests ?? 0;
      const credits = key.credits && creditsNow(key.credits.remaining, key.credits.refill, hidden.refilledAt, now);
      let code = decideVerification(key, { used: key.usage_count, window, credits }, request, now);
      let limits: RateLimitResult[] = [];
      let states: Map<string, GcraState> | undefined;
      if (code === "VALID" || code === "INSUFFICIENT_SCOPE") {
        const checked = checkLimits(key.ratelimits, hidden.state, request, now);
        limits = checked.results;
        if (!checked.allowed) code = "RATE_LIMITED";
        states = checked.states;
      }
      if (code === "VALID") {
        this.count(key, request.cost, now);
        if (credits !== null && key.credits) {
          key.credits = { ...key.credits, remaining: credits - request.cost };
          if (key.credits.refill) hidden.refilledAt = maxDate(hidden.refilledAt, lastRefill(key.credits.refill, now));
        }
        for (const [name, state] of states ?? []) hidden.state.set(name, state);
      }
      this.countOutcome(key, code, now);
      const windowCount =
        key.rate_limit === null ? null : (this.buckets.get(key.id)?.get(hour.getTime())?.requests ?? 0);
      const shown = copy(key);
      if (code !== "VALID" && shown.credits && credits !== null) shown.credits.remaining = credits;
      return { code, key: shown, windowCount, windowReset, limits, identity: null };
    });
  }

  async changeCredits(id: string, change: CreditsChange, userId?: string): Promise<number | null> {
    const key = this.owned(id, userId);
    if (!key) return null;
    const hidden = this.hidden.get(key.id)!;
    const current = key.credits
      ? creditsNow(key.credits.remaining, key.credits.refill, hidden.refilledAt, change.now)
      : 0;
    const next =
      change.op === "set"
        ? change.amount
        : change.op === "increment"
          ? current + change.amount
          : current - change.amount;
    key.credits = { ...(key.credits ?? {}), remaining: Math.max(0, next) };
    if (key.credits.refill) hidden.refilledAt = maxDate(hidden.refilledAt, lastRefill(key.credits.refill, change.now));
    return key.credits.remaining;
  }

  private countOutcome(key: ApiKeyRecord, code: VerificationOutcome["code"], at: Date): void {
    if (code === "NOT_FOUND") return;
    this.bucket(key, at).outcomes[OUTCOME_FIELD[code]]++;
  }

  private bucket(key: ApiKeyRecord, at: Date): Bucket {
    const hours = this.buckets.get(key.id) ?? new Map<number, Bucket>();
    this.buckets.set(key.id, hours);
    const hour = hourStart(at).getTime();
    const bucket = hours.get(hour) ?? { user_id: key.user_id, requests: 0, outcomes: zeroOutcomes() };
    hours.set(hour, bucket);
    return bucket;
  }

  private count(key: ApiKeyRecord, cost: number, at: Date): void {
    key.usage_count += cost;
    if (key.last_used_at === null || key.last_used_at.getTime() < at.getTime()) key.last_used_at = at;
    if (cost === 0) return;
    this.bucket(key, at).requests += cost;
  }

  private findByHash(hash: string): ApiKeyRecord | undefined {
    for (const key of this.keys.values()) if (key.key_hash === hash) return key;
    return undefined;
  }

  private owned(id: string, userId: string | undefined): ApiKeyRecord | undefined {
    const key = this.keys.get(id);
    return key && (!userId || key.user_id === userId) ? key : undefined;
  }
}

function copy(record: ApiKeyRecord): ApiKeyRecord {
  return {
    ...record,
    scopes: [...record.scopes],
    ratelimits: record.ratelimits.map((l) => ({ ...l })),
    credits: record.credits && { ...record.credits },
  };
}

function zeroOutcomes(): OutcomeCounts {
  return { valid: 0, rate_limited: 0, usage_exceeded: 0, disabled: 0, expired: 0, insufficient_scope: 0 };
}

function maxDate(a: Date | null, b: Date): Date {
  return a === null || a.getTime() < b.getTime() ? b : a;
}

/** The key's auto-applied limits and those the request names, as vx_check_ratelimits decides them. */
function checkLimits(
  config: ApiKeyRecord["ratelimits"],
  state: Map<string, GcraState>,
  request: VerificationRequest,
  now: Date,
) {
  const named = new Map((request.ratelimits ?? []).map((r) => [r.name, r.cost]));
  const results: RateLimitResult[] = [];
  const states = new Map<string, GcraState>();
  let allowed = true;
  for (const limit of config) {
    if (!limit.auto_apply && !named.has(limit.name)) continue;
    const cost = named.get(limit.name) ?? request.cost;
    const g = gcra(state.get(limit.name) ?? null, limit.limit, limit.duration_ms, cost, now.getTime());
    allowed &&= g.allowed;
    states.set(limit.name, g.state);
    const result: RateLimitResult = {
      name: limit.name,
      source: "key",
      limit: limit.limit,
      duration_ms: limit.duration_ms,
      remaining: g.remaining,
      reset: g.reset,
      exceeded: !g.allowed,
    };
    if (g.retryAt !== undefined) result.retryAt = g.retryAt;
    results.push(result);
  }
  return { allowed, results, states };
}
