// openDatabase: embedded PGlite persists in its folder across restarts; an unreachable server reports unhealthy.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database, migrationStatus, openDatabase } from "@vx/db";
import { afterAll, expect, it } from "vitest";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

it("embedded PGlite keeps its data in the data folder across restarts", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "vx-data-"));
  dirs.push(dataDir);
  const first = await openDatabase({ dataDir });
  expect(first.kind).toBe("pglite");
  const { rows } = await first.query<{ id: string }>(
    "INSERT INTO auth.users (email) VALUES ('kept@example.com') RETURNING id",
  );
  await first.close();

  const second = await openDatabase({ dataDir });
  try {
    const found = await second.query("SELECT email FROM auth.users WHERE id = $1", [rows[0]!.id]);
    expect(found.rows).toEqual([{ email: "kept@example.com" }]);
    expect((await migrationStatus(second)).current).toBe(true);
  } finally {
    await second.close();
  }
});

it("reports an unreachable database as unhealthy instead of throwing", async () => {
  const db = new Database({ kind: "postgres", url: "postgresql://postgres@127.0.0.1:1/none" });
  try {
    expect(await db.healthCheck()).toBe(false);
    const health = await db.health();
    expect(health.healthy).toBe(false);
    expect(health.error).toBeTruthy();
  } finally {
    await db.close();
  }
});

it("refuses to open when the server cannot be reached, saying why", async () => {
  await expect(openDatabase({ url: "postgresql://postgres@127.0.0.1:1/none" })).rejects.toThrow(/ECONNREFUSED|connect/);
});
