/**
 * Migrations need one session from start to end: node-pg-migrate holds a session advisory lock while it runs. A
 * transaction pooler (Supabase's Supavisor on port 6543, PgBouncer in transaction mode) hands each statement to
 * whichever server connection is free, so that lock stays behind on one of them and every later run fails with
 * "Another migration is already running" until the pooler drops that connection. Refused before connecting.
 */
import { DbError } from "./errors.js";

/** Supabase's transaction pooler port, or `pgbouncer=true` (Prisma's marker, which Supabase's guides use). */
export function isTransactionPoolerUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.port === "6543" || parsed.searchParams.get("pgbouncer") === "true";
}

export function refuseTransactionPooler(url: string): void {
  if (!isTransactionPoolerUrl(url)) return;
  const { hostname, port } = new URL(url);
  throw new DbError(
    "migrations_need_session",
    `migrations cannot run through a transaction pooler (${hostname}:${port || 5432}): its pooled connections keep ` +
      "node-pg-migrate's session lock and block every later run; migrate over the direct or session connection " +
      "(port 5432): DATABASE_MIGRATION_URL for vx, openDatabase({ migrationUrl }) from code",
  );
}
