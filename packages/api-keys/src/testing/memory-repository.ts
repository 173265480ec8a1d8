// MemoryApiKeyRepository: the repository port in process memory, for unit tests and as the reference the contract suite describes.
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { addHours, hourStart } from "../hours.js";
import { type CreditsRefill, creditsNow, type GcraState, gcra, lastRefill, type RateLimitResult } from "../limits.js";
import type {
  ApiKeyChanges,
  ApiKeyRepository,
  CreditsChange,
  CreditsRefillChange,
  IdentityChanges,
  IdentityListOptions,
  KeyReplacement,
  NewApiKeyRecord,
  NewIdentityRecord,
  RotationResult,
  UsageBucket,
  UsageRange,
  VerificationOutcome,
  VerificationRequest,
} from "../repository.js";
import type { ApiKeyRecord, Identity, OutcomeCounts } from "../types.js";
import { decideVerification } from "../verification.js";
import { byteOrder } from "./text-order.js";

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
  /** By key or identity id. */
  private readonly hidden = new Map<string, Hidden>();
  private readonly identities = new Map<string, Identity>();
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
    if (changes.ratelimits) {
      key.ratelimits = changes.ratelimits.map((l) => ({ ...l }));
      keepStateOf(this.hidden.get(key.id)!, key.ratelimits);
    }
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
      const identity = key.identity_id === null ? undefined : this.identities.get(key.identity_id);
      const own = this.holder(key, now);
      const shared = identity && this.holder(identity, now);
      const window = this.buckets.get(key.id)?.get(hour.getTime())?.requests ?? 0;
      let code = decideVerification(key, { used: key.usage_count, window, credits: own.credits }, request, now);
      if (code !== "USAGE_EXCEEDED" && code !== "DISABLED" && code !== "EXPIRED" && shared?.credits != null) {
        if (shared.credits < request.cost) code = "USAGE_EXCEEDED";
      }
      const checks = [own, ...(shared ? [shared] : [])];
      let limits: RateLimitResult[] = [];
      if (code === "VALID" || code === "INSUFFICIENT_SCOPE") {
        const checked = checks.map((h) => checkLimits(h, request, now));
        limits = checked.flatMap((c) => c.results);
        if (checked.some((c) => !c.allowed)) code = "RATE_LIMITED";
        if (code === "VALID") {
          this.count(key, request.cost, now);
          for (const [i, c] of checked.entries()) spend(checks[i]!, c.states, request.cost, now);
        }
      }
      this.countOutcome(key, code, now);
      const windowCount =
        key.rate_limit === null ? null : (this.buckets.get(key.id)?.get(hour.getTime())?.requests ?? 0);
      const shown = copy(key);
      if (shown.credits) shown.credits.remaining = own.credits!;
      return {
        code,
        key: shown,
        windowCount,
        windowReset,
        limits,
        identity: identity ? verified(identity, shared!) : null,
      };
    });
  }

  async changeCredits(id: string, change: CreditsChange, userId?: string): Promise<number | null> {
    const holder = change.target === "identity" ? this.ownedIdentity(id, userId) : this.owned(id, userId);
    if (!holder) return null;
    const hidden = this.hidden.get(holder.id)!;
    const credits = holder.credits;
    const current = credits ? creditsNow(credits.remaining, credits.refill, hidden.refilledAt, change.now) : 0;
    const next =
      change.op === "set"
        ? change.amount
        : change.op === "increment"
          ? current + change.amount
          : current - change.amount;
    holder.credits = { ...(credits ?? {}), remaining: Math.max(0, next) };
    if (holder.credits.refill)
      hidden.refilledAt = maxDate(hidden.refilledAt, lastRefill(holder.credits.refill, change.now));
    return holder.credits.remaining;
  }

  async changeCreditsRefill(id: string, change: CreditsRefillChange, userId?: string): Promise<number | null> {
    const holder = change.target === "identity" ? this.ownedIdentity(id, userId) : this.owned(id, userId);
    if (!holder?.credits) return null;
    const hidden = this.hidden.get(holder.id)!;
    const remaining = creditsNow(holder.credits.remaining, holder.credits.refill, hidden.refilledAt, change.now);
    // updated_at means "settings last changed", as the tables' triggers keep it: the same rule again is no change.
    if (!sameRefill(holder.credits.refill ?? null, change.refill)) holder.updated_at = change.now;
    holder.credits = change.refill ? { remaining, refill: { ...change.refill } } : { remaining };
    hidden.refilledAt = change.now;
    return remaining;
  }

  async createIdentity(data: NewIdentityRecord): Promise<Identity | null> {
    for (const i of this.identities.values()) {
      if (i.user_id === data.user_id && i.external_id === data.external_id) return null;
    }
    const { created_at, ...rest } = data;
    const identity: Identity = { id: randomUUID(), ...rest, created_at, updated_at: created_at };
    this.identities.set(identity.id, identity);
    this.hidden.set(identity.id, { refilledAt: created_at, state: new Map() });
    return copyIdentity(identity);
  }

  async getIdentity(id: string, userId?: string): Promise<Identity | null> {
    const identity = this.ownedIdentity(id, userId);
    return identity ? copyIdentity(identity) : null;
  }

  async listIdentities(userId: string, options: IdentityListOptions = {}): Promise<Identity[]> {
    const { externalId, after, limit } = options;
    return [...this.identities.values()]
      .filter((i) => i.user_id === userId && (externalId === undefined || i.external_id === externalId))
      .filter((i) => after === undefined || byteOrder(i.external_id, after) > 0)
      .sort((a, b) => byteOrder(a.external_id, b.external_id))
      .slice(0, limit)
      .map(copyIdentity);
  }

  async updateIdentity(id: string, changes: IdentityChanges, userId?: string): Promise<Identity | null> {
    const identity = this.ownedIdentity(id, userId);
    if (!identity) return null;
    const { credits_set_at, ...settings } = changes;
    Object.assign(identity, settings);
    if (changes.ratelimits) keepStateOf(this.hidden.get(id)!, identity.ratelimits);
    if (credits_set_at) this.hidden.get(id)!.refilledAt = credits_set_at;
    identity.updated_at = this.now();
    return copyIdentity(identity);
  }

  async deleteIdentity(id: string, userId?: string): Promise<boolean> {
    if (!this.ownedIdentity(id, userId)) return false;
    for (const key of this.keys.values()) if (key.identity_id === id) key.identity_id = null;
    return this.identities.delete(id);
  }

  /** A key or identity with its credits as of `now` (a due refill applied, not yet stored). */
  private holder(owner: ApiKeyRecord | Identity, now: Date): Holder {
    const hidden = this.hidden.get(owner.id)!;
    const c = owner.credits;
    const credits = c ? creditsNow(c.remaining, c.refill, hidden.refilledAt, now) : null;
    return { owner, hidden, credits, source: "key_hash" in owner ? "key" : "identity" };
  }

  private ownedIdentity(id: string, userId: string | undefined): Identity | undefined {
    const identity = this.identities.get(id);
    return identity && (!userId || identity.user_id === userId) ? identity : undefined;
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

/** Equal as the stored jsonb compares them: what JSON keeps (no undefined fields), in any key order. */
function sameRefill(a: CreditsRefill | null, b: CreditsRefill | null): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

function maxDate(a: Date | null, b: Date): Date {
  return a === null || a.getTime() < b.getTime() ? b : a;
}

interface Holder {
  owner: ApiKeyRecord | Identity;
  hidden: Hidden;
  credits: number | null;
  source: "key" | "identity";
}

/** New settings keep the state of the limits they still name (rescaled by gcra() if the limit changed), as the
 * SQL trigger does (migration 029): a limit removed loses its state, so adding it again starts it afresh. */
function keepStateOf(hidden: Hidden, ratelimits: readonly { name: string }[]): void {
  const names = new Set(ratelimits.map((l) => l.name));
  for (const name of [...hidden.state.keys()]) if (!names.has(name)) hidden.state.delete(name);
}

/** A counted request: credits spent (a due refill stored with them) and the limits' new states kept. */
function spend(holder: Holder, states: Map<string, GcraState>, cost: number, now: Date): void {
  const { owner, hidden } = holder;
  if (owner.credits && holder.credits !== null) {
    holder.credits -= cost;
    owner.credits = { ...owner.credits, remaining: holder.credits };
    if (owner.credits.refill) hidden.refilledAt = maxDate(hidden.refilledAt, lastRefill(owner.credits.refill, now));
  }
  for (const [name, state] of states) hidden.state.set(name, state);
}

function verified(identity: Identity, holder: Holder): NonNullable<VerificationOutcome["identity"]> {
  return {
    id: identity.id,
    external_id: identity.external_id,
    meta: identity.meta,
    ...(holder.credits === null ? {} : { credits: holder.credits }),
    credits_refill: identity.credits?.refill ?? null,
  };
}

function copyIdentity(identity: Identity): Identity {
  return {
    ...identity,
    ratelimits: identity.ratelimits.map((l) => ({ ...l })),
    credits: identity.credits && { ...identity.credits },
  };
}

/** The auto-applied limits of a key or identity and those the request names, as vx_check_ratelimits decides them. */
function checkLimits(holder: Holder, request: VerificationRequest, now: Date) {
  const config = holder.owner.ratelimits;
  const state = holder.hidden.state;
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
      source: holder.source,
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
