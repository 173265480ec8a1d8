// migrate() returns with its connection closed: node-pg-migrate's own client was ended without waiting, so a
// DROP DATABASE … WITH (FORCE) just after (every test teardown) terminated it and crashed the process with an
// uncaught 57P01 "terminating connection due to administrator command" (seen once in CI).
import { randomBytes } from "node:crypto";
import { migrate } from "@vx/db";
import { runOnServer, testPostgresUrl, withDatabase } from "@vx/db/testing";
import pg from "pg";
import { describe, expect, it } from "vitest";

const server = testPostgresUrl();

describe.skipIf(!server)("migrate() on Postgres", () => {
  it("has closed its connection when it returns, so the database can be dropped at once", async () => {
    const name = `vx_test_migrate_${randomBytes(4).toString("hex")}`;
    await runOnServer(server!, `CREATE DATABASE ${name}`);
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", record);
    const watcher = new pg.Client({ connectionString: server });
    await watcher.connect();
    try {
      const url = withDatabase(server!, name);
      const sessions = async () =>
        Number(
          (await watcher.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1", [name])).rows[0].n,
        );
      for (const direction of ["up", "down", "up"] as const) {
        await migrate({ databaseUrl: url, direction });
        expect(await sessions(), `after migrate ${direction}`).toBe(0);
      }
      await runOnServer(server!, `DROP DATABASE ${name} WITH (FORCE)`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", record);
      await watcher.end();
      await runOnServer(server!, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }, 60_000);
});
