// Migrations go up, all the way down, and up again to an identical schema; status reports what is pending.
import { listMigrationFiles, migrate, migrationStatus, revertNeedsConfirmation } from "@vx/db";
import { describeDatabases } from "@vx/db/testing";
import { describe, expect, it } from "vitest";
import { schemaSnapshot } from "./schema-snapshot.js";

describeDatabases("migrations", ({ db }) => {
  it("applies every migration file, in order, and reports none pending", async () => {
    const files = (await listMigrationFiles()).map((f) => f.replace(/\.sql$/, ""));
    expect(files.slice(0, 4)).toEqual([
      "000_supabase_bootstrap",
      "001_create_api_keys_table",
      "002_create_webhooks_tables",
      "003_create_ivr_tables",
    ]);
    expect(await migrationStatus(db())).toEqual({ applied: files, pending: [], current: true, unknown: [] });
  });

  it("names the migrations a newer version applied, which this one has no file for", async () => {
    const newer = "999_from_a_newer_vx";
    await db().query("INSERT INTO public.vx_migrations (name, run_on) VALUES ($1, now())", [newer]);
    try {
      const status = await migrationStatus(db());
      expect(status.unknown).toEqual([newer]);
      expect(status.applied.at(-1)).toBe(newer);
      expect(status.current).toBe(true);
    } finally {
      await db().query("DELETE FROM public.vx_migrations WHERE name = $1", [newer]);
    }
  });

  it("goes down completely and up again to an identical schema", async () => {
    const before = await schemaSnapshot(db());
    expect(before.some((line) => line.startsWith("index CREATE UNIQUE INDEX idx_api_keys_key_hash"))).toBe(true);

    const files = await listMigrationFiles();
    const down = await migrate({ databaseUrl: db().url, direction: "down", count: files.length });
    expect(down).toHaveLength(files.length);
    const status = await migrationStatus(db());
    expect(status.applied).toEqual([]);
    expect(status.current).toBe(false);
    const tables = await db().query("SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'api_keys'");
    expect(tables.rowCount).toBe(0);

    await migrate({ databaseUrl: db().url });
    expect(await schemaSnapshot(db())).toEqual(before);
  });

  it("a second up is a no-op", async () => {
    expect(await migrate({ databaseUrl: db().url })).toEqual([]);
  });
});

describe("revertNeedsConfirmation", () => {
  const status = { applied: ["001_a", "002_b", "003_c"], pending: [], current: true, unknown: [] };

  it("lets one migration go down without asking, and nothing when none is applied", () => {
    expect(revertNeedsConfirmation(status)).toBeUndefined();
    expect(revertNeedsConfirmation(status, 1)).toBeUndefined();
    expect(revertNeedsConfirmation({ ...status, applied: [] }, 5)).toBeUndefined();
    expect(revertNeedsConfirmation({ ...status, applied: ["001_a"] }, 99)).toBeUndefined();
  });

  it("names how many and which migrations more would revert, and says when that is every one", () => {
    expect(revertNeedsConfirmation(status, 2)).toBe(
      "migrate down 2 would revert 2 migrations (003_c back to 002_b), dropping the tables and columns they made with their rows: add --yes to go ahead",
    );
    expect(revertNeedsConfirmation(status, 99)).toMatch(
      /^migrate down 99 would revert 3 migrations \(003_c back to 001_a, every one applied\)/,
    );
  });
});
