// Migrations go up, all the way down, and up again to an identical schema; status reports what is pending.
import { listMigrationFiles, migrate, migrationStatus, type Queryable } from "@vx/db";
import { describeDatabases } from "@vx/db/testing";
import { expect, it } from "vitest";

const SCHEMAS = "('public', 'auth')";

/** Everything a migration can create, read from the catalog, as sorted text lines. */
async function schemaSnapshot(db: Queryable): Promise<string[]> {
  const queries = [
    `SELECT format('column %s.%s.%s %s null=%s default=%s', table_schema, table_name, column_name,
            data_type, is_nullable, column_default)
       FROM information_schema.columns WHERE table_schema IN ${SCHEMAS}`,
    `SELECT format('constraint %s.%s %s', n.nspname, c.conname, pg_get_constraintdef(c.oid))
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname IN ${SCHEMAS}`,
    `SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname IN ${SCHEMAS}`,
    `SELECT format('policy %s.%s %s %s %s %s', tablename, policyname, cmd, roles, qual, with_check)
       FROM pg_policies WHERE schemaname IN ${SCHEMAS}`,
    `SELECT format('trigger %s', pg_get_triggerdef(t.oid)) FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal AND n.nspname IN ${SCHEMAS}`,
    `SELECT format('function %s', pg_get_functiondef(p.oid)) FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN ${SCHEMAS} AND p.prokind IN ('f', 'p')`,
    `SELECT format('grant %s %s.%s %s', grantee, table_schema, table_name, privilege_type)
       FROM information_schema.role_table_grants WHERE table_schema IN ${SCHEMAS}`,
    `SELECT format('column grant %s %s.%s %s', grantee, table_name, column_name, privilege_type)
       FROM information_schema.column_privileges WHERE table_schema IN ${SCHEMAS} AND grantee <> 'postgres'`,
    `SELECT format('rls %s %s', relname, relrowsecurity) FROM pg_class
      WHERE relnamespace IN (SELECT oid FROM pg_namespace WHERE nspname IN ${SCHEMAS}) AND relkind = 'r'`,
  ];
  const lines: string[] = [];
  for (const sql of queries) {
    const { rows } = await db.query<{ format: string }>(sql);
    lines.push(...rows.map((r) => r.format));
  }
  return lines.sort();
}

describeDatabases("migrations", ({ db }) => {
  it("applies every migration file, in order, and reports none pending", async () => {
    const files = (await listMigrationFiles()).map((f) => f.replace(/\.sql$/, ""));
    expect(files.slice(0, 4)).toEqual([
      "000_supabase_bootstrap",
      "001_create_api_keys_table",
      "002_create_webhooks_tables",
      "003_create_ivr_tables",
    ]);
    expect(await migrationStatus(db())).toEqual({ applied: files, pending: [], current: true });
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
