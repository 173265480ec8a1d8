// Monthly partitions (webhook_logs, migration 017): made months ahead by every retention pass, listed for operators.
import type { Queryable } from "../queryable.js";

/** Tables partitioned by month on created_at. */
export const MONTHLY_PARTITIONED_TABLES = ["webhook_logs"] as const;
export type MonthlyPartitionedTable = (typeof MONTHLY_PARTITIONED_TABLES)[number];

/** How far ahead partitions exist: a worker stopped for up to this long still finds its month's partition. */
export const PARTITION_MONTHS_AHEAD = 3;

/** Creates the partitions of `table` through the month `monthsAhead` months after `now`; returns how many it made. */
export async function createMonthPartitions(
  db: Queryable,
  table: MonthlyPartitionedTable,
  now: Date,
  monthsAhead = PARTITION_MONTHS_AHEAD,
): Promise<number> {
  const through = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + monthsAhead, now.getUTCDate()));
  const { rows } = await db.query<{ made: number }>("SELECT public.vx_create_month_partitions($1, $2) AS made", [
    table,
    through,
  ]);
  return rows[0]?.made ?? 0;
}

export interface PartitionInfo {
  /** Schema-qualified name, e.g. `vx_partitions.webhook_logs_2027_01`. */
  name: string;
  /** Inclusive lower bound; null for the first partition (everything before) and the default partition. */
  from: Date | null;
  /** Exclusive upper bound; null for the default partition (rows past the last month). */
  to: Date | null;
}

/** The partitions of `table`, oldest first, the default partition last. */
export async function listPartitions(db: Queryable, table: MonthlyPartitionedTable): Promise<PartitionInfo[]> {
  const { rows } = await db.query<{ name: string; from: Date | null; to: Date | null }>(
    `SELECT i.inhrelid::regclass::text AS name,
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz AS "from",
            public.vx_partition_upper_bound(i.inhrelid) AS "to"
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = ('public.' || quote_ident($1))::regclass
      ORDER BY "to" NULLS LAST`,
    [table],
  );
  return rows;
}

/**
 * The online steps before migration 017 on a large `webhook_logs` (docs/scaling.md): its (id, created_at) index
 * built CONCURRENTLY and the bound of its partition (before next month, UTC) checked with NOT VALID + VALIDATE,
 * all while reads and writes go on, so that the migration itself only changes the catalog. Run it on the pool
 * (never in a transaction), in the month the migration will run.
 */
export async function prepareWebhookLogsPartitioning(db: Queryable, now = new Date()): Promise<void> {
  const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
  await db.query(
    "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS webhook_logs_id_created_at_key ON public.webhook_logs (id, created_at)",
  );
  await db.query(
    "ALTER TABLE public.webhook_logs ADD CONSTRAINT webhook_logs_created_at_partition_bound " +
      `CHECK (created_at < '${nextMonth}') NOT VALID`,
  );
  await db.query("ALTER TABLE public.webhook_logs VALIDATE CONSTRAINT webhook_logs_created_at_partition_bound");
}
