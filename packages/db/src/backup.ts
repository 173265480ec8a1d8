/**
 * Backups of the embedded database: a gzipped tarball of the PGlite data folder's Postgres files. The folder is
 * locked while a backup or restore runs, so neither can happen beside a running server (a copy taken then could
 * miss its last writes). Secrets kept in the folder (the development JWT secret, webhook keys) are never in a
 * backup: keep them, or the configuration that names them, beside it. For Postgres use pg_dump / pg_restore.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { lockDataDir } from "./data-dir-lock.js";
import {
  dumpPostgresFiles,
  extractPostgresFiles,
  holdsPostgresVersion,
  onlyPostgresEntries,
  removePostgresFiles,
} from "./postgres-files.js";

export async function backupEmbedded(dataDir: string, file: string): Promise<{ bytes: number }> {
  if (!(await isPgliteDataDir(dataDir))) throw new Error(`${dataDir} holds no embedded database to back up`);
  const lock = await lockDataDir(dataDir);
  try {
    const pglite = await PGlite.create({ dataDir });
    try {
      const bytes = await dumpPostgresFiles(pglite);
      await writeFile(file, bytes);
      return { bytes: bytes.length };
    } finally {
      await pglite.close();
    }
  } finally {
    await lock.release();
  }
}

export interface RestoreOptions {
  /** Replace a data folder that already holds a database (default: refuse). */
  force?: boolean;
}

/** Restores Postgres's files only: the folder's own secrets stay, and a backup's copy of them is ignored. */
export async function restoreEmbedded(file: string, dataDir: string, options: RestoreOptions = {}): Promise<void> {
  if ((await isPgliteDataDir(dataDir)) && !options.force) {
    throw new Error(`${dataDir} already holds a database: restore into an empty folder, or pass --force to replace it`);
  }
  const archive = await readBackup(file);
  const lock = await lockDataDir(dataDir);
  try {
    await removePostgresFiles(dataDir);
    // Written straight into the folder, as a snapshot is: PGlite's loadDataDir wanted the tarball gzipped again and
    // wrote it through its WASM file system: 2.0–2.7 s for a fresh database, 1.1 s this way. Opened once below, to prove
    // it starts.
    extractPostgresFiles(archive, dataDir);
    const pglite = await PGlite.create({ dataDir });
    try {
      await pglite.query("SELECT 1");
    } finally {
      await pglite.close();
    }
  } finally {
    await lock.release();
  }
}

/**
 * The backup's Postgres files as an uncompressed tarball (gunzipped once), checked before the data folder is touched:
 * a missing file or one that is no backup is one line.
 */
async function readBackup(file: string): Promise<Uint8Array> {
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    const why = { ENOENT: "no such file", EISDIR: "it is a folder", EACCES: "permission denied" }[error.code ?? ""];
    throw new Error(`cannot read the backup ${file}: ${why ?? error.message}`);
  });
  let tar: Uint8Array | undefined;
  try {
    tar = onlyPostgresEntries(bytes);
  } catch {
    // not gzip, or a header past the end: no backup either
  }
  if (!tar || !holdsPostgresVersion(tar)) {
    throw new Error(
      `${file} is not a backup of the embedded database (no Postgres data folder in it): nothing restored`,
    );
  }
  return tar;
}

async function isPgliteDataDir(dir: string): Promise<boolean> {
  // A path that names a file (ENOTDIR for a listing) is "no database here" too, not a stack trace.
  return existsSync(join(dir, "PG_VERSION"));
}
