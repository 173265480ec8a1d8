// SupabaseApiKeyRepository: @vx/api-keys storage through PostgREST; rotation, counting and verification are
// the SQL functions the pg adapter runs too, called through rpc.
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
import { sumUsageBuckets } from "@vx/api-keys";
import {
  creditColumns,
  encodeRequestedLimits,
  toApiKeyRecord,
  toIdentity,
  toUsageBucket,
  toVerificationOutcomes,
} from "../api-keys/rows.js";
import type { Json } from "./database.types.js";
import { counted, data, exactUtc, iso, owned, rpc, SupabaseRequestError, type VxSupabaseClient } from "./postgrest.js";
import { afterRow, ascending, descending, readAll } from "./read-all.js";

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
  "meta",
  "ratelimits",
  "credits_remaining",
  "credits_refill",
  "identity_id",
];
const SELECT = COLUMNS.join(",");
const IDENTITY_SELECT = "id,user_id,external_id,meta,ratelimits,credits_remaining,credits_refill,created_at,updated_at";

type Row = Record<string, unknown>;
const toRecord = toApiKeyRecord;

/**
 * On a user's client RLS restricts every method to that user's keys as well. Verification and usage counting
 * are system work: they need the service-role client (their functions are granted to service_role only).
 */
export class SupabaseApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly client: VxSupabaseClient) {}

  async createApiKey(row: NewApiKeyRecord): Promise<ApiKeyRecord> {
    const { credits, ...rest } = row;
    const [credits_remaining, refill] = creditColumns(credits);
    const values = {
      ...rest,
      expires_at: row.expires_at && iso(row.expires_at),
      created_at: iso(row.created_at),
      credits_remaining,
      credits_refill: asJson(credits?.refill),
      credits_refilled_at: refill === null ? null : iso(row.created_at),
      meta: asJson(rest.meta),
      ratelimits: rest.ratelimits as unknown as Json[],
    };
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
    const rows = await readAll<Row>((last, want) => {
      const query = this.keys().select(SELECT).eq("user_id", userId);
      const after = last ? query.or(afterRow(descending("created_at", last), descending("id", last))) : query;
      return after.order("created_at", { ascending: false }).order("id", { ascending: false }).limit(want);
    });
    return rows.map(toRecord);
  }

  async listApiKeysPage(userId: string, options: KeyListOptions): Promise<PositionedKey[]> {
    const { limit, after, identityId } = options;
    const rows = await readAll<Row>((last, want) => {
      let query = this.keys().select(SELECT).eq("user_id", userId);
      if (identityId !== undefined) query = query.eq("identity_id", identityId);
      const from = last ? { created_at: String(last.created_at), id: String(last.id) } : after;
      if (from) {
        query = query.or(afterRow(descending("created_at", from), descending("id", from)));
      }
      return query.order("created_at", { ascending: false }).order("id", { ascending: false }).limit(want);
    }, limit);
    return rows.map((row) => ({
      key: toRecord(row),
      position: { created_at: exactUtc(String(row.created_at)), id: String(row.id) },
    }));
  }

  async updateApiKey(id: string, changes: ApiKeyChanges, userId?: string): Promise<ApiKeyRecord | null> {
    const given = givenColumns(changes);
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

  getApiKeyUsageStats(id: string, range?: UsageRange, userId?: string): Promise<UsageBucket[]> {
    return this.usageBuckets([id], range, userId);
  }

  /**
   * PostgREST has no GROUP BY without an rpc: the keys' buckets are read and summed here, 100 keys to a request so
   * that the URL's `in.(…)` list stays short (about 3.7 KB; gateways refuse URLs of some 8 KB and more).
   */
  async getKeysUsageStats(ids: readonly string[], range?: UsageRange, userId?: string): Promise<UsageBucket[]> {
    const unique = [...new Set(ids)];
    const chunks = Array.from({ length: Math.ceil(unique.length / 100) }, (_, i) =>
      unique.slice(i * 100, i * 100 + 100),
    );
    const each = await Promise.all(chunks.map((chunk) => this.usageBuckets(chunk, range, userId)));
    return sumUsageBuckets(each.flat());
  }

  /** The hour buckets of these keys in the range, oldest first (one row per key and hour: 100 keys × 744 hours). */
  private async usageBuckets(keyIds: string[], range?: UsageRange, userId?: string): Promise<UsageBucket[]> {
    const rows = await readAll<Row>((last, want) => {
      let query = this.client
        .from("api_key_usage_hourly")
        .select(
          "hour,key_id,request_count,valid_count,rate_limited_count,usage_exceeded_count,disabled_count,expired_count,insufficient_scope_count",
        )
        .in("key_id", keyIds);
      if (range?.from) query = query.gte("hour", iso(range.from));
      if (range?.to) query = query.lt("hour", iso(range.to));
      if (last) query = query.or(afterRow(ascending("hour", last), ascending("key_id", last)));
      return owned(query, userId).order("hour").order("key_id").limit(want);
    });
    return rows.map(toUsageBucket);
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
    return toVerificationOutcomes(rows, requests, now);
  }

  async changeCredits(id: string, change: CreditsChange, userId?: string): Promise<number | null> {
    return data<number | null>(
      rpc(this.client, "vx_api_key_credits", {
        p_target: change.target ?? "key",
        p_id: id,
        p_user_id: userId ?? null,
        p_op: change.op,
        p_amount: change.amount,
        p_now: iso(change.now),
      }),
    );
  }

  async changeCreditsRefill(id: string, change: CreditsRefillChange, userId?: string): Promise<number | null> {
    return data<number | null>(
      rpc(this.client, "vx_credits_set_refill", {
        p_target: change.target ?? "key",
        p_id: id,
        p_user_id: userId ?? null,
        p_refill: asJson(change.refill),
        p_now: iso(change.now),
      }),
    );
  }

  async createIdentity(row: NewIdentityRecord): Promise<Identity | null> {
    const at = iso(row.created_at);
    const values = {
      user_id: row.user_id,
      external_id: row.external_id,
      meta: asJson(row.meta),
      ratelimits: row.ratelimits as unknown as Json[],
      credits_remaining: row.credits?.remaining ?? null,
      credits_refill: asJson(row.credits?.refill),
      credits_refilled_at: at,
      created_at: at,
      updated_at: at,
    };
    try {
      return toIdentity(await data<Row>(this.identities().insert(values).select(IDENTITY_SELECT).single()));
    } catch (error) {
      // A taken external id: Postgres's unique_violation, passed on by PostgREST.
      if (error instanceof SupabaseRequestError && error.code === "23505") return null;
      throw error;
    }
  }

  async getIdentity(id: string, userId?: string): Promise<Identity | null> {
    const rows = await data<Row[]>(owned(this.identities().select(IDENTITY_SELECT).eq("id", id), userId));
    return rows[0] ? toIdentity(rows[0]) : null;
  }

  async listIdentities(userId: string, options: IdentityListOptions = {}): Promise<Identity[]> {
    const { externalId, limit } = options;
    const rows = await readAll<Row>((last, want) => {
      let query = this.identities().select(IDENTITY_SELECT).eq("user_id", userId);
      if (externalId !== undefined) query = query.eq("external_id", externalId);
      const after = (last?.external_id as string | undefined) ?? options.after;
      if (after !== undefined) query = query.gt("external_id", after);
      return query.order("external_id", { ascending: true }).limit(want);
    }, limit);
    return rows.map(toIdentity);
  }

  async updateIdentity(id: string, changes: IdentityChanges, userId?: string): Promise<Identity | null> {
    const given = givenColumns(changes);
    if (Object.keys(given).length === 0) return this.getIdentity(id, userId);
    const rows = await data<Row[]>(owned(this.identities().update(given).eq("id", id), userId).select(IDENTITY_SELECT));
    return rows[0] ? toIdentity(rows[0]) : null;
  }

  async deleteIdentity(id: string, userId?: string): Promise<boolean> {
    return (await counted(owned(this.identities().delete({ count: "exact" }).eq("id", id), userId))) > 0;
  }

  private identities() {
    return this.client.from("api_key_identities");
  }

  /** One request takes the one-statement fast path, as in the pg adapter. */
  private verifyOne(request: VerificationRequest, now: Date) {
    return this.client.rpc("vx_api_key_verify", {
      p_hash: request.keyHash,
      p_scopes: [...request.scopes],
      p_cost: request.cost,
      p_ratelimits: encodeRequestedLimits(request),
      p_now: iso(now),
    });
  }

  private verifyBatch(requests: readonly VerificationRequest[], now: Date) {
    return this.client.rpc("vx_api_key_verify_batch", {
      p_hashes: requests.map((r) => r.keyHash),
      // Scopes and limit names are validated to contain no spaces, so a space-joined string carries each list.
      p_scopes: requests.map((r) => r.scopes.join(" ")),
      p_costs: requests.map((r) => r.cost),
      p_ratelimits: requests.map(encodeRequestedLimits),
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

/** The columns a change sets: the given settings, credits split into their three columns. */
function givenColumns(changes: ApiKeyChanges | IdentityChanges): Row {
  const { credits, credits_set_at, ...settings } = changes;
  const given: Row = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
  if (credits !== undefined) {
    given.credits_remaining = credits?.remaining ?? null;
    given.credits_refill = credits?.refill ?? null;
    given.credits_refilled_at = credits_set_at ? iso(credits_set_at) : null;
  }
  return given;
}

/** Our typed JSON values (refills, meta) as the generated `Json` column type; undefined is SQL NULL. */
function asJson(value: object | null | undefined): Json | null {
  return (value ?? null) as Json | null;
}
