/** The one way to open the database: a Postgres URL, or embedded PGlite in a data folder when none is given. */
import { mkdir, rm } from "node:fs/promises";
import { Database } from "./database.js";
import { startEmbeddedPostgres } from "./embedded.js";
import { migrate } from "./migrate.js";
import { isFreshDataDir, readSnapshot, saveSnapshot } from "./snapshot.js";
import { waitForDatabase } from "./wait-for-database.js";

export interface OpenDatabaseOptions {
  /** A Postgres (or Supabase) connection string. Omitted: embedded PGlite. */
  url?: string;
  /** Where embedded PGlite persists; default `./.vx-data`. `"memory"` keeps nothing. */
  dataDir?: string;
  poolSize?: number;
  /**
   * A read replica of `url` for read-heavy listings and stats (`db.readAsUser`); never migrated, never written.
   * Only with `url`: embedded PGlite has no replicas.
   */
  readUrl?: string;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /**
   * With `url`: how long to wait for a Postgres that is not reachable yet (default 0: one try). Errors waiting
   * cannot fix (missing database, wrong role or password, unknown host) fail at once. Embedded PGlite never waits.
   */
  waitTimeoutMs?: number;
  /** Told one line per failed try while waiting. */
  onWait?: (line: string) => void;
}

export const DEFAULT_DATA_DIR = "./.vx-data";

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (!options.url) {
    if (options.readUrl) throw new Error("readUrl needs url: embedded PGlite has no read replica");
    return openEmbedded(options);
  }
  await waitForDatabase(options.url, { timeoutMs: options.waitTimeoutMs ?? 0, onRetry: options.onWait });
  const db = new Database({ kind: "postgres", url: options.url, poolSize: options.poolSize, readUrl: options.readUrl });
  if (options.migrate !== false) await migrateOrClose(db);
  return db;
}

async function openEmbedded(options: OpenDatabaseOptions): Promise<Database> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const folder = dataDir === "memory" ? undefined : dataDir;
  const migrating = options.migrate !== false;
  // A new database starts from the snapshot of a migrated one when there is one: seconds saved per start.
  const fresh = isFreshDataDir(folder);
  let snapshot = migrating && fresh ? await readSnapshot() : undefined;
  if (folder) await mkdir(folder, { recursive: true });
  const embedded = await startEmbeddedPostgres({ dataDir: folder, loadDataDir: snapshot }).catch(async (error) => {
    if (!snapshot) throw error;
    // A damaged snapshot must never stop a start: clear what it left in the new folder and run initdb instead.
    if (folder) await rm(folder, { recursive: true, force: true }).then(() => mkdir(folder, { recursive: true }));
    snapshot = undefined;
    return startEmbeddedPostgres({ dataDir: folder });
  });
  const poolSize = Math.min(options.poolSize ?? 8, embedded.maxConnections - 2);
  const db = new Database({ kind: "pglite", url: embedded.url, poolSize, onClose: embedded.stop });
  if (!migrating) return db;
  await migrateOrClose(db);
  if (fresh && !snapshot) await saveSnapshot(await embedded.dump()).catch(() => {});
  return db;
}

async function migrateOrClose(db: Database): Promise<void> {
  try {
    await migrateWithRetry(db.url);
  } catch (error) {
    await db.close();
    throw error;
  }
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
