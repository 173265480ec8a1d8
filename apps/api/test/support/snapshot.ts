/**
 * Every stored row of one user, table by table, found in the catalog (tables with a `user_id`, and tables that
 * hang off the user's webhooks), so a test can prove another user's requests changed none of them.
 */
import type { Queryable } from "@vx/db";

export type UserSnapshot = Record<string, unknown[]>;

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

export async function snapshotUser(db: Queryable, userId: string): Promise<UserSnapshot> {
  const { rows: tables } = await db.query<{ schema: string; table: string; by: "user_id" | "webhook_id" }>(
    `SELECT c.table_schema AS schema, c.table_name AS table,
            CASE WHEN bool_or(c.column_name = 'user_id') THEN 'user_id' ELSE 'webhook_id' END AS by
       FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.column_name IN ('user_id', 'webhook_id')
      GROUP BY 1, 2
      ORDER BY 1, 2`,
  );
  const snapshot: UserSnapshot = {};
  const user = await db.query("SELECT to_jsonb(u) AS row FROM auth.users u WHERE u.id = $1", [userId]);
  snapshot["auth.users"] = user.rows.map((r) => (r as { row: unknown }).row);
  for (const { schema, table, by } of tables) {
    const owner =
      by === "user_id" ? "t.user_id = $1" : "t.webhook_id IN (SELECT w.id FROM public.webhooks w WHERE w.user_id = $1)";
    const { rows } = await db.query<{ rows: unknown[] }>(
      `SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text), '[]'::jsonb) AS rows
         FROM ${quote(schema)}.${quote(table)} t WHERE ${owner}`,
      [userId],
    );
    snapshot[`${schema}.${table}`] = rows[0]!.rows;
  }
  return snapshot;
}
