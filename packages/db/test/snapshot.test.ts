// New embedded databases start from a snapshot of a migrated one: the result must be exactly what migrating gives.
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backupEmbedded, openDatabase } from "@vx/db";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { schemaSnapshot } from "./schema-snapshot.js";

// Most tests here make PGlite run initdb and every migration (a snapshot is missing, or not to be trusted). Alone that
// is 4–9 s, but beside the Postgres files of a full run (two at a time on 2 cores) it once took over the default 30 s:
// the assertions are about what the folder holds, not how fast it fills.
vi.setConfig({ testTimeout: 90_000 });

let dir: string;
/** The first data folder: it migrated from scratch, with a development secret in it, and wrote the snapshot. */
let first: string;
let migrated: string[];
const previous = process.env.VX_PGLITE_SNAPSHOT_DIR;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vx-snapshot-"));
  process.env.VX_PGLITE_SNAPSHOT_DIR = join(dir, "snapshots");
  // One initdb shared by the first three tests: the snapshot is written while this folder holds its secret and lock.
  first = join(dir, "first");
  await mkdir(first);
  await writeFile(join(first, "dev-jwt-secret"), "first folder's secret\n", { mode: 0o600 });
  const db = await openDatabase({ dataDir: first });
  migrated = await schemaSnapshot(db);
  await db.query("INSERT INTO auth.users (email) VALUES ('only-in-first@example.com')");
  await db.close();
});
afterAll(async () => {
  if (previous === undefined) delete process.env.VX_PGLITE_SNAPSHOT_DIR;
  else process.env.VX_PGLITE_SNAPSHOT_DIR = previous;
  await rm(dir, { recursive: true, force: true });
});

it("a database opened from the snapshot has exactly the migrated schema, and none of another's rows", async () => {
  expect(await readdir(join(dir, "snapshots"))).toHaveLength(1);
  const second = await openDatabase({ dataDir: join(dir, "second") });
  try {
    expect(await schemaSnapshot(second)).toEqual(migrated);
    expect((await second.query("SELECT 1 FROM auth.users")).rowCount).toBe(0);
    expect(existsSync(join(dir, "second", "PG_VERSION"))).toBe(true);
  } finally {
    await second.close();
  }
});

it("a snapshot holds no folder's secret or lock, and only this user can read the cache", async () => {
  const [name] = await readdir(join(dir, "snapshots"));
  expect((await stat(join(dir, "snapshots"))).mode & 0o777).toBe(0o700);
  expect((await stat(join(dir, "snapshots", name!))).mode & 0o777).toBe(0o600);

  const second = join(dir, "from-snapshot");
  await (await openDatabase({ dataDir: second })).close();
  expect((await readdir(second)).filter((f) => !/^(PG_VERSION|base|global|pg_|postgresql)/.test(f))).toEqual([]);
});

it("a snapshot cache other users could write to is not used", async () => {
  // A planted snapshot that carries a row (a backup of the first folder): loading it would show the row everywhere.
  const [name] = await readdir(join(dir, "snapshots"));
  await backupEmbedded(first, join(dir, "snapshots", name!));
  const users = async (dataDir: string) => {
    const opened = await openDatabase({ dataDir: join(dir, dataDir) });
    try {
      return (await opened.query("SELECT email FROM auth.users")).rows;
    } finally {
      await opened.close();
    }
  };
  expect(await users("from-private-cache")).toEqual([{ email: "only-in-first@example.com" }]);

  await chmod(join(dir, "snapshots"), 0o777);
  expect(await users("from-open-cache")).toEqual([]);
  expect((await stat(join(dir, "snapshots"))).mode & 0o777).toBe(0o700);
});

it("a damaged snapshot is ignored in favour of initdb and migrations", async () => {
  const [name] = await readdir(join(dir, "snapshots"));
  await writeFile(join(dir, "snapshots", name!), "not a tarball");
  const db = await openDatabase({ dataDir: "memory" }).catch((error: Error) => error);
  expect(db).not.toBeInstanceOf(Error);
  if (!(db instanceof Error)) await db.close();
});

it("a damaged snapshot never stops a data folder's first start: initdb and migrations instead", async () => {
  const [name] = await readdir(join(dir, "snapshots"));
  await writeFile(join(dir, "snapshots", name!), "not a tarball, and no Postgres file in it either".repeat(20));
  const folder = join(dir, "after-damaged-snapshot");
  const db = await openDatabase({ dataDir: folder });
  try {
    expect((await db.query("SELECT count(*)::int AS n FROM public.vx_migrations")).rows[0]?.n).toBeGreaterThan(10);
  } finally {
    await db.close();
  }
  expect(existsSync(join(folder, "PG_VERSION"))).toBe(true);
});

it("a first start cut short while the snapshot was written is started again, not taken for a damaged database", async () => {
  // What a crash half-way through leaves: some of Postgres's files, but not PG_VERSION (written last).
  const folder = join(dir, "cut-short");
  await mkdir(join(folder, "base", "1"), { recursive: true });
  await writeFile(join(folder, "base", "1", "1259"), Buffer.alloc(8192));
  const db = await openDatabase({ dataDir: folder });
  try {
    expect((await db.query("SELECT count(*)::int AS n FROM public.vx_migrations")).rows[0]?.n).toBeGreaterThan(10);
  } finally {
    await db.close();
  }
});
