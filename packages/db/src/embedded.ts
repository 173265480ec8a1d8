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
  /** A gzipped tarball of the data directory's Postgres files (what `loadDataDir` takes): no secrets, no lock. */
  dump(): Promise<Blob>;
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
}

export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedPostgres> {
  const maxConnections = options.maxConnections ?? 16;
  const pglite = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.extensions ? { extensions: options.extensions as never } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });
  const socketDir = await mkdtemp(join(tmpdir(), "vx-pglite-"));
  // pg finds a unix socket as <host dir>/.s.PGSQL.<port>.
  const server = new SessionServer(pglite, {
    path: join(socketDir, ".s.PGSQL.5432"),
    maxConnections,
    idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs ?? 30_000,
  });
  await server.start();
  const url = `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`;
  return {
    url,
    maxConnections,
    dump: () => dumpPostgresFiles(pglite),
    async stop() {
      await server.stop();
      await pglite.close();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}
