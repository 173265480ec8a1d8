// SupabaseApiKeyRepository: @vx/api-keys storage through PostgREST; rotation, counting and verification are
// the SQL functions the pg adapter runs too, called through rpc.
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
import { counted, data, iso, owned, rpc, type VxSupabaseClient, withDates } from "./postgrest.js";

const COLUMNS = [
  "id",
  "user_id",
  "name",
  "key_prefix",
  "key_hash",
  "last_used_at",
  "expires_at",
  "rate_limit",
  "usage_quota",
  "usage_count",
  "enabled",
  "scopes",
  "created_at",
  "updated_at",
];
const SELECT = COLUMNS.join(",");
const DATES = ["last_used_at", "expires_at", "created_at", "updated_at"];

type Row = Record<string, unknown>;
const toRecord = (row: Row) => withDates<ApiKeyRecord>(row, DATES);

/**
 * On a user's client RLS restricts every method to that user's keys as well. Verification and usage counting
 * are system work: they need the service-role client (their functions are granted to service_role only).
 */
export class SupabaseApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly client: VxSupabaseClient) {}

  async createApiKey(row: NewApiKeyRecord): Promise<ApiKeyRecord> {
    const values = { ...row, expires_at: row.expires_at && iso(row.expires_at), created_at: iso(row.created_at) };
    const inserted = await data<Row>(
      this.keys()
        .insert({ ...values, updated_at: values.created_at })
        .select(SELECT)
        .single(),
    );
    return toRecord(inserted);
  }

  async getApiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    return this.one(this.keys().select(SELECT).eq("key_hash", hash));
  }

  async getApiKeyById(id: string, userId?: string): Promise<ApiKeyRecord | null> {
    return this.one(owned(this.keys().select(SELECT).eq("id", id), userId));
  }

  async getApiKeysByUserId(userId: string): Promise<ApiKeyRecord[]> {
    const rows = await data<Row[]>(
      this.keys()
        .select(SELECT)
        .eq("user_id", userId)
        .order("created_at", { ascending: false })
        .order("id", { ascending: false }),
    );
    return rows.map(toRecord);
  }

  async updateApiKey(id: string, changes: ApiKeyChanges, userId?: string): Promise<ApiKeyRecord | null> {
    const given = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    if (Object.keys(given).length === 0) return this.getApiKeyById(id, userId);
    if (given.expires_at instanceof Date) given.expires_at = iso(given.expires_at);
    return this.one(owned(this.keys().update(given).eq("id", id), userId).select(SELECT));
  }

  async updateApiKeyUsage(id: string, usage: { cost?: number; at?: Date } = {}): Promise<ApiKeyRecord | null> {
    const rows = await data<Row[]>(
      this.client.rpc("vx_record_api_key_usage", {
        p_key_id: id,
        p_cost: usage.cost ?? 1,
        p_at: iso(usage.at ?? new Date()),
      }),
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async deleteApiKey(id: string, userId?: string): Promise<boolean> {
    return (await counted(owned(this.keys().delete({ count: "exact" }).eq("id", id), userId))) > 0;
  }

  async getApiKeyUsageStats(id: string, range?: UsageRange, userId?: string): Promise<UsageBucket[]> {
    let query = this.client.from("api_key_usage_hourly").select("hour,request_count").eq("key_id", id);
    if (range?.from) query = query.gte("hour", iso(range.from));
    if (range?.to) query = query.lt("hour", iso(range.to));
    const rows = await data<Array<{ hour: string; request_count: number }>>(owned(query, userId).order("hour"));
    return rows.map((r) => ({ hour: new Date(r.hour), requests: r.request_count }));
  }

  async rotateApiKey(id: string, replacement: KeyReplacement, userId?: string): Promise<RotationResult | null> {
    const rows = await data<Row[]>(
      rpc(this.client, "vx_rotate_api_key", {
        p_key_id: id,
        p_user_id: userId ?? null,
        p_key_prefix: replacement.key_prefix,
        p_key_hash: replacement.key_hash,
        p_now: iso(replacement.now),
        p_retire_at: iso(replacement.retire_at),
      }),
    );
    const previous = rows.find((r) => r.id === id);
    const current = rows.find((r) => r.id !== id);
    if (!previous || !current) return null;
    return { previous: toRecord(previous), current: toRecord(current) };
  }

  async verifyApiKeys(requests: readonly VerificationRequest[], now: Date): Promise<VerificationOutcome[]> {
    const rows = await data<Row[]>(
      requests.length === 1 ? this.verifyOne(requests[0]!, now) : this.verifyBatch(requests, now),
    );
    const outcomes = new Array<VerificationOutcome>(requests.length);
    for (const row of rows) outcomes[(row.ord as number) - 1] = toOutcome(row);
    return outcomes;
  }

  /** One request takes the one-statement fast path (migration 008), as in the pg adapter. */
  private verifyOne(request: VerificationRequest, now: Date) {
    return this.client.rpc("vx_verify_api_key", {
      p_hash: request.keyHash,
      p_scopes: [...request.scopes],
      p_cost: request.cost,
      p_now: iso(now),
    });
  }

  private verifyBatch(requests: readonly VerificationRequest[], now: Date) {
    return this.client.rpc("vx_verify_api_keys", {
      p_hashes: requests.map((r) => r.keyHash),
      // Scopes are validated to contain no spaces, so a space-joined string carries each request's list.
      p_scopes: requests.map((r) => r.scopes.join(" ")),
      p_costs: requests.map((r) => r.cost),
      p_now: iso(now),
    });
  }

  private keys() {
    return this.client.from("api_keys");
  }

  private async one(query: Parameters<typeof data>[0]) {
    const rows = await data<Row[]>(query);
    return rows[0] ? toRecord(rows[0]) : null;
  }
}

function toOutcome(row: Row): VerificationOutcome {
  const { ord: _ord, code, window_count, window_reset, ...key } = row;
  const windowReset = new Date(window_reset as string);
  if (code === "NOT_FOUND") return { code, key: null, windowCount: null, windowReset };
  return {
    code: code as VerificationOutcome["code"],
    key: withDates(key, DATES),
    windowCount: window_count as number | null,
    windowReset,
  };
}
