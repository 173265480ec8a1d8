/** The one way to open the database: a Postgres URL, or embedded PGlite in a data folder when none is given. */
import { mkdir } from "node:fs/promises";
import { Database } from "./database.js";
import { startEmbeddedPostgres } from "./embedded.js";
import { migrate } from "./migrate.js";

export interface OpenDatabaseOptions {
  /** A Postgres (or Supabase) connection string. Omitted: embedded PGlite. */
  url?: string;
  /** Where embedded PGlite persists; default `./.vx-data`. `"memory"` keeps nothing. */
  dataDir?: string;
  poolSize?: number;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
}

export const DEFAULT_DATA_DIR = "./.vx-data";

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const db = options.url
    ? new Database({ kind: "postgres", url: options.url, poolSize: options.poolSize })
    : await openEmbedded(options);
  if (options.migrate !== false) {
    try {
      await migrateWithRetry(db.url);
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  return db;
}

async function openEmbedded(options: OpenDatabaseOptions): Promise<Database> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  if (dataDir !== "memory") await mkdir(dataDir, { recursive: true });
  const embedded = await startEmbeddedPostgres({ dataDir: dataDir === "memory" ? undefined : dataDir });
  const poolSize = Math.min(options.poolSize ?? 8, embedded.maxConnections - 2);
  return new Database({ kind: "pglite", url: embedded.url, poolSize, onClose: embedded.stop });
}

/** node-pg-migrate fails fast while another process holds its lock: several starting processes wait their turn. */
async function migrateWithRetry(url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate({ databaseUrl: url });
      return;
    } catch (error) {
      const locked = /Another migration is already running/i.test((error as Error).message);
      if (!locked || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
}
