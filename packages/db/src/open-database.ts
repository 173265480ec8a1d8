import { resolve } from "node:path";
import { lockDataDir } from "./data-dir-lock.js";
import { Database } from "./database.js";
import { startEmbeddedPostgres } from "./embedded.js";
import { DbError } from "./errors.js";
import { listMigrationFiles, migrate } from "./migrate.js";
import { migrationStatus } from "./migration-status.js";
import { extractPostgresFiles, removePostgresFiles } from "./postgres-files.js";
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
  /** Read-your-writes bound for replica reads (default 100 ms): see `DatabaseOptions.readMaxWaitMs`. */
  readMaxWaitMs?: number;
  /** With `url`: how long a statement waits for a connection before a 503 (default 5000 ms): see `DatabaseOptions`. */
  connectTimeoutMs?: number;
  /** With `url`: named prepared statements for verification and the rate limiter: see `DatabaseOptions`. */
  preparedStatements?: boolean;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /**
   * With `url`: where pending migrations run (default `url`). Needed when `url` is a transaction pooler (Supabase's
   * port 6543), which migrations refuse: give the direct or session connection (port 5432).
   */
  migrationUrl?: string;
  /** Told in plain words about a slow step before it starts (creating the embedded database takes seconds). */
  progress?: (line: string) => void;
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
  const db = new Database({
    kind: "postgres",
    url: options.url,
    poolSize: options.poolSize,
    readUrl: options.readUrl,
    readMaxWaitMs: options.readMaxWaitMs,
    connectTimeoutMs: options.connectTimeoutMs,
    preparedStatements: options.preparedStatements,
  });
  if (options.migrate !== false) await migrateOrClose(db, options.migrationUrl);
  return db;
}

async function openEmbedded(options: OpenDatabaseOptions): Promise<Database> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const folder = dataDir === "memory" ? undefined : resolve(dataDir);
  const lock = folder ? await lockDataDir(folder) : undefined;
  try {
    const db = await startAndMigrate(folder, options, async () => {
      await lock?.release();
    });
    return db;
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

async function startAndMigrate(
  folder: string | undefined,
  options: OpenDatabaseOptions,
  afterStop: () => Promise<void>,
): Promise<Database> {
  const migrating = options.migrate !== false;
  // A new database starts from the snapshot of a migrated one when there is one: seconds saved per start.
  const fresh = isFreshDataDir(folder);
  let snapshot = migrating && fresh ? await readSnapshot() : undefined;
  if (fresh && folder) options.progress?.(`creating the embedded database in ${folder} (first start only)…`);
  const embedded = await startFrom(folder, snapshot).catch(async (error) => {
    if (!fresh) throw damaged(folder, error);
    if (!snapshot) throw error;
    // A damaged snapshot must never stop a start: clear what it left in the new folder and run initdb instead.
    if (folder) await removePostgresFiles(folder);
    snapshot = undefined;
    return startEmbeddedPostgres({ dataDir: folder });
  });
  const poolSize = Math.min(options.poolSize ?? 8, embedded.maxConnections - 2);
  const onClose = async () => {
    await embedded.stop();
    await afterStop();
  };
  const db = new Database({ kind: "pglite", url: embedded.url, poolSize, onClose });
  if (!migrating) return db;
  await migrateOrClose(db);
  if (fresh && !snapshot) {
    const tar = new Uint8Array(await (await embedded.dump({ compress: false })).arrayBuffer());
    await saveSnapshot(tar).catch(() => {});
  }
  return db;
}

/** A folder gets the snapshot's files written straight into it; an in-memory database loads it through PGlite. */
async function startFrom(folder: string | undefined, snapshot: Uint8Array<ArrayBuffer> | undefined) {
  if (!snapshot) return startEmbeddedPostgres({ dataDir: folder });
  if (!folder) return startEmbeddedPostgres({ loadDataDir: new Blob([snapshot]) });
  extractPostgresFiles(snapshot, folder);
  return startEmbeddedPostgres({ dataDir: folder });
}

/** PGlite aborts on a folder it cannot read: say which folder, and the ways out. */
function damaged(folder: string | undefined, error: unknown): unknown {
  if (!folder) return error;
  const reason = ((error as Error).message ?? String(error)).split("\n")[0]!.slice(0, 200);
  return new DbError(
    "data_dir_damaged",
    `the embedded database in ${folder} looks damaged, or was made by another PGlite version (PGlite: ${reason}): ` +
      `restore a backup with \`vx restore <backup.tar.gz> --force\`, or move the folder away to start afresh`,
    { cause: error },
  );
}

async function migrateOrClose(db: Database, migrationUrl = db.url): Promise<void> {
  try {
    if (await upToDate(db)) return;
    await migrateWithRetry(migrationUrl);
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Every migration file applied, in order: the usual start, answered by one query instead of a migration run (with
 * its lock and its own connection). Anything else, an unreadable table included, goes to node-pg-migrate, which
 * applies what is pending or says what is wrong.
 */
async function upToDate(db: Database): Promise<boolean> {
  const [status, files] = await Promise.all([migrationStatus(db).catch(() => undefined), listMigrationFiles()]);
  const expected = files.map((file) => file.replace(/\.sql$/, ""));
  return status !== undefined && status.applied.join("\n") === expected.join("\n");
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
