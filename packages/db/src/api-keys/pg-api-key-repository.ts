// PgApiKeyRepository: @vx/api-keys storage on Postgres or PGlite through any Queryable (pool, RLS transaction).
import type {
  ApiKeyChanges,
  ApiKeyRecord,
  ApiKeyRepository,
  CreditsChange,
  CreditsRefillChange,
  Identity,
  IdentityChanges,
  IdentityListOptions,
  KeyListOptions,
  KeyReplacement,
  NewApiKeyRecord,
  NewIdentityRecord,
  PositionedKey,
  RotationResult,
  UsageBucket,
  UsageRange,
  VerificationOutcome,
  VerificationRequest,
} from "@vx/api-keys";
import { type Queryable, queryPrepared } from "../queryable.js";
import * as sql from "./queries.js";
import {
  creditColumns,
  encodeRequestedLimits,
  toApiKeyRecord,
  toIdentity,
  toUsageBucket,
  toVerificationOutcomes,
} from "./rows.js";

type Row = Record<string, unknown>;

/**
 * Built on the connection role (system work: verification) or on a `db.asUser` transaction, where row
 * level security restricts every method to that user's keys as well.
 */
export class PgApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly db: Queryable) {}

  async createApiKey(data: NewApiKeyRecord): Promise<ApiKeyRecord> {
    const { rows } = await this.db.query<Row>(sql.insertKey, [
      data.user_id,
      data.name,
      data.key_prefix,
      data.key_hash,
      data.expires_at,
      data.rate_limit,
      data.usage_quota,
      data.scopes,
      data.created_at,
      jsonOrNull(data.meta),
      JSON.stringify(data.ratelimits),
      ...creditColumns(data.credits),
      data.identity_id,
    ]);
    return toApiKeyRecord(rows[0]!);
  }

  async getApiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    return first(await this.db.query<Row>(sql.selectKeyByHash, [hash]));
  }

  async getApiKeyById(id: string, userId?: string): Promise<ApiKeyRecord | null> {
    return first(await this.db.query<Row>(sql.selectKeyById, [id, userId ?? null]));
  }

  async getApiKeysByUserId(userId: string): Promise<ApiKeyRecord[]> {
    return (await this.db.query<Row>(sql.selectKeysByUser, [userId])).rows.map(toApiKeyRecord);
  }

  async listApiKeysPage(userId: string, options: KeyListOptions): Promise<PositionedKey[]> {
    const { limit, after, identityId } = options;
    const { rows } = await this.db.query<Row>(sql.selectKeysPage, [
      userId,
      after?.created_at ?? null,
      after?.id ?? null,
      identityId ?? null,
      limit,
    ]);
    return rows.map((row) => ({
      key: toApiKeyRecord(row),
      position: { created_at: row.position_at as string, id: row.id as string },
    }));
  }

  async updateApiKey(id: string, changes: ApiKeyChanges, userId?: string): Promise<ApiKeyRecord | null> {
    if (Object.keys(changes).length === 0) return this.getApiKeyById(id, userId);
    const given = (field: keyof ApiKeyChanges) => [changes[field] !== undefined, changes[field] ?? null];
    const givenJson = (field: "meta" | "ratelimits") => [changes[field] !== undefined, jsonOrNull(changes[field])];
    return first(
      await this.db.query<Row>(sql.updateKey, [
        id,
        userId ?? null,
        ...given("name"),
        ...given("expires_at"),
        ...given("rate_limit"),
        ...given("usage_quota"),
        ...given("enabled"),
        ...given("scopes"),
        ...givenJson("meta"),
        ...givenJson("ratelimits"),
        changes.credits !== undefined,
        ...creditColumns(changes.credits ?? null),
        changes.credits_set_at ?? null,
        ...given("identity_id"),
      ]),
    );
  }

  async updateApiKeyUsage(id: string, usage: { cost?: number; at?: Date } = {}): Promise<ApiKeyRecord | null> {
    const params = [id, usage.cost ?? 1, usage.at ?? new Date()];
    return first(await this.db.query<Row>(sql.recordUsage, params));
  }

  async deleteApiKey(id: string, userId?: string): Promise<boolean> {
    return (await this.db.query(sql.deleteKey, [id, userId ?? null])).rowCount > 0;
  }

  async getApiKeyUsageStats(id: string, range?: UsageRange, userId?: string): Promise<UsageBucket[]> {
    const { rows } = await this.db.query<Row>(sql.selectUsage, [
      id,
      range?.from ?? null,
      range?.to ?? null,
      userId ?? null,
    ]);
    return rows.map(toUsageBucket);
  }

  async getKeysUsageStats(ids: readonly string[], range?: UsageRange, userId?: string): Promise<UsageBucket[]> {
    const { rows } = await this.db.query<Row>(sql.selectUsageOfKeys, [
      [...ids],
      range?.from ?? null,
      range?.to ?? null,
      userId ?? null,
    ]);
    return rows.map(toUsageBucket);
  }

  async rotateApiKey(id: string, replacement: KeyReplacement, userId?: string): Promise<RotationResult | null> {
    const { rows } = await this.db.query<Row>(sql.rotateKey, [
      id,
      userId ?? null,
      replacement.key_prefix,
      replacement.key_hash,
      replacement.now,
      replacement.retire_at,
    ]);
    const previous = rows.find((r) => r.id === id);
    const current = rows.find((r) => r.id !== id);
    if (!previous || !current) return null;
    return { previous: toApiKeyRecord(previous), current: toApiKeyRecord(current) };
  }

  /**
   * A lone request goes to vx_verify_api_key (one UPDATE … RETURNING when it is simply valid), a batch to
   * vx_verify_api_keys; both serialise on the keys' row locks, so they stay exact when they meet.
   */
  async verifyApiKeys(requests: readonly VerificationRequest[], now: Date): Promise<VerificationOutcome[]> {
    const { rows } =
      requests.length === 1 ? await this.verifyOne(requests[0]!, now) : await this.verifyBatch(requests, now);
    return toVerificationOutcomes(rows, requests, now);
  }

  async changeCredits(id: string, change: CreditsChange, userId?: string): Promise<number | null> {
    const { rows } = await this.db.query<{ remaining: number | null }>(sql.changeCredits, [
      change.target ?? "key",
      id,
      userId ?? null,
      change.op,
      change.amount,
      change.now,
    ]);
    return rows[0]?.remaining ?? null;
  }

  async changeCreditsRefill(id: string, change: CreditsRefillChange, userId?: string): Promise<number | null> {
    const { rows } = await this.db.query<{ remaining: number | null }>(sql.changeCreditsRefill, [
      change.target ?? "key",
      id,
      userId ?? null,
      jsonOrNull(change.refill),
      change.now,
    ]);
    return rows[0]?.remaining ?? null;
  }

  async createIdentity(data: NewIdentityRecord): Promise<Identity | null> {
    const { rows } = await this.db.query<Row>(sql.insertIdentity, [
      data.user_id,
      data.external_id,
      jsonOrNull(data.meta),
      JSON.stringify(data.ratelimits),
      ...creditColumns(data.credits),
      data.created_at,
    ]);
    return rows[0] ? toIdentity(rows[0]) : null;
  }

  async getIdentity(id: string, userId?: string): Promise<Identity | null> {
    const { rows } = await this.db.query<Row>(sql.selectIdentity, [id, userId ?? null]);
    return rows[0] ? toIdentity(rows[0]) : null;
  }

  async listIdentities(userId: string, options: IdentityListOptions = {}): Promise<Identity[]> {
    const { externalId, after, limit } = options;
    const params = [userId, after ?? null, limit ?? null];
    const { rows } =
      externalId === undefined
        ? await this.db.query<Row>(sql.selectIdentitiesByUser, params)
        : await this.db.query<Row>(sql.selectIdentityByExternalId, [...params, externalId]);
    return rows.map(toIdentity);
  }

  async updateIdentity(id: string, changes: IdentityChanges, userId?: string): Promise<Identity | null> {
    const givenJson = (field: "meta" | "ratelimits") => [changes[field] !== undefined, jsonOrNull(changes[field])];
    const { rows } = await this.db.query<Row>(sql.updateIdentity, [
      id,
      userId ?? null,
      ...givenJson("meta"),
      ...givenJson("ratelimits"),
      changes.credits !== undefined,
      ...creditColumns(changes.credits ?? null),
      changes.credits_set_at ?? null,
    ]);
    return rows[0] ? toIdentity(rows[0]) : null;
  }

  async deleteIdentity(id: string, userId?: string): Promise<boolean> {
    return (await this.db.query(sql.deleteIdentity, [id, userId ?? null])).rowCount > 0;
  }

  private verifyOne(request: VerificationRequest, now: Date) {
    const params = [request.keyHash, request.scopes, request.cost, encodeRequestedLimits(request), now];
    return queryPrepared<Row>(this.db, "vx_api_key_verify", sql.verifyKey, params);
  }

  private verifyBatch(requests: readonly VerificationRequest[], now: Date) {
    return queryPrepared<Row>(this.db, "vx_api_key_verify_batch", sql.verifyKeys, [
      requests.map((r) => r.keyHash),
      // Scopes and limit names are validated to contain no spaces, so a space-joined string carries each list.
      requests.map((r) => r.scopes.join(" ")),
      requests.map((r) => r.cost),
      requests.map(encodeRequestedLimits),
      now,
    ]);
  }
}

function first(result: { rows: Row[] }): ApiKeyRecord | null {
  return result.rows[0] ? toApiKeyRecord(result.rows[0]) : null;
}

function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
