/** Which migrations are applied and which are pending: for `migrate status` and readiness checks. */
import { listMigrationFiles, MIGRATIONS_TABLE } from "./migrate.js";
import type { Queryable } from "./queryable.js";

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  current: boolean;
}

export async function migrationStatus(db: Queryable): Promise<MigrationStatus> {
  const files = (await listMigrationFiles()).map((f) => f.replace(/\.sql$/, ""));
  const exists = await db.query<{ t: string | null }>("SELECT to_regclass($1) AS t", [`public.${MIGRATIONS_TABLE}`]);
  const applied = exists.rows[0]?.t
    ? (await db.query<{ name: string }>(`SELECT name FROM public.${MIGRATIONS_TABLE} ORDER BY run_on, id`)).rows.map(
        (r) => r.name,
      )
    : [];
  const pending = files.filter((f) => !applied.includes(f));
  return { applied, pending, current: pending.length === 0 };
}
