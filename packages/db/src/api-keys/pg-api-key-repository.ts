// PgApiKeyRepository: @vx/api-keys storage on Postgres or PGlite through any Queryable (pool, RLS transaction).
import type {
  ApiKeyChanges,
  ApiKeyRecord,
  ApiKeyRepository,
  KeyReplacement,
  NewApiKeyRecord,
  RotationResult,
  UsageBucket,
  UsageRange,
  VerificationOutcome,
  VerificationRequest,
} from "@vx/api-keys";
import type { Queryable } from "../queryable.js";
import * as sql from "./queries.js";

interface VerifyRow extends Omit<ApiKeyRecord, "key_hash"> {
  ord: number;
  code: VerificationOutcome["code"];
  window_count: number | null;
  window_reset: Date;
}

/**
 * Built on the connection role (system work: verification) or on a `db.asUser` transaction, where row
 * level security restricts every method to that user's keys as well.
 */
export class PgApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly db: Queryable) {}

  async createApiKey(data: NewApiKeyRecord): Promise<ApiKeyRecord> {
    const { rows } = await this.db.query<ApiKeyRecord>(sql.insertKey, [
      data.user_id,
      data.name,
      data.key_prefix,
      data.key_hash,
      data.expires_at,
      data.rate_limit,
      data.usage_quota,
      data.scopes,
      data.created_at,
    ]);
    return rows[0]!;
  }

  async getApiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    return first(await this.db.query<ApiKeyRecord>(sql.selectKeyByHash, [hash]));
  }

  async getApiKeyById(id: string, userId?: string): Promise<ApiKeyRecord | null> {
    return first(await this.db.query<ApiKeyRecord>(sql.selectKeyById, [id, userId ?? null]));
  }

  async getApiKeysByUserId(userId: string): Promise<ApiKeyRecord[]> {
    return (await this.db.query<ApiKeyRecord>(sql.selectKeysByUser, [userId])).rows;
  }

  async updateApiKey(id: string, changes: ApiKeyChanges, userId?: string): Promise<ApiKeyRecord | null> {
    if (Object.keys(changes).length === 0) return this.getApiKeyById(id, userId);
    const given = (field: keyof ApiKeyChanges) => [changes[field] !== undefined, changes[field] ?? null];
    return first(
      await this.db.query<ApiKeyRecord>(sql.updateKey, [
        id,
        userId ?? null,
        ...given("name"),
        ...given("expires_at"),
        ...given("rate_limit"),
        ...given("usage_quota"),
        ...given("enabled"),
        ...given("scopes"),
      ]),
    );
  }

  async updateApiKeyUsage(id: string, usage: { cost?: number; at?: Date } = {}): Promise<ApiKeyRecord | null> {
    const params = [id, usage.cost ?? 1, usage.at ?? new Date()];
    return first(await this.db.query<ApiKeyRecord>(sql.recordUsage, params));
  }

  async deleteApiKey(id: string, userId?: string): Promise<boolean> {
    return (await this.db.query(sql.deleteKey, [id, userId ?? null])).rowCount > 0;
  }

  async getApiKeyUsageStats(id: string, range?: UsageRange, userId?: string): Promise<UsageBucket[]> {
    const { rows } = await this.db.query<{ hour: Date; request_count: number }>(sql.selectUsage, [
      id,
      range?.from ?? null,
      range?.to ?? null,
      userId ?? null,
    ]);
    return rows.map((r) => ({ hour: r.hour, requests: r.request_count }));
  }

  async rotateApiKey(id: string, replacement: KeyReplacement, userId?: string): Promise<RotationResult | null> {
    const { rows } = await this.db.query<ApiKeyRecord>(sql.rotateKey, [
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
    return { previous, current };
  }

  /**
   * A lone request goes to vx_verify_api_key (one UPDATE … RETURNING when it is simply valid), a batch to
   * vx_verify_api_keys; both serialise on the keys' row locks, so they stay exact when they meet.
   */
  async verifyApiKeys(requests: readonly VerificationRequest[], now: Date): Promise<VerificationOutcome[]> {
    const { rows } =
      requests.length === 1 ? await this.verifyOne(requests[0]!, now) : await this.verifyBatch(requests, now);
    const outcomes = new Array<VerificationOutcome>(requests.length);
    for (const row of rows) outcomes[row.ord - 1] = toOutcome(row);
    return outcomes;
  }

  private verifyOne(request: VerificationRequest, now: Date) {
    return this.db.query<VerifyRow>(sql.verifyKey, [request.keyHash, request.scopes, request.cost, now]);
  }

  private verifyBatch(requests: readonly VerificationRequest[], now: Date) {
    return this.db.query<VerifyRow>(sql.verifyKeys, [
      requests.map((r) => r.keyHash),
      // Scopes are validated to contain no spaces, so a space-joined string carries each request's list.
      requests.map((r) => r.scopes.join(" ")),
      requests.map((r) => r.cost),
      now,
    ]);
  }
}

function first<R>(result: { rows: R[] }): R | null {
  return result.rows[0] ?? null;
}

function toOutcome(row: VerifyRow): VerificationOutcome {
  const { ord: _ord, code, window_count, window_reset, ...key } = row;
  if (code === "NOT_FOUND") return { code, key: null, windowCount: null, windowReset: window_reset };
  return { code, key, windowCount: window_count, windowReset: window_reset };
}
