/**
 * Backups of the embedded database: a gzipped tarball of the PGlite data folder. Stop the server first:
 * PGlite is one process's database, and a copy taken beside a running server may miss its last writes.
 * For Postgres use pg_dump / pg_restore (see the README).
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";

export async function backupEmbedded(dataDir: string, file: string): Promise<{ bytes: number }> {
  if (!(await isPgliteDataDir(dataDir))) throw new Error(`${dataDir} holds no embedded database to back up`);
  const pglite = await PGlite.create({ dataDir });
  try {
    const dump = await pglite.dumpDataDir("gzip");
    const bytes = new Uint8Array(await dump.arrayBuffer());
    await writeFile(file, bytes);
    return { bytes: bytes.length };
  } finally {
    await pglite.close();
  }
}

export interface RestoreOptions {
  /** Replace a data folder that already holds a database (default: refuse). */
  force?: boolean;
}

export async function restoreEmbedded(file: string, dataDir: string, options: RestoreOptions = {}): Promise<void> {
  if ((await isPgliteDataDir(dataDir)) && !options.force) {
    throw new Error(`${dataDir} already holds a database: restore into an empty folder, or pass --force to replace it`);
  }
  const archive = new Blob([await readFile(file)]);
  if (options.force && existsSync(dataDir)) {
    const { rm } = await import("node:fs/promises");
    await rm(dataDir, { recursive: true, force: true });
  }
  await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create({ dataDir, loadDataDir: archive });
  try {
    await pglite.query("SELECT 1");
  } finally {
    await pglite.close();
  }
}

async function isPgliteDataDir(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return false;
  return (await readdir(dir)).includes("PG_VERSION");
}
