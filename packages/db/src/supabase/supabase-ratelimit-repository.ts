// SupabaseRateLimitRepository: the standalone rate limiter through PostgREST; limiting and pruning are the SQL
// functions the pg adapter runs too (vx_ratelimit_batch, vx_ratelimit_prune), called through rpc.
import type {
  OverrideListOptions,
  RateLimitOutcome,
  RateLimitOverride,
  RateLimitRepository,
  RateLimitRequest,
} from "@vx/api-keys";
import { toRateLimitOutcomes, toRateLimitOverride } from "../api-keys/ratelimit-rows.js";
import { counted, data, iso, rpc, type VxSupabaseClient } from "./postgrest.js";
import { afterRow, ascending, readAll } from "./read-all.js";

const OVERRIDE_SELECT = "user_id,namespace,identifier,limit,duration_ms";

type Row = Record<string, unknown>;

/**
 * `limit` and `pruneIdle` are system work: they need the service-role client (vx_ratelimit_batch and
 * vx_ratelimit_prune are granted to service_role only; a user's client is refused with 42501). The overrides are
 * plain rows: on a user's client RLS restricts them to that user's own. PostgREST returns at most the project's
 * max_rows (Supabase's default: 1000) rows of a function, so keep a batch below it (RateLimiter's batches: 128).
 */
export class SupabaseRateLimitRepository implements RateLimitRepository {
  constructor(private readonly client: VxSupabaseClient) {}

  async limit(requests: readonly RateLimitRequest[], now: Date): Promise<RateLimitOutcome[]> {
    const rows = await data<Row[]>(
      rpc(this.client, "vx_ratelimit_batch", {
        p_user_ids: requests.map((r) => r.userId),
        p_namespaces: requests.map((r) => r.namespace),
        p_identifiers: requests.map((r) => r.identifier),
        p_limits: requests.map((r) => r.limit),
        p_durations: requests.map((r) => r.duration_ms),
        p_costs: requests.map((r) => r.cost),
        p_now: iso(now),
      }),
    );
    return toRateLimitOutcomes(rows, requests.length);
  }

  async setOverride(o: RateLimitOverride): Promise<RateLimitOverride> {
    const values = {
      user_id: o.user_id,
      namespace: o.namespace,
      identifier: o.identifier,
      limit: o.limit,
      duration_ms: o.duration_ms,
    };
    // One statement (INSERT … ON CONFLICT DO UPDATE), as in the pg adapter: no read-then-write race.
    const row = await data<Row>(
      this.overrides().upsert(values, { onConflict: "user_id,namespace,identifier" }).select(OVERRIDE_SELECT).single(),
    );
    return toRateLimitOverride(row);
  }

  async listOverrides(userId: string, options: OverrideListOptions = {}): Promise<RateLimitOverride[]> {
    const { namespace, limit } = options;
    const rows = await readAll<Row>((last, want) => {
      let query = this.overrides().select(OVERRIDE_SELECT).eq("user_id", userId);
      if (namespace !== undefined) query = query.eq("namespace", namespace);
      const after = last ?? options.after;
      if (after) query = query.or(afterRow(ascending("namespace", after), ascending("identifier", after)));
      return query.order("namespace").order("identifier").limit(want);
    }, limit);
    return rows.map(toRateLimitOverride);
  }

  async deleteOverride(userId: string, namespace: string, identifier: string): Promise<boolean> {
    const deleted = await counted(
      this.overrides()
        .delete({ count: "exact" })
        .eq("user_id", userId)
        .eq("namespace", namespace)
        .eq("identifier", identifier),
    );
    return deleted > 0;
  }

  async pruneIdle(idleBefore: Date, limit: number): Promise<number> {
    return data<number>(rpc(this.client, "vx_ratelimit_prune", { p_idle_before: iso(idleBefore), p_limit: limit }));
  }

  private overrides() {
    return this.client.from("ratelimit_overrides");
  }
}
