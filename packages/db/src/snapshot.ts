/**
 * Snapshots of a freshly migrated embedded database, keyed by the PGlite version and the migrations' contents.
 * initdb in WASM costs seconds; loading a snapshot costs a fraction of that, so every new data folder (a first
 * `pnpm start`, each test database) after the first starts from one. A stale snapshot can never be used: any
 * change to a migration or to PGlite changes the key.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { migrationsDir } from "./migrate.js";

function snapshotDir(): string {
  return process.env.VX_PGLITE_SNAPSHOT_DIR || join(tmpdir(), "vx-pglite-snapshots");
}

async function snapshotKey(): Promise<string> {
  const hash = createHash("sha256");
  hash.update(await pgliteVersion());
  const dir = migrationsDir();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort()) {
    hash.update(file).update(await readFile(join(dir, file)));
  }
  return hash.digest("hex").slice(0, 32);
}

/** PGlite does not export its package.json: find it above its entry point. */
async function pgliteVersion(): Promise<string> {
  let dir = dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(await readFile(file, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "@electric-sql/pglite") return pkg.version ?? "unknown";
  }
  return "unknown";
}

export async function readSnapshot(): Promise<Blob | undefined> {
  const file = join(snapshotDir(), `${await snapshotKey()}.tar.gz`);
  if (!existsSync(file)) return undefined;
  try {
    return new Blob([await readFile(file)]);
  } catch {
    return undefined;
  }
}

/** Written to a temporary name and renamed, so parallel writers never leave a torn file. */
export async function saveSnapshot(dump: Blob): Promise<void> {
  const dir = snapshotDir();
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${await snapshotKey()}.tar.gz`);
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, new Uint8Array(await dump.arrayBuffer()));
  await rename(temp, file);
}

/** True when the folder holds no database yet (or is the in-memory one). */
export function isFreshDataDir(dataDir: string | undefined): boolean {
  return dataDir === undefined || !existsSync(join(dataDir, "PG_VERSION"));
}
