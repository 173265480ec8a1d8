// Backups users can restore: the embedded data folder as a tarball, and the documented pg_dump route for Postgres.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { backupEmbedded, openDatabase, restoreEmbedded } from "@vx/db";
import { createPostgresTestDatabase, testPostgresUrl, withDatabase } from "@vx/db/testing";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { schemaSnapshot } from "./schema-snapshot.js";

const run = promisify(execFile);
const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "vx-backup-"));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("embedded backup and restore", () => {
  it("restores the data folder with its rows and migrations", async () => {
    const source = join(await tempDir(), "data");
    const db = await openDatabase({ dataDir: source });
    const { rows } = await db.query<{ id: string }>(
      "INSERT INTO auth.users (email) VALUES ('b@example.com') RETURNING id",
    );
    await db.query("INSERT INTO agents (user_id, name) VALUES ($1, 'kept agent')", [rows[0]!.id]);
    await db.close();

    const file = join(await tempDir(), "vx.tar.gz");
    const { bytes } = await backupEmbedded(source, file);
    expect(bytes).toBeGreaterThan(0);

    const target = join(await tempDir(), "restored");
    await restoreEmbedded(file, target);
    const restored = await openDatabase({ dataDir: target });
    try {
      const agents = await restored.query("SELECT name FROM agents WHERE user_id = $1", [rows[0]!.id]);
      expect(agents.rows).toEqual([{ name: "kept agent" }]);
    } finally {
      await restored.close();
    }
  });

  it("refuses to restore over a database unless forced, and refuses to back up nothing", async () => {
    const dir = join(await tempDir(), "data");
    const db = await openDatabase({ dataDir: dir });
    await db.close();
    const file = join(await tempDir(), "vx.tar.gz");
    await backupEmbedded(dir, file);
    await expect(restoreEmbedded(file, dir)).rejects.toThrow(/already holds a database/);
    await expect(restoreEmbedded(file, dir, { force: true })).resolves.toBeUndefined();
    await expect(backupEmbedded(join(dir, "missing"), file)).rejects.toThrow(/no embedded database/);
  });

  it("refuses a missing file, a folder or a file that is no backup in one line, before creating the target", async () => {
    const dir = await tempDir();
    const target = join(dir, "target");
    const garbage = join(dir, "garbage.tar.gz");
    await writeFile(garbage, randomBytes(50_000));
    const emptyTar = join(dir, "empty.tar");
    await writeFile(emptyTar, Buffer.alloc(1024));
    const refusals: [string, RegExp][] = [
      [join(dir, "missing.tar.gz"), /^cannot read the backup .*missing\.tar\.gz: no such file$/],
      [dir, /^cannot read the backup .*: it is a folder$/],
      [garbage, /^.*garbage\.tar\.gz is not a backup of the embedded database .*: nothing restored$/],
      [emptyTar, /^.*empty\.tar is not a backup of the embedded database .*: nothing restored$/],
    ];
    for (const [file, message] of refusals) {
      await expect(restoreEmbedded(file, target)).rejects.toThrow(message);
    }
    expect(existsSync(target)).toBe(false);
  });
});

describe.skipIf(!testPostgresUrl())("pg_dump / pg_restore round trip [postgres]", () => {
  it("restores schema, policies and rows into a new database", async () => {
    const source = await createPostgresTestDatabase(testPostgresUrl()!);
    const targetName = `vx_test_restore_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: testPostgresUrl() });
    await admin.connect();
    try {
      const { rows } = await source.db.query<{ id: string }>("INSERT INTO auth.users DEFAULT VALUES RETURNING id");
      await source.db.query("INSERT INTO agents (user_id, name) VALUES ($1, 'dumped')", [rows[0]!.id]);
      const file = join(await tempDir(), "vx.dump");
      // The documented route: a custom-format dump, restored into an empty database.
      await run("pg_dump", ["--format=custom", "--no-owner", "--file", file, source.db.url]);
      await admin.query(`CREATE DATABASE ${targetName}`);
      const targetUrl = withDatabase(testPostgresUrl()!, targetName);
      await run("pg_restore", ["--no-owner", "--exit-on-error", "--dbname", targetUrl, file]);

      const target = new pg.Client({ connectionString: targetUrl });
      await target.connect();
      try {
        const agents = await target.query("SELECT name FROM agents WHERE user_id = $1", [rows[0]!.id]);
        expect(agents.rows).toEqual([{ name: "dumped" }]);
        const asQueryable = { query: async (sql: string) => target.query(sql) } as never;
        // A dump re-prints triggers' WHEN and nested ANDs of CHECK constraints with other (equivalent) parentheses.
        const comparable = (lines: string[]) =>
          lines.map((l) => (l.startsWith("trigger") || l.startsWith("constraint") ? l.replace(/[()]/g, "") : l));
        expect(comparable(await schemaSnapshot(asQueryable))).toEqual(comparable(await schemaSnapshot(source.db)));
      } finally {
        await target.end();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${targetName} WITH (FORCE)`);
      await admin.end();
      await source.drop();
    }
  });
});
