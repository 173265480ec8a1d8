// Migrations refuse a transaction pooler (Supabase's port 6543, `pgbouncer=true`) before connecting: their session
// lock would stay behind on a pooled connection and block every later run. `migrationUrl` sends them elsewhere.
import { randomBytes } from "node:crypto";
import { DbError, isTransactionPoolerUrl, migrate, migrationStatus, openDatabase } from "@vx/db";
import { runOnServer, testPostgresUrl, withDatabase } from "@vx/db/testing";
import { describe, expect, it } from "vitest";

const SUPABASE_POOLER = "postgresql://postgres.abcdefgh:s3cret@aws-0-eu-central-1.pooler.supabase.com:6543/postgres";

describe("transaction poolers", () => {
  it("are told by Supabase's pooler port or Prisma's pgbouncer=true marker, nothing else", () => {
    expect(isTransactionPoolerUrl(SUPABASE_POOLER)).toBe(true);
    expect(isTransactionPoolerUrl("postgresql://u@db.example.com:5432/app?pgbouncer=true")).toBe(true);
    expect(isTransactionPoolerUrl(SUPABASE_POOLER.replace(":6543", ":5432"))).toBe(false);
    expect(isTransactionPoolerUrl("postgresql://u@db.example.com/app")).toBe(false);
    expect(isTransactionPoolerUrl("postgresql://u@db.example.com:6432/app?pgbouncer=false")).toBe(false);
    expect(isTransactionPoolerUrl("not a url")).toBe(false);
  });

  it("refuses to migrate through one before connecting, naming host and port but never the password", async () => {
    const error = await migrate({ databaseUrl: SUPABASE_POOLER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DbError);
    expect((error as DbError).code).toBe("migrations_need_session");
    expect((error as DbError).message).toMatch(
      /^migrations cannot run through a transaction pooler \(aws-0-eu-central-1\.pooler\.supabase\.com:6543\): .*DATABASE_MIGRATION_URL/,
    );
    expect((error as DbError).message).not.toContain("s3cret");
  });

  const server = testPostgresUrl();
  describe.skipIf(!server)("on a new database (Postgres)", () => {
    async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
      const name = `vx_test_pooler_${randomBytes(4).toString("hex")}`;
      await runOnServer(server!, `CREATE DATABASE ${name}`);
      return {
        url: withDatabase(server!, name),
        drop: () => runOnServer(server!, `DROP DATABASE ${name} WITH (FORCE)`),
      };
    }

    it("opens nothing and applies nothing when pending migrations would go through the pooler", async () => {
      const fresh = await freshDatabase();
      try {
        // The app's own URL marked as a pooler: the status is read over it, the migrations are refused.
        const pooled = `${fresh.url}?pgbouncer=true`;
        await expect(openDatabase({ url: pooled })).rejects.toMatchObject({ code: "migrations_need_session" });
        const db = await openDatabase({ url: fresh.url, migrate: false });
        expect((await migrationStatus(db)).applied).toEqual([]);
        await db.close();
      } finally {
        await fresh.drop();
      }
    });

    it("migrates over migrationUrl and serves over the pooled url", async () => {
      const fresh = await freshDatabase();
      try {
        const db = await openDatabase({ url: `${fresh.url}?pgbouncer=true`, migrationUrl: fresh.url });
        expect((await migrationStatus(db)).current).toBe(true);
        await db.close();
        // Up to date: a start over the pooler alone reads the status and runs no migration, so it is not refused.
        const again = await openDatabase({ url: `${fresh.url}?pgbouncer=true` });
        await again.close();
      } finally {
        await fresh.drop();
      }
    }, 60_000);
  });
});
