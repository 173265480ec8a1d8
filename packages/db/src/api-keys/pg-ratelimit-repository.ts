// PgRateLimitRepository: the standalone rate limiter on Postgres or PGlite; one statement per batch
// (vx_ratelimit_batch, migration 015), overrides as plain rows under RLS when built on a user's transaction.
import type {
  OverrideListOptions,
  RateLimitOutcome,
  RateLimitOverride,
  RateLimitRepository,
  RateLimitRequest,
} from "@vx/api-keys";
import { type Queryable, queryPrepared } from "../queryable.js";
import { toRateLimitOutcomes, toRateLimitOverride } from "./ratelimit-rows.js";

const limitBatch =
  "SELECT * FROM public.vx_ratelimit_batch($1::uuid[], $2::text[], $3::text[], $4::integer[], $5::bigint[], $6::integer[], $7)";

const OVERRIDE_COLUMNS = 'user_id, namespace, identifier, "limit", duration_ms';

const upsertOverride = `
  INSERT INTO public.ratelimit_overrides AS o (user_id, namespace, identifier, "limit", duration_ms)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (user_id, namespace, identifier) DO UPDATE SET "limit" = excluded."limit", duration_ms = excluded.duration_ms
  RETURNING ${OVERRIDE_COLUMNS}`;

/** A page on the (user_id, namespace, identifier) unique index, from the row after `after` ('' sorts first). */
export const selectOverrides = `
  SELECT ${OVERRIDE_COLUMNS} FROM public.ratelimit_overrides
  WHERE user_id = $1 AND ($2::text IS NULL OR namespace = $2)
    AND (namespace, identifier) > (coalesce($3, ''), coalesce($4, ''))
  ORDER BY namespace, identifier LIMIT $5`;

const pruneIdle = "SELECT public.vx_ratelimit_prune($1, $2) AS pruned";

const deleteOverride =
  "DELETE FROM public.ratelimit_overrides WHERE user_id = $1 AND namespace = $2 AND identifier = $3";

type Row = Record<string, unknown>;

export class PgRateLimitRepository implements RateLimitRepository {
  constructor(private readonly db: Queryable) {}

  async limit(requests: readonly RateLimitRequest[], now: Date): Promise<RateLimitOutcome[]> {
    const { rows } = await queryPrepared<Row>(this.db, "vx_ratelimit_batch", limitBatch, [
      requests.map((r) => r.userId),
      requests.map((r) => r.namespace),
      requests.map((r) => r.identifier),
      requests.map((r) => r.limit),
      requests.map((r) => r.duration_ms),
      requests.map((r) => r.cost),
      now,
    ]);
    return toRateLimitOutcomes(rows, requests.length);
  }

  async setOverride(o: RateLimitOverride): Promise<RateLimitOverride> {
    const { rows } = await this.db.query<Row>(upsertOverride, [
      o.user_id,
      o.namespace,
      o.identifier,
      o.limit,
      o.duration_ms,
    ]);
    return toRateLimitOverride(rows[0]!);
  }

  async listOverrides(userId: string, options: OverrideListOptions = {}): Promise<RateLimitOverride[]> {
    const { namespace, after, limit } = options;
    const params = [userId, namespace ?? null, after?.namespace ?? null, after?.identifier ?? null, limit ?? null];
    return (await this.db.query<Row>(selectOverrides, params)).rows.map(toRateLimitOverride);
  }

  async deleteOverride(userId: string, namespace: string, identifier: string): Promise<boolean> {
    return (await this.db.query(deleteOverride, [userId, namespace, identifier])).rowCount > 0;
  }

  /** vx_ratelimit_prune (migration 024): needs the system's connection, as `limit` does. */
  async pruneIdle(idleBefore: Date, limit: number): Promise<number> {
    const { rows } = await this.db.query<{ pruned: number }>(pruneIdle, [idleBefore, limit]);
    return rows[0]!.pruned;
  }
}
