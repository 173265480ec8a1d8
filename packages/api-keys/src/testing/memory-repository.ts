// MemoryApiKeyRepository: the repository port in process memory, for unit tests and as the reference the contract suite describes.
import { randomUUID } from "node:crypto";
import { addHours, hourStart } from "../hours.js";
import type {
  ApiKeyChanges,
  ApiKeyRepository,
  KeyReplacement,
  NewApiKeyRecord,
  RotationResult,
  UsageBucket,
  UsageRange,
  VerificationOutcome,
  VerificationRequest,
} from "../repository.js";
import type { ApiKeyRecord } from "../types.js";
import { decideVerification } from "../verification.js";

interface Bucket {
  user_id: string;
  requests: number;
}

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
    };
    this.keys.set(record.id, record);
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
    Object.assign(key, changes, changes.scopes ? { scopes: [...changes.scopes] } : {});
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
      .map(([hour, b]) => ({ hour: new Date(hour), requests: b.requests }));
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
    });
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
      if (!key) return { code: "NOT_FOUND", key: null, windowCount: null, windowReset };
      const window = this.buckets.get(key.id)?.get(hour.getTime())?.requests ?? 0;
      const code = decideVerification(key, { used: key.usage_count, window }, request, now);
      if (code === "VALID") this.count(key, request.cost, now);
      const windowCount =
        key.rate_limit === null ? null : (this.buckets.get(key.id)?.get(hour.getTime())?.requests ?? 0);
      return { code, key: copy(key), windowCount, windowReset };
    });
  }

  private count(key: ApiKeyRecord, cost: number, at: Date): void {
    key.usage_count += cost;
    if (key.last_used_at === null || key.last_used_at.getTime() < at.getTime()) key.last_used_at = at;
    if (cost === 0) return;
    const hours = this.buckets.get(key.id) ?? new Map<number, Bucket>();
    this.buckets.set(key.id, hours);
    const hour = hourStart(at).getTime();
    const bucket = hours.get(hour) ?? { user_id: key.user_id, requests: 0 };
    bucket.requests += cost;
    hours.set(hour, bucket);
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
  return { ...record, scopes: [...record.scopes] };
}
