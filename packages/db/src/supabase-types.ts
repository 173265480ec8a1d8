/**
 * The `Database` type of @vx/db/supabase, made the way `supabase gen types typescript` makes it: the CLI runs
 * @supabase/postgres-meta (pinned here to the version CLI 2.117.0 runs) in type-generation mode against a database
 * built from supabase/migrations. `supabase gen types` itself needs Docker; this runs the same generator with Node.
 * Used by `pnpm db:types` (writes the file) and by the drift test (compares it).
 *
 * postgres-meta is installed with npm into a cache folder, not into the workspace: it depends on fastify 4, which
 * pnpm would hoist over the API's fastify 5 for the @fastify plugins' types.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { supabaseMigrations } from "./supabase-migrations.js";
import { runOnServer, withDatabase } from "./testing/test-database.js";

/** Where the generated types live, committed, in the package's sources. */
export const databaseTypesFile = resolve(dirname(fileURLToPath(import.meta.url)), "supabase/database.types.ts");

export const POSTGRES_META_VERSION = "0.99.0";

/** Where the pinned postgres-meta lives: $VX_SUPABASE_CACHE (default ~/.cache/vx-supabase), shared with the CLI check. */
export function postgresMetaDir(): string {
  const cache = process.env.VX_SUPABASE_CACHE || join(homedir(), ".cache", "vx-supabase");
  return join(cache, `postgres-meta-${POSTGRES_META_VERSION}`);
}

const serverScript = () => join(postgresMetaDir(), "node_modules/@supabase/postgres-meta/dist/server/server.js");

export function postgresMetaInstalled(): boolean {
  return existsSync(serverScript());
}

/** Installs the pinned generator once (from the npm registry, about 30 s); later calls find it cached. */
export async function installPostgresMeta(): Promise<void> {
  if (postgresMetaInstalled()) return;
  await promisify(execFile)(
    "npm",
    [
      "install",
      "--exact",
      "--no-audit",
      "--no-fund",
      "--prefix",
      postgresMetaDir(),
      `@supabase/postgres-meta@${POSTGRES_META_VERSION}`,
    ],
    { env: { ...process.env, DO_NOT_TRACK: "1" } },
  );
}

/** The schemas PostgREST exposes (supabase/config.toml's api.schemas): the ones the types describe. */
const SCHEMAS = ["public"];

/**
 * Builds a throwaway database on `serverUrl` from the Supabase copy of the migrations (what `supabase db push`
 * applies), generates its types, and drops it.
 */
export async function generateDatabaseTypes(serverUrl: string): Promise<string> {
  const name = `vx_test_types_${randomBytes(6).toString("hex")}`;
  await runOnServer(serverUrl, `CREATE DATABASE ${name}`);
  try {
    const url = withDatabase(serverUrl, name);
    await applySupabaseMigrations(url);
    return await databaseTypesOf(url);
  } finally {
    await runOnServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

async function applySupabaseMigrations(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Parameterless queries use the simple protocol: each file runs as one multi-statement script, as the CLI runs it.
    for (const migration of await supabaseMigrations()) await client.query(migration.sql);
  } finally {
    await client.end();
  }
}

/**
 * The types of the already migrated database at `url`. postgres-meta's server entry in generate mode prints them and
 * exits: the CLI's container runs exactly this.
 */
export async function databaseTypesOf(url: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [serverScript()], {
    maxBuffer: 16 * 1024 * 1024,
    env: {
      PATH: process.env.PATH,
      PG_META_DB_URL: url,
      PG_META_GENERATE_TYPES: "typescript",
      PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS: SCHEMAS.join(","),
      // The CLI passes true unless --postgrest-v9-compat.
      PG_META_GENERATE_TYPES_DETECT_ONE_TO_ONE_RELATIONSHIPS: "true",
    },
  });
  return stdout;
}
