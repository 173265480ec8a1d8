/** Embedded Postgres: PGlite (Postgres in WASM) served on a private unix socket so `pg` can talk to it. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
  url: string;
  /** Connections beyond this are reset by the socket server, so pools must stay below it. */
  maxConnections: number;
  stop(): Promise<void>;
  /** A gzipped tarball of the whole data directory (what `loadDataDir` takes). */
  dump(): Promise<Blob>;
}

export interface EmbeddedOptions {
  /** Folder to persist into; omitted means in memory (tests). */
  dataDir?: string;
  maxConnections?: number;
  /** PGlite extensions to load, e.g. `{ pgtap }` from @electric-sql/pglite-pgtap. */
  extensions?: Record<string, unknown>;
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
  const server = new PGLiteSocketServer({ db: pglite, path: join(socketDir, ".s.PGSQL.5432"), maxConnections });
  await server.start();
  const url = `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`;
  return {
    url,
    maxConnections,
    dump: () => pglite.dumpDataDir("gzip"),
    async stop() {
      await server.stop();
      await pglite.close();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}
