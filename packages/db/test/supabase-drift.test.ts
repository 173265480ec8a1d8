// supabase/migrations must always be exactly what `pnpm supabase:sync` makes from packages/db/migrations.
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { listMigrationFiles, migrate } from "@vx/db";
import { describeDatabases } from "@vx/db/testing";
import { expect, it } from "vitest";
import { supabaseMigrations, toSupabaseSql } from "../src/supabase-migrations.js";
import { schemaSnapshot } from "./schema-snapshot.js";

const supabaseDir = resolve(__dirname, "../../../supabase/migrations");

it("supabase/migrations matches packages/db/migrations (run `pnpm supabase:sync` after editing a migration)", async () => {
  const expected = await supabaseMigrations();
  const actualNames = (await readdir(supabaseDir)).filter((f) => f.endsWith(".sql")).sort();
  expect(actualNames).toEqual(expected.map((m) => m.fileName));
  for (const m of expected) {
    expect(await readFile(join(supabaseDir, m.fileName), "utf8"), m.fileName).toBe(m.sql);
  }
});

it("keeps only the Up half, so the Supabase CLI never runs a Down section", () => {
  const sql = toSupabaseSql(
    "009_x.sql",
    "-- what\n\n-- Up Migration\nCREATE TABLE t ();\n\n-- Down Migration\nDROP TABLE t;\n",
  );
  expect(sql).toContain("CREATE TABLE t ();");
  expect(sql).not.toContain("DROP TABLE");
});

it("refuses a migration without both markers", () => {
  expect(() => toSupabaseSql("009_x.sql", "CREATE TABLE t ();")).toThrow(/Up Migration/);
});

describeDatabases("the Supabase copy applied as the Supabase CLI would", ({ db }) => {
  it("builds the same schema as node-pg-migrate", async () => {
    const viaNodePgMigrate = await schemaSnapshot(db());
    const files = await listMigrationFiles();
    await migrate({ databaseUrl: db().url, direction: "down", count: files.length });
    // Parameterless queries use the simple protocol: each file runs as one multi-statement script.
    for (const m of await supabaseMigrations()) await db().query(m.sql);
    expect(await schemaSnapshot(db())).toEqual(viaNodePgMigrate);
  });
});

describeDatabases("supabase/seed.sql", ({ db }) => {
  it("loads on the migrated schema, twice, and gives each demo user only their own rows", async () => {
    const seed = await readFile(resolve(__dirname, "../../../supabase/seed.sql"), "utf8");
    await db().query(seed);
    await db().query(seed);
    const alice = "00000000-0000-4000-8000-00000000000a";
    const seen = await db().asUser(alice, async (tx) => ({
      agents: (await tx.query("SELECT 1 FROM agents")).rowCount,
      menus: (await tx.query("SELECT 1 FROM ivr_menus")).rowCount,
      webhooks: (await tx.query("SELECT 1 FROM webhooks")).rowCount,
    }));
    expect(seen).toEqual({ agents: 1, menus: 2, webhooks: 1 });
  });
});
