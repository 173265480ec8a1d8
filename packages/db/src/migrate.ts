/** Runs the SQL migrations in ../migrations with node-pg-migrate, from code or from the CLI. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { refuseTransactionPooler } from "./pooler.js";

export const MIGRATIONS_TABLE = "vx_migrations";

/** The migrations folder ships beside dist/ and src/ in the package. */
export function migrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, "migrations");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error("@vx/db: migrations folder not found");
}

export interface MigrateOptions {
  databaseUrl: string;
  direction?: "up" | "down";
  /** How many migrations to run; default all (up) or one (down). */
  count?: number;
  log?: (message: string) => void;
}

export interface MigrationInfo {
  name: string;
}

export async function migrate(options: MigrateOptions): Promise<MigrationInfo[]> {
  refuseTransactionPooler(options.databaseUrl);
  // Loaded here, not at the top: most starts find nothing to migrate and skip its ~0.2 s import.
  const { runner } = await import("node-pg-migrate");
  // Our own connection, not node-pg-migrate's: it ends its client without waiting and without an error listener,
  // so migrate() resolved while the connection was still open, and a DROP DATABASE … WITH (FORCE) or a server
  // restart just after crashed the process with an uncaught 57P01. This one is closed before migrate() returns.
  const client = new pg.Client({ connectionString: options.databaseUrl, application_name: "vx-migrate" });
  client.on("error", () => {});
  await client.connect();
  try {
    return await run(runner, client, options);
  } finally {
    await client.end().catch(() => {});
  }
}

type Runner = typeof import("node-pg-migrate")["runner"];

async function run(runner: Runner, client: pg.Client, options: MigrateOptions): Promise<MigrationInfo[]> {
  const direction = options.direction ?? "up";
  const ran = await runner({
    dbClient: client,
    dir: migrationsDir(),
    direction,
    count: options.count ?? (direction === "up" ? Number.POSITIVE_INFINITY : 1),
    migrationsTable: MIGRATIONS_TABLE,
    singleTransaction: true,
    checkOrder: true,
    log: options.log ?? (() => {}),
    verbose: false,
  });
  return ran.map((m) => ({ name: m.name }));
}

/** Names of migration files in the package, in order. */
export async function listMigrationFiles(): Promise<string[]> {
  const { readdir } = await import("node:fs/promises");
  return (await readdir(migrationsDir())).filter((f) => f.endsWith(".sql")).sort();
}
