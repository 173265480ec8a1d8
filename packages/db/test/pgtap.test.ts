// Runs supabase/tests/database/*.test.sql (pgTAP) on both databases: pg_prove against Postgres, as
// `supabase test db` does, and a TAP reading of the same files on PGlite with its pgtap extension.
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { pgtap } from "@electric-sql/pglite-pgtap";
import { migrate, startEmbeddedPostgres } from "@vx/db";
import { createPostgresTestDatabase, testPostgresUrl } from "@vx/db/testing";
import pg from "pg";
import { describe, expect, it } from "vitest";

const testsDir = resolve(__dirname, "../../../supabase/tests/database");
const testFiles = async () => (await readdir(testsDir)).filter((f) => f.endsWith(".test.sql")).sort();

/** What pg_prove checks: a plan, that many tests run, none of them "not ok". */
function readTap(lines: string[]): { planned: number; ran: number; failures: string[] } {
  const plan = lines.find((l) => /^1\.\.\d+$/.test(l));
  return {
    planned: plan ? Number(plan.slice(3)) : -1,
    ran: lines.filter((l) => /^(not )?ok \d+/.test(l)).length,
    failures: lines.filter((l) => l.startsWith("not ok") || l.startsWith("#")),
  };
}

describe("pgTAP [pglite]", () => {
  it("passes every supabase/tests/database file", async () => {
    const embedded = await startEmbeddedPostgres({ extensions: { pgtap } });
    const client = new pg.Client({ connectionString: embedded.url });
    try {
      await migrate({ databaseUrl: embedded.url });
      await client.connect();
      for (const file of await testFiles()) {
        const results = await client.query(await readFile(join(testsDir, file), "utf8"));
        const lines = (Array.isArray(results) ? results : [results])
          .flatMap((r: pg.QueryResult) => r.rows ?? [])
          .flatMap((row: Record<string, unknown>) => Object.values(row))
          .filter((v): v is string => typeof v === "string")
          .flatMap((v) => v.split("\n"));
        const tap = readTap(lines);
        expect(tap.failures, file).toEqual([]);
        expect(tap.ran, file).toBe(tap.planned);
        expect(tap.planned, file).toBeGreaterThan(0);
      }
    } finally {
      await client.end().catch(() => {});
      await embedded.stop();
    }
  });
});

describe.skipIf(!testPostgresUrl())("pgTAP [postgres, pg_prove]", () => {
  it("passes every supabase/tests/database file", async () => {
    const { db, drop } = await createPostgresTestDatabase(testPostgresUrl()!);
    try {
      const files = (await testFiles()).map((f) => join(testsDir, f));
      const { stdout } = await promisify(execFile)("pg_prove", ["--dbname", db.url, ...files]).catch((error) => {
        // pg_prove exits non-zero on any failure; show what it said.
        throw new Error(
          `pg_prove failed (is Debian's postgresql-15-pgtap installed?):\n${error.stdout ?? ""}${error.stderr ?? error.message}`,
        );
      });
      expect(stdout).toMatch(/Result: PASS/);
    } finally {
      await drop();
    }
  });
});
