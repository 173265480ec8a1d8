/** Embedded Postgres: PGlite (Postgres in WASM) served on a private unix socket so `pg` can talk to it. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { SessionServer } from "./embedded-socket.js";
import { dumpPostgresFiles } from "./postgres-files.js";

export interface EmbeddedPostgres {
  url: string;
  /** Connections beyond this are refused ("too many clients"), so pools must stay below it. */
  maxConnections: number;
  stop(): Promise<void>;
  /**
   * A tarball of the data directory's Postgres files (what `loadDataDir` takes): no secrets, no lock. Gzipped
   * unless `compress` is false.
   */
  dump(options?: { compress?: boolean }): Promise<Blob>;
}

export interface EmbeddedOptions {
  /** Folder to persist into; omitted means in memory (tests). */
  dataDir?: string;
  maxConnections?: number;
  /** PGlite extensions to load, e.g. `{ pgtap }` from @electric-sql/pglite-pgtap. */
  extensions?: Record<string, unknown>;
  /**
   * PGlite runs one transaction at a time: a connection idle inside a transaction while others wait is closed
   * after this long (default 30 s), so code that waits on a second connection inside a transaction fails instead of
   * hanging every connection. 0 waits for ever.
   */
  idleInTransactionTimeoutMs?: number;
  /** Start from this data directory tarball instead of running initdb (see snapshot.ts). */
  loadDataDir?: Blob;
  /** Postgres's shared_buffers (default "16MB", not Postgres's 128MB: see startEmbeddedPostgres). */
  sharedBuffers?: string;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedPostgres> {
  const maxConnections = options.maxConnections ?? 16;
  // While PGlite starts, V8 compiles its WASM on background threads. Were the event loop to run out of work in
  // that time, Node would block the main thread until every background compile job finished (its DrainTasks), a
  // stall of ~0.25 s per start here; a pending timer keeps the loop running until the socket listens, so the app goes
  // on loading meanwhile.
  const keepLoopBusy = setInterval(() => {}, 60_000);
  const pglite = await PGlite.create({
    // PGlite zeroes its shared buffers in WASM at every start: Postgres's 128 MB default cost ~0.45 s of each start
    // here, 16 MB ~0.05 s. An embedded database is small, and the OS still caches the files under it.
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${options.sharedBuffers ?? "16MB"}`],
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.extensions ? { extensions: options.extensions as never } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  }).catch((error: unknown) => {
    clearInterval(keepLoopBusy);
    throw error;
  });
  const socketDir = await mkdtemp(join(tmpdir(), "vx-pglite-"));
  // pg finds a unix socket as <host dir>/.s.PGSQL.<port>.
  const server = new SessionServer(pglite, {
    path: join(socketDir, ".s.PGSQL.5432"),
    maxConnections,
    idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs ?? 30_000,
  });
  // From here the listening socket keeps the loop alive.
  await server.start().finally(() => clearInterval(keepLoopBusy));
  const url = `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`;
  return {
    url,
    maxConnections,
    dump: async (options) => new Blob([await dumpPostgresFiles(pglite, options)]),
    async stop() {
      await server.stop();
      await pglite.close();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}
