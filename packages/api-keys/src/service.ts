// ApiKeyService: the specification's API-key calls, as pure logic over an injected repository, clock and CSPRNG.
import { randomBytes as cryptoRandomBytes } from "node:crypto";
import { ApiKeyError } from "./errors.js";
import { addHours, HOUR_MS, hourStart } from "./hours.js";
import { generateKey, hashKey, isWellFormedKey, keyPrefix, type RandomBytes } from "./key-format.js";
import { isKeyPosition, pageInMemory } from "./key-position.js";
import { type Credits, nextRefill, type RateLimitInput, type RateLimitResult } from "./limits.js";
import type {
  ApiKeyChanges,
  ApiKeyRepository,
  CreditsChange,
  IdentityChanges,
  KeyPosition,
  UsageBucket,
  UsageRange,
  VerificationOutcome,
  VerificationRequest,
} from "./repository.js";
import type {
  ApiKey,
  ApiKeyRecord,
  ApiKeyStats,
  CreateApiKeyInput,
  CreatedApiKey,
  CreateIdentityInput,
  Identity,
  IdentityStats,
  OutcomeCounts,
  RefillOnly,
  RotatedApiKey,
  RotateOptions,
  StatsRange,
  UpdateApiKeyInput,
  UpdateIdentityInput,
  UsagePoint,
  VerifyOptions,
  VerifyResult,
} from "./types.js";
import { sumUsageBuckets } from "./usage-sum.js";
import {
  isRefillOnly,
  isUuid,
  MAX_STATS_HOURS,
  validateCreate,
  validateCreditsChange,
  validateGracePeriod,
  validateIdentity,
  validateStatsRange,
  validateUpdate,
  validateVerifyOptions,
} from "./validation.js";
import { type BatchingOptions, VerifyBatcher } from "./verify-batcher.js";

const DAY_MS = 24 * HOUR_MS;

export interface ApiKeyServiceOptions {
  repository: ApiKeyRepository;
  /** The clock; default the system clock. Every time the service stores or compares comes from here. */
  now?: () => Date;
  /** A CSPRNG; default node:crypto's `randomBytes`. */
  randomBytes?: RandomBytes;
  /**
   * Coalesce concurrent verifications into one repository call (default on). `false` sends one call per
   * verification. Either way every verification is counted exactly once, in arrival order.
   */
  batching?: BatchingOptions | false;
}

export class ApiKeyService {
  private readonly repository: ApiKeyRepository;
  private readonly now: () => Date;
  private readonly randomBytes: RandomBytes;
  private readonly batcher: VerifyBatcher | undefined;

  constructor(options: ApiKeyServiceOptions) {
    this.repository = options.repository;
    this.now = options.now ?? (() => new Date());
    this.randomBytes = options.randomBytes ?? ((size) => cryptoRandomBytes(size));
    this.batcher =
      options.batching === false
        ? undefined
        : new VerifyBatcher((requests) => this.repository.verifyApiKeys(requests, this.now()), options.batching);
  }

  /** Creates a key; the plain key is returned here once and never stored. */
  async createApiKey(input: CreateApiKeyInput): Promise<CreatedApiKey> {
    validateCreate(input);
    await this.checkIdentity(input.identity_id, input.user_id);
    const plainKey = generateKey(this.randomBytes);
    const now = this.now();
    const record = await this.repository.createApiKey({
      user_id: input.user_id,
      name: input.name.trim(),
      key_prefix: keyPrefix(plainKey),
      key_hash: hashKey(plainKey),
      expires_at: input.expires_in_days ? new Date(now.getTime() + input.expires_in_days * DAY_MS) : null,
      rate_limit: input.rate_limit ?? null,
      usage_quota: input.usage_quota ?? null,
      scopes: dedupe(input.scopes ?? []),
      created_at: now,
      meta: input.meta ?? null,
      ratelimits: (input.ratelimits ?? []).map(withAutoApply),
      credits: input.credits ?? null,
      identity_id: input.identity_id ?? null,
    });
    return { apiKey: toPublic(record), plainKey };
  }

  /** The key when it verifies as VALID (and counts this use), otherwise null. */
  async validateApiKey(plainKey: string): Promise<ApiKey | null> {
    const result = await this.verifyApiKey(plainKey);
    return result.valid ? result.key! : null;
  }

  /**
   * Verifies a key and says why it is refused. Checks run in order MALFORMED, NOT_FOUND, DISABLED, EXPIRED,
   * USAGE_EXCEEDED, RATE_LIMITED, INSUFFICIENT_SCOPE; a malformed key never reaches the repository, and only
   * a VALID answer counts toward the quota and the hourly rate limit.
   */
  async verifyApiKey(plainKey: unknown, options: VerifyOptions = {}): Promise<VerifyResult> {
    validateVerifyOptions(options.scopes, options.cost, options.ratelimits);
    if (!isWellFormedKey(plainKey)) return { valid: false, code: "MALFORMED" };
    const request: VerificationRequest = {
      keyHash: hashKey(plainKey),
      scopes: dedupe(options.scopes ?? []),
      cost: options.cost ?? 1,
    };
    if (options.ratelimits?.length) request.ratelimits = options.ratelimits.map((r) => ({ ...r }));
    const outcome = this.batcher
      ? await this.batcher.verify(request)
      : (await this.repository.verifyApiKeys([request], this.now()))[0]!;
    return toVerifyResult(outcome, this.now());
  }

  /** The user's keys; `identityId` keeps only that identity's (one customer's keys). */
  async listApiKeys(userId: string, options: { identityId?: string } = {}): Promise<ApiKey[]> {
    const { identityId } = options;
    checkListFilters(userId, identityId);
    const keys = (await this.repository.getApiKeysByUserId(userId)).map(toPublic);
    return identityId === undefined ? keys : keys.filter((k) => k.identity_id === identityId);
  }

  /**
   * One page of the user's keys, newest first: up to `limit` (1-1000, default 50) after `after` (the previous
   * page's `next`), `identityId` keeping one identity's. Read in the database when the repository can
   * (`listApiKeysPage`), so a user with a key per customer pages late as fast as early.
   */
  async listApiKeysPage(
    userId: string,
    options: { limit?: number; after?: KeyPosition; identityId?: string } = {},
  ): Promise<{ keys: ApiKey[]; next: KeyPosition | null }> {
    const { limit = 50, after, identityId } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw ApiKeyError.invalid([{ field: "limit", message: "must be a whole number from 1 to 1000" }]);
    }
    if (after !== undefined && !isKeyPosition(after)) {
      throw ApiKeyError.invalid([{ field: "after", message: "must be the next position of a page this listed" }]);
    }
    checkListFilters(userId, identityId);
    // One row more than asked says whether another page exists.
    const rows = this.repository.listApiKeysPage
      ? await this.repository.listApiKeysPage(userId, { limit: limit + 1, after, identityId })
      : pageInMemory(await this.repository.getApiKeysByUserId(userId), limit + 1, after, identityId);
    const page = rows.slice(0, limit);
    return {
      keys: page.map((r) => toPublic(r.key)),
      next: rows.length > limit ? page[page.length - 1]!.position : null,
    };
  }

  /**
   * The specification's "revoke unused keys": the user's keys not used for `unusedForDays` days (never-used keys
   * count from their creation), oldest activity first, for a person or a job to review and revoke; `identityId` keeps
   * only that identity's.
   */
  async findUnusedApiKeys(
    userId: string,
    { unusedForDays, identityId }: { unusedForDays: number; identityId?: string },
  ): Promise<ApiKey[]> {
    if (!Number.isInteger(unusedForDays) || unusedForDays < 1 || unusedForDays > 36_500) {
      throw ApiKeyError.invalid([
        { field: "unused_for_days", message: "must be a whole number of days from 1 to 36500" },
      ]);
    }
    const cutoff = this.now().getTime() - unusedForDays * DAY_MS;
    const lastActivity = (k: ApiKey) => (k.last_used_at ?? k.created_at).getTime();
    return (await this.listApiKeys(userId, { identityId }))
      .filter((k) => lastActivity(k) < cutoff)
      .sort((a, b) => lastActivity(a) - lastActivity(b));
  }

  async getApiKey(keyId: string, userId: string): Promise<ApiKey> {
    return toPublic(await this.owned(keyId, userId));
  }

  async updateApiKey(keyId: string, userId: string, updates: UpdateApiKeyInput): Promise<ApiKey> {
    validateUpdate(updates);
    if (!isUuid(keyId) || !isUuid(userId)) throw ApiKeyError.notFound();
    await this.checkIdentity(updates.identity_id, userId);
    const { credits, ...others } = updates;
    if (isRefillOnly(credits)) return this.updateApiKeyRefill(keyId, userId, others, credits);
    const record = await this.repository.updateApiKey(keyId, this.toChanges({ ...others, credits }), userId);
    if (!record) throw ApiKeyError.notFound();
    return toPublic(record);
  }

  /**
   * `credits: { refill }` alone: the other changes first, then the refill in one statement of its own, atomic with
   * verifications, so no use counted meanwhile is undone (a client reading and writing back `remaining` would).
   */
  private async updateApiKeyRefill(
    keyId: string,
    userId: string,
    others: Omit<UpdateApiKeyInput, "credits">,
    { refill }: RefillOnly,
  ): Promise<ApiKey> {
    if (!(await this.owned(keyId, userId)).credits) throw noCreditsToKeep();
    const changes = this.toChanges(others);
    if (Object.keys(changes).length > 0 && !(await this.repository.updateApiKey(keyId, changes, userId))) {
      throw ApiKeyError.notFound();
    }
    const remaining = await this.repository.changeCreditsRefill(keyId, { refill, now: this.now() }, userId);
    if (remaining === null) throw ApiKeyError.notFound();
    return toPublic(await this.owned(keyId, userId));
  }

  /** Disables the key at once; it can be re-enabled with `updateApiKey(…, { enabled: true })`. */
  revokeApiKey(keyId: string, userId: string): Promise<ApiKey> {
    return this.updateApiKey(keyId, userId, { enabled: false });
  }

  async deleteApiKey(keyId: string, userId: string): Promise<void> {
    if (!isUuid(keyId) || !isUuid(userId)) throw ApiKeyError.notFound();
    if (!(await this.repository.deleteApiKey(keyId, userId))) throw ApiKeyError.notFound();
  }

  /**
   * Issues a new key with the old one's name, scopes and limits and a fresh lifetime as long as the old
   * one's (never-expiring stays never-expiring). The old key keeps working for the grace period (default 0),
   * then verifies as EXPIRED.
   */
  async rotateApiKey(keyId: string, userId: string, options: RotateOptions = {}): Promise<RotatedApiKey> {
    validateGracePeriod(options.gracePeriodHours);
    if (!isUuid(keyId) || !isUuid(userId)) throw ApiKeyError.notFound();
    const plainKey = generateKey(this.randomBytes);
    const now = this.now();
    const result = await this.repository.rotateApiKey(
      keyId,
      {
        key_prefix: keyPrefix(plainKey),
        key_hash: hashKey(plainKey),
        now,
        retire_at: addHours(now, options.gracePeriodHours ?? 0),
      },
      userId,
    );
    if (!result) throw ApiKeyError.notFound();
    return { apiKey: toPublic(result.current), plainKey, previous: toPublic(result.previous) };
  }

  /**
   * Sets, adds to or takes from a key's credits (never below 0), after any refill that is due, atomically with
   * verifications. Returns the credits left. A key without credits starts from 0 (and from then on has credits).
   */
  async changeCredits(
    keyId: string,
    userId: string,
    change: { op: CreditsChange["op"]; amount: number },
  ): Promise<number> {
    validateCreditsChange(change?.op, change?.amount);
    if (!isUuid(keyId) || !isUuid(userId)) throw ApiKeyError.notFound();
    const remaining = await this.repository.changeCredits(keyId, { ...change, now: this.now() }, userId);
    if (remaining === null) throw ApiKeyError.notFound();
    return remaining;
  }

  /** An identity: one customer whose limits and credits all its keys share. `external_id` is unique per owner. */
  async createIdentity(input: CreateIdentityInput): Promise<Identity> {
    validateIdentity(input, true);
    const identity = await this.repository.createIdentity({
      user_id: input.user_id,
      external_id: input.external_id,
      meta: input.meta ?? null,
      ratelimits: (input.ratelimits ?? []).map(withAutoApply),
      credits: input.credits ?? null,
      created_at: this.now(),
    });
    if (!identity) throw ApiKeyError.identityExists(input.external_id);
    return identity;
  }

  /**
   * The user's identities in `external_id` order. One customer each, so there may be many: page with `limit` and
   * `after` (the last external id of the previous page), as the API does. Without options: all of them.
   */
  async listIdentities(userId: string, options: { after?: string; limit?: number } = {}): Promise<Identity[]> {
    const { after, limit } = options;
    checkListFilters(userId, undefined);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
      throw ApiKeyError.invalid([{ field: "limit", message: "must be a whole number from 1" }]);
    }
    return this.repository.listIdentities(userId, { after, limit });
  }

  /** The user's identity for a customer, found by the user's own id for it (one indexed read); null when none. */
  async findIdentityByExternalId(userId: string, externalId: string): Promise<Identity | null> {
    checkListFilters(userId, undefined);
    return (await this.repository.listIdentities(userId, { externalId, limit: 1 }))[0] ?? null;
  }

  async getIdentity(identityId: string, userId: string): Promise<Identity> {
    const identity =
      isUuid(identityId) && isUuid(userId) ? await this.repository.getIdentity(identityId, userId) : null;
    if (!identity) throw ApiKeyError.identityNotFound();
    return identity;
  }

  async updateIdentity(identityId: string, userId: string, updates: UpdateIdentityInput): Promise<Identity> {
    validateIdentity(updates, false);
    if (!isUuid(identityId) || !isUuid(userId)) throw ApiKeyError.identityNotFound();
    const changes: IdentityChanges = {};
    if (updates.meta !== undefined) changes.meta = updates.meta;
    if (updates.ratelimits !== undefined) changes.ratelimits = updates.ratelimits.map(withAutoApply);
    const credits = updates.credits;
    if (isRefillOnly(credits)) return this.updateIdentityRefill(identityId, userId, changes, credits);
    if (credits !== undefined) {
      changes.credits = wholeCredits(credits);
      changes.credits_set_at = this.now();
    }
    const identity = await this.repository.updateIdentity(identityId, changes, userId);
    if (!identity) throw ApiKeyError.identityNotFound();
    return identity;
  }

  /** As `updateApiKeyRefill`: the other changes, then the refill alone, atomic with verifications. */
  private async updateIdentityRefill(
    identityId: string,
    userId: string,
    changes: IdentityChanges,
    { refill }: RefillOnly,
  ): Promise<Identity> {
    if (!(await this.getIdentity(identityId, userId)).credits) throw noCreditsToKeep();
    if (Object.keys(changes).length > 0 && !(await this.repository.updateIdentity(identityId, changes, userId))) {
      throw ApiKeyError.identityNotFound();
    }
    const change = { refill, now: this.now(), target: "identity" as const };
    if ((await this.repository.changeCreditsRefill(identityId, change, userId)) === null) {
      throw ApiKeyError.identityNotFound();
    }
    return this.getIdentity(identityId, userId);
  }

  /** Its keys keep working, on their own limits and credits. */
  async deleteIdentity(identityId: string, userId: string): Promise<void> {
    if (!isUuid(identityId) || !isUuid(userId)) throw ApiKeyError.identityNotFound();
    if (!(await this.repository.deleteIdentity(identityId, userId))) throw ApiKeyError.identityNotFound();
  }

  /** `changeCredits` for an identity's shared credits. */
  async changeIdentityCredits(
    identityId: string,
    userId: string,
    change: { op: CreditsChange["op"]; amount: number },
  ): Promise<number> {
    validateCreditsChange(change?.op, change?.amount);
    if (!isUuid(identityId) || !isUuid(userId)) throw ApiKeyError.identityNotFound();
    const target = "identity";
    const remaining = await this.repository.changeCredits(identityId, { ...change, target, now: this.now() }, userId);
    if (remaining === null) throw ApiKeyError.identityNotFound();
    return remaining;
  }

  /** A key may join only its owner's identity (the database's foreign key says so too). */
  private async checkIdentity(identityId: string | null | undefined, userId: string): Promise<void> {
    if (!identityId) return;
    if (!(await this.repository.getIdentity(identityId, userId))) {
      throw ApiKeyError.invalid([{ field: "identity_id", message: "is not one of your identities" }]);
    }
  }

  /** Totals, remaining quota, this hour's count and an hourly series (default: the last 24 hours). */
  async getApiKeyStats(keyId: string, userId: string, range: StatsRange = {}): Promise<ApiKeyStats> {
    const window = statsWindow(range, this.now());
    const key = await this.owned(keyId, userId);
    // One query covers the series and the current hour, which may lie outside the requested range.
    const buckets = await this.repository.getApiKeyUsageStats(keyId, window.query, userId);
    const { series, thisHour } = toSeries(buckets, window);
    return {
      key_id: key.id,
      total_requests: key.usage_count,
      usage_quota: key.usage_quota,
      remaining_quota: key.usage_quota === null ? null : Math.max(0, key.usage_quota - key.usage_count),
      last_used_at: key.last_used_at,
      rate_limit: key.rate_limit,
      requests_this_hour: thisHour,
      rate_limit_reset: addHours(window.current, 1),
      series,
    };
  }

  /**
   * An identity's usage, as Unkey reports it per identity: the sum of its keys' hourly series (the keys it has now;
   * a key's buckets follow it when it moves), their lifetime total and this hour's count.
   */
  async getIdentityStats(identityId: string, userId: string, range: StatsRange = {}): Promise<IdentityStats> {
    const window = statsWindow(range, this.now());
    const identity = await this.getIdentity(identityId, userId);
    const keys = await this.listApiKeys(userId, { identityId: identity.id });
    const ids = keys.map((k) => k.id);
    const { series, thisHour } = toSeries(await this.usageOfKeys(ids, window.query, userId), window);
    return {
      identity_id: identity.id,
      external_id: identity.external_id,
      key_ids: ids,
      total_requests: keys.reduce((sum, k) => sum + k.usage_count, 0),
      requests_this_hour: thisHour,
      series,
    };
  }

  /** Several keys' buckets summed per hour: in one read where the repository can, else key by key. */
  private async usageOfKeys(ids: string[], range: UsageRange, userId: string): Promise<UsageBucket[]> {
    if (ids.length === 0) return [];
    const { repository } = this;
    if (repository.getKeysUsageStats) return repository.getKeysUsageStats(ids, range, userId);
    const each = await Promise.all(ids.map((id) => repository.getApiKeyUsageStats(id, range, userId)));
    return sumUsageBuckets(each.flat());
  }

  private async owned(keyId: string, userId: string): Promise<ApiKeyRecord> {
    if (!isUuid(keyId) || !isUuid(userId)) throw ApiKeyError.notFound();
    const record = await this.repository.getApiKeyById(keyId, userId);
    if (!record) throw ApiKeyError.notFound();
    return record;
  }

  private toChanges(updates: Omit<UpdateApiKeyInput, "credits"> & { credits?: Credits | null }): ApiKeyChanges {
    const changes: ApiKeyChanges = {};
    if (updates.name !== undefined) changes.name = updates.name.trim();
    if (updates.rate_limit !== undefined) changes.rate_limit = updates.rate_limit;
    if (updates.usage_quota !== undefined) changes.usage_quota = updates.usage_quota;
    if (updates.enabled !== undefined) changes.enabled = updates.enabled;
    if (updates.scopes !== undefined) changes.scopes = dedupe(updates.scopes);
    if (updates.meta !== undefined) changes.meta = updates.meta;
    if (updates.ratelimits !== undefined) changes.ratelimits = updates.ratelimits.map(withAutoApply);
    if (updates.identity_id !== undefined) changes.identity_id = updates.identity_id;
    if (updates.credits !== undefined) {
      changes.credits = wholeCredits(updates.credits);
      changes.credits_set_at = this.now();
    }
    if (updates.expires_at !== undefined) changes.expires_at = updates.expires_at;
    if (updates.expires_in_days !== undefined) {
      changes.expires_at =
        updates.expires_in_days === null ? null : new Date(this.now().getTime() + updates.expires_in_days * DAY_MS);
    }
    return changes;
  }
}

/** Credits as stored: a `refill: null` that came with a count (from JSON) means no refill. */
function wholeCredits(credits: Credits | null): Credits | null {
  if (!credits) return null;
  return credits.refill ? { remaining: credits.remaining, refill: credits.refill } : { remaining: credits.remaining };
}

/** `{ refill }` alone keeps a remaining count, so there must be one. */
function noCreditsToKeep(): ApiKeyError {
  return ApiKeyError.invalid([
    { field: "credits.remaining", message: "is required: there are no credits yet whose count a refill could keep" },
  ]);
}

/** Drops the hash: nothing the service returns lets anyone check guesses offline. */
export function toPublic(record: ApiKey | ApiKeyRecord): ApiKey {
  const { key_hash: _hash, ...key } = record as ApiKeyRecord;
  return { ...key, scopes: [...key.scopes], ratelimits: key.ratelimits.map((l) => ({ ...l })) };
}

const NO_OUTCOMES: OutcomeCounts = {
  valid: 0,
  rate_limited: 0,
  usage_exceeded: 0,
  disabled: 0,
  expired: 0,
  insufficient_scope: 0,
};

function withAutoApply(limit: RateLimitInput) {
  return {
    name: limit.name,
    limit: limit.limit,
    duration_ms: limit.duration_ms,
    auto_apply: limit.auto_apply ?? false,
  };
}

function toVerifyResult(outcome: VerificationOutcome, now: Date): VerifyResult {
  if (!outcome.key) return { valid: false, code: outcome.code };
  const key = toPublic(outcome.key);
  const result: VerifyResult = { valid: outcome.code === "VALID", code: outcome.code, key, meta: key.meta };
  if (key.usage_quota !== null) result.remaining = Math.max(0, key.usage_quota - key.usage_count);
  if (key.credits !== null) result.credits = key.credits.remaining;
  if (outcome.identity) {
    const { credits_refill: _refill, ...identity } = outcome.identity;
    result.identity = identity;
  }
  const limits = allLimits(key, outcome);
  if (limits.length > 0) {
    result.ratelimits = limits;
    const shown = limits.find((l) => l.exceeded) ?? mostRestrictive(limits);
    result.ratelimit = { limit: shown.limit, remaining: shown.remaining, reset: shown.reset };
  }
  if (outcome.code === "RATE_LIMITED") {
    result.retryAt = limits.find((l) => l.exceeded)?.retryAt ?? outcome.windowReset.getTime();
  }
  if (outcome.code === "USAGE_EXCEEDED") result.retryAt = usageRetryAt(key, outcome, now);
  return result;
}

/** The hourly `rate_limit` (a fixed clock hour) first, then the named limits the verification checked. */
function allLimits(key: ApiKey, outcome: VerificationOutcome): RateLimitResult[] {
  const limits: RateLimitResult[] = [];
  if (key.rate_limit !== null) {
    const count = outcome.windowCount ?? 0;
    const exceeded = outcome.code === "RATE_LIMITED" && !outcome.limits.some((l) => l.exceeded);
    const hourly: RateLimitResult = {
      name: "rate_limit",
      source: "rate_limit",
      limit: key.rate_limit,
      duration_ms: HOUR_MS,
      remaining: Math.max(0, key.rate_limit - count),
      reset: outcome.windowReset.getTime(),
      exceeded,
    };
    if (exceeded) hourly.retryAt = outcome.windowReset.getTime();
    limits.push(hourly);
  }
  return limits.concat(outcome.limits);
}

/** Fewest requests left; on a tie, the one that takes longest to come back. */
function mostRestrictive(limits: RateLimitResult[]): RateLimitResult {
  return limits.reduce((a, b) =>
    b.remaining < a.remaining || (b.remaining === a.remaining && b.reset > a.reset) ? b : a,
  );
}

/**
 * Spent credits come back at their next refill; a lifetime quota never does, so for it (and credits that do not
 * refill) the start of the next hour is a back-off hint, as before.
 */
function usageRetryAt(key: ApiKey, outcome: VerificationOutcome, now: Date): number {
  const hint = outcome.windowReset.getTime();
  const quotaSpent = key.usage_quota !== null && key.usage_count >= key.usage_quota;
  if (quotaSpent) return hint;
  const refills = [key.credits?.refill, outcome.identity?.credits_refill ?? undefined]
    .filter((r) => r !== undefined)
    .map((r) => nextRefill(r!, now).getTime());
  return refills.length > 0 ? Math.max(...refills) : hint;
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function min(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}

function max(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}

interface StatsWindow {
  from: Date;
  points: number;
  current: Date;
  /** What to read: the series and the current hour, which may lie outside the requested range. */
  query: { from: Date; to: Date };
}

/** A list's owner and its optional identity filter must be UUIDs: anything else is a 400 naming the field. */
function checkListFilters(userId: string, identityId: string | undefined): void {
  if (!isUuid(userId)) throw ApiKeyError.invalid([{ field: "user_id", message: "must be a UUID" }]);
  if (identityId !== undefined && !isUuid(identityId)) {
    throw ApiKeyError.invalid([{ field: "identity_id", message: "must be a UUID" }]);
  }
}

/** The hours a stats call covers (default: the 24 up to now), checked: `from` not after `to`, at most MAX_STATS_HOURS. */
function statsWindow(range: StatsRange, now: Date): StatsWindow {
  validateStatsRange(range);
  const current = hourStart(now);
  const to = hourStart(range.to ?? now);
  const from = hourStart(range.from ?? addHours(to, -23));
  const points = (to.getTime() - from.getTime()) / HOUR_MS + 1;
  if (points < 1) throw ApiKeyError.invalid([{ field: "from", message: "must not be after to" }]);
  if (points > MAX_STATS_HOURS) {
    throw ApiKeyError.invalid([{ field: "from", message: `range must span at most ${MAX_STATS_HOURS} hours` }]);
  }
  return { from, points, current, query: { from: min(from, current), to: addHours(max(to, current), 1) } };
}

/** One point per hour of the window, zeros included, and the current hour's count. */
function toSeries(buckets: UsageBucket[], window: StatsWindow): { series: UsagePoint[]; thisHour: number } {
  const byHour = new Map(buckets.map((b) => [b.hour.getTime(), b]));
  const series: UsagePoint[] = [];
  for (let i = 0; i < window.points; i++) {
    const hour = addHours(window.from, i);
    const bucket = byHour.get(hour.getTime());
    series.push({ hour, requests: bucket?.requests ?? 0, outcomes: { ...(bucket?.outcomes ?? NO_OUTCOMES) } });
  }
  return { series, thisHour: byHour.get(window.current.getTime())?.requests ?? 0 };
}
