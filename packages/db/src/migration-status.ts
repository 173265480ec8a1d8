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

/**
 * Why `migrate down count` must be confirmed, or `undefined` when it reverts at most one migration. Going down
 * drops what those migrations created, rows included, and `down 99` for `down 9` is one keystroke: both CLIs
 * revert more than one only with `--yes`, as Prisma's `migrate reset` asks before it drops anything.
 */
export function revertNeedsConfirmation(status: MigrationStatus, count = 1): string | undefined {
  const reverted = status.applied.slice(-count);
  if (reverted.length <= 1) return undefined;
  const range = `${reverted[reverted.length - 1]} back to ${reverted[0]}`;
  const all = reverted.length === status.applied.length ? ", every one applied" : "";
  return `migrate down ${count} would revert ${reverted.length} migrations (${range}${all}), dropping the tables and columns they made with their rows: add --yes to go ahead`;
}
