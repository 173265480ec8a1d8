/** Which migrations are applied and which are pending: for `migrate status` and readiness checks. */
import { listMigrationFiles, MIGRATIONS_TABLE } from "./migrate.js";
import type { Queryable } from "./queryable.js";

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  current: boolean;
  /**
   * Applied, with no file in this version: a newer version migrated this database. It runs (migrations only add,
   * so a rolling deploy runs old and new side by side for a while), but should be upgraded.
   */
  unknown: string[];
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
  const unknown = applied.filter((a) => !files.includes(a));
  return { applied, pending, current: pending.length === 0, unknown };
}

/** `migrate status` as printed by both CLIs: one line per migration, in the order applied, then the pending ones. */
export function migrationStatusLines(status: MigrationStatus): string[] {
  const newer = "  (not in this vx: a newer version applied it; upgrade this one)";
  return [
    ...status.applied.map((name) => `applied  ${name}${status.unknown.includes(name) ? newer : ""}`),
    ...status.pending.map((name) => `pending  ${name}`),
  ];
}
