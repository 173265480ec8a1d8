// New embedded databases start from a snapshot of a migrated one: the result must be exactly what migrating gives.
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@vx/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { schemaSnapshot } from "./schema-snapshot.js";

let dir: string;
const previous = process.env.VX_PGLITE_SNAPSHOT_DIR;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vx-snapshot-"));
  process.env.VX_PGLITE_SNAPSHOT_DIR = join(dir, "snapshots");
});
afterAll(async () => {
  if (previous === undefined) delete process.env.VX_PGLITE_SNAPSHOT_DIR;
  else process.env.VX_PGLITE_SNAPSHOT_DIR = previous;
  await rm(dir, { recursive: true, force: true });
});

it("a database opened from the snapshot has exactly the migrated schema, and none of another's rows", async () => {
  const first = await openDatabase({ dataDir: join(dir, "first") });
  const migrated = await schemaSnapshot(first);
  await first.query("INSERT INTO auth.users (email) VALUES ('only-in-first@example.com')");
  await first.close();
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

it("a damaged snapshot is ignored in favour of initdb and migrations", async () => {
  const [name] = await readdir(join(dir, "snapshots"));
  await writeFile(join(dir, "snapshots", name!), "not a tarball");
  const db = await openDatabase({ dataDir: "memory" }).catch((error: Error) => error);
  expect(db).not.toBeInstanceOf(Error);
  if (!(db instanceof Error)) await db.close();
});
