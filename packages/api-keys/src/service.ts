// ApiKeyService: the specification's API-key calls, as pure logic over an injected repository, clock and CSPRNG.
import { randomBytes as cryptoRandomBytes } from "node:crypto";
import { ApiKeyError } from "./errors.js";
import { addHours, HOUR_MS, hourStart } from "./hours.js";
import { generateKey, hashKey, isWellFormedKey, keyPrefix, type RandomBytes } from "./key-format.js";
import type { ApiKeyChanges, ApiKeyRepository, VerificationOutcome, VerificationRequest } from "./repository.js";
import type {
  ApiKey,
  ApiKeyRecord,
  ApiKeyStats,
  CreateApiKeyInput,
  CreatedApiKey,
  RotatedApiKey,
  RotateOptions,
  StatsRange,
  UpdateApiKeyInput,
  UsagePoint,
  VerifyOptions,
  VerifyResult,
} from "./types.js";
import {
  isUuid,
  MAX_STATS_HOURS,
  validateCreate,
  validateGracePeriod,
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
    validateVerifyOptions(options.scopes, options.cost);
    if (!isWellFormedKey(plainKey)) return { valid: false, code: "MALFORMED" };
    const request: VerificationRequest = {
      keyHash: hashKey(plainKey),
      scopes: dedupe(options.scopes ?? []),
      cost: options.cost ?? 1,
    };
    const outcome = this.batcher
      ? await this.batcher.verify(request)
      : (await this.repository.verifyApiKeys([request], this.now()))[0]!;
    return toVerifyResult(outcome);
  }

  async listApiKeys(userId: string): Promise<ApiKey[]> {
    if (!isUuid(userId)) throw ApiKeyError.invalid([{ field: "user_id", message: "must be a UUID" }]);
    return (await this.repository.getApiKeysByUserId(userId)).map(toPublic);
  }

  /**
   * The specification's "revoke unused keys": the user's keys not used for `unusedForDays` days (never-used keys
   * count from their creation), oldest activity first, for a person or a job to review and revoke.
   */
  async findUnusedApiKeys(userId: string, { unusedForDays }: { unusedForDays: number }): Promise<ApiKey[]> {
    if (!Number.isInteger(unusedForDays) || unusedForDays < 1 || unusedForDays > 36_500) {
      throw ApiKeyError.invalid([
        { field: "unused_for_days", message: "must be a whole number of days from 1 to 36500" },
      ]);
    }
    const cutoff = this.now().getTime() - unusedForDays * DAY_MS;
    const lastActivity = (k: ApiKey) => (k.last_used_at ?? k.created_at).getTime();
    return (await this.listApiKeys(userId))
      .filter((k) => lastActivity(k) < cutoff)
      .sort((a, b) => lastActivity(a) - lastActivity(b));
  }

  async getApiKey(keyId: string, userId: string): Promise<ApiKey> {
    return toPublic(await this.owned(keyId, userId));
  }

  async updateApiKey(keyId: string, userId: string, updates: UpdateApiKeyInput): Promise<ApiKey> {
    validateUpdate(updates);
    if (!isUuid(keyId) || !isUuid(userId)) throw ApiKeyError.notFound();
    const record = await this.repository.updateApiKey(keyId, this.toChanges(updates), userId);
    if (!record) throw ApiKeyError.notFound();
    return toPublic(record);
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

  /** Totals, remaining quota, this hour's count and an hourly series (default: the last 24 hours). */
  async getApiKeyStats(keyId: string, userId: string, range: StatsRange = {}): Promise<ApiKeyStats> {
    validateStatsRange(range);
    const now = this.now();
    const current = hourStart(now);
    const to = hourStart(range.to ?? now);
    const from = hourStart(range.from ?? addHours(to, -23));
    const points = (to.getTime() - from.getTime()) / HOUR_MS + 1;
    if (points < 1) throw ApiKeyError.invalid([{ field: "from", message: "must not be after to" }]);
    if (points > MAX_STATS_HOURS) {
      throw ApiKeyError.invalid([{ field: "from", message: `range must span at most ${MAX_STATS_HOURS} hours` }]);
    }
    const key = await this.owned(keyId, userId);
    // One query covers the series and the current hour, which may lie outside the requested range.
    const buckets = await this.repository.getApiKeyUsageStats(
      keyId,
      { from: min(from, current), to: addHours(max(to, current), 1) },
      userId,
    );
    const byHour = new Map(buckets.map((b) => [b.hour.getTime(), b.requests]));
    const series: UsagePoint[] = [];
    for (let i = 0; i < points; i++) {
      const hour = addHours(from, i);
      series.push({ hour, requests: byHour.get(hour.getTime()) ?? 0 });
    }
    return {
      key_id: key.id,
      total_requests: key.usage_count,
      usage_quota: key.usage_quota,
      remaining_quota: key.usage_quota === null ? null : Math.max(0, key.usage_quota - key.usage_count),
      last_used_at: key.last_used_at,
      rate_limit: key.rate_limit,
      requests_this_hour: byHour.get(current.getTime()) ?? 0,
      rate_limit_reset: addHours(current, 1),
      series,
    };
  }

  private async owned(keyId: string, userId: string): Promise<ApiKeyRecord> {
    if (!isUuid(keyId) || !isUuid(userId)) throw ApiKeyError.notFound();
    const record = await this.repository.getApiKeyById(keyId, userId);
    if (!record) throw ApiKeyError.notFound();
    return record;
  }

  private toChanges(updates: UpdateApiKeyInput): ApiKeyChanges {
    const changes: ApiKeyChanges = {};
    if (updates.name !== undefined) changes.name = updates.name.trim();
    if (updates.rate_limit !== undefined) changes.rate_limit = updates.rate_limit;
    if (updates.usage_quota !== undefined) changes.usage_quota = updates.usage_quota;
    if (updates.enabled !== undefined) changes.enabled = updates.enabled;
    if (updates.scopes !== undefined) changes.scopes = dedupe(updates.scopes);
    if (updates.expires_at !== undefined) changes.expires_at = updates.expires_at;
    if (updates.expires_in_days !== undefined) {
      changes.expires_at =
        updates.expires_in_days === null ? null : new Date(this.now().getTime() + updates.expires_in_days * DAY_MS);
    }
    return changes;
  }
}

/** Drops the hash: nothing the service returns lets anyone check guesses offline. */
export function toPublic(record: ApiKey | ApiKeyRecord): ApiKey {
  const { key_hash: _hash, ...key } = record as ApiKeyRecord;
  return { ...key, scopes: [...key.scopes] };
}

function toVerifyResult(outcome: VerificationOutcome): VerifyResult {
  if (!outcome.key) return { valid: false, code: outcome.code };
  const key = toPublic(outcome.key);
  const result: VerifyResult = { valid: outcome.code === "VALID", code: outcome.code, key };
  if (key.usage_quota !== null) result.remaining = Math.max(0, key.usage_quota - key.usage_count);
  if (key.rate_limit !== null) {
    result.ratelimit = {
      limit: key.rate_limit,
      remaining: Math.max(0, key.rate_limit - (outcome.windowCount ?? 0)),
      reset: outcome.windowReset.getTime(),
    };
  }
  if (outcome.code === "RATE_LIMITED" || outcome.code === "USAGE_EXCEEDED") {
    result.retryAt = outcome.windowReset.getTime();
  }
  return result;
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
