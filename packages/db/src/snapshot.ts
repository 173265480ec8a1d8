/**
 * Snapshots of a freshly migrated embedded database, keyed by the PGlite version and the migrations' contents.
 * initdb in WASM costs seconds; loading a snapshot costs a fraction of that, so every new data folder (a first
 * `pnpm start`, each test database) after the first starts from one. A stale snapshot can never be used: any
 * change to a migration or to PGlite changes the key. A snapshot holds Postgres's files only (never a folder's
 * secrets or lock), in a cache folder only this user can read.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { migrationsDir } from "./migrate.js";

/** Bumped when what a snapshot holds changes, so older ones are never loaded. */
const SNAPSHOT_FORMAT = "postgres-files-only, uncompressed";

/** Snapshots kept in the cache folder (the newest; each checkout with other migrations has its own). */
const SNAPSHOTS_KEPT = 4;

function snapshotDir(): string {
  const user = process.getuid?.() ?? "user";
  return process.env.VX_PGLITE_SNAPSHOT_DIR || join(tmpdir(), `vx-pglite-snapshots-${user}`);
}

/** Snapshots up to 0.1 sat in a world-readable folder and carried the first data folder's development secret. */
const LEGACY_SNAPSHOT_DIR = join(tmpdir(), "vx-pglite-snapshots");

async function snapshotKey(): Promise<string> {
  const hash = createHash("sha256");
  hash.update(SNAPSHOT_FORMAT);
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

/** The snapshot's tarball, as bytes (a Blob of 40 MB costs two more copies: a third of a second). */
export async function readSnapshot(): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const dir = snapshotDir();
  const file = join(dir, `${await snapshotKey()}.tar`);
  if (!existsSync(file) || !(await isPrivate(dir))) return undefined;
  try {
    return await readFile(file);
  } catch {
    return undefined;
  }
}

/**
 * `tar` must hold Postgres's files only (`dumpPostgresFiles`), uncompressed: some 40 MB, mostly empty pages, where
 * gunzip alone took 0.3 s of every first start. Written to a temporary name and renamed, so parallel writers never
 * leave a torn file.
 */
export async function saveSnapshot(tar: Uint8Array): Promise<void> {
  const dir = snapshotDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  if (!process.env.VX_PGLITE_SNAPSHOT_DIR)
    await rm(LEGACY_SNAPSHOT_DIR, { recursive: true, force: true }).catch(() => {});
  const file = join(dir, `${await snapshotKey()}.tar`);
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, tar, { mode: 0o600 });
  await rename(temp, file);
  await pruneSnapshots(dir);
}

/** Older snapshots (other migration sets, older PGlite versions, older formats) beyond the newest few go. */
async function pruneSnapshots(dir: string): Promise<void> {
  const files = (await readdir(dir)).filter((name) => /\.tar(\.gz)?$/.test(name));
  const dated = await Promise.all(
    files.map(async (name) => ({ name, at: (await stat(join(dir, name)).catch(() => undefined))?.mtimeMs ?? 0 })),
  );
  dated.sort((a, b) => b.at - a.at);
  for (const { name } of dated.slice(SNAPSHOTS_KEPT)) await rm(join(dir, name), { force: true }).catch(() => {});
}

/** A snapshot another user could have written is never loaded. */
async function isPrivate(dir: string): Promise<boolean> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) return false;
  const ownedByUs = process.getuid === undefined || info.uid === process.getuid();
  return ownedByUs && (info.mode & 0o077) === 0;
}

/** True when the folder holds no database yet (or is the in-memory one). */
export function isFreshDataDir(dataDir: string | undefined): boolean {
  return dataDir === undefined || !existsSync(join(dataDir, "PG_VERSION"));
}
