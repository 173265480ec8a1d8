/** Throwaway databases for tests: in-memory PGlite always, a fresh Postgres database when TEST_DATABASE_URL is set. */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Database } from "../database.js";
import { openDatabase } from "../open-database.js";

export type TestTarget = "pglite" | "postgres";

export interface TestDatabase {
  target: TestTarget;
  db: Database;
  /** Closes the connections and drops the database. */
  drop(): Promise<void>;
}

/** The Postgres server tests may create databases on, or undefined when only PGlite runs. */
export function testPostgresUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

/** How long test pools wait for a connection: see createPostgresTestDatabase. */
export const TEST_CONNECT_TIMEOUT_MS = 60_000;

export async function createTestDatabase(target: TestTarget): Promise<TestDatabase> {
  return target === "pglite" ? createPgliteTestDatabase() : createPostgresTestDatabase(requireUrl());
}

export async function createPgliteTestDatabase(): Promise<TestDatabase> {
  const db = await openDatabase({ dataDir: "memory" });
  return { target: "pglite", db, drop: () => db.close() };
}

/** Creates `vx_test_<random>` on the server, migrates it, and drops it afterwards. */
export async function createPostgresTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `vx_test_${randomBytes(6).toString("hex")}`;
  await runOnServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = withDatabase(serverUrl, name);
  // The contract suites queue hundreds of statements on one hot row while every other test file runs beside
  // them: a wait of over 5 s for a pooled connection (the product's 503 bound, tested on its own) is load here.
  const db = await openDatabase({ url, poolSize: 20, connectTimeoutMs: TEST_CONNECT_TIMEOUT_MS });
  return {
    target: "postgres",
    db,
    async drop() {
      await db.close();
      await runOnServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** A URL for another database on the same server. */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Runs one statement on its own connection to `serverUrl` (CREATE / DROP DATABASE cannot run inside a pool's
 * transaction, nor on a connection to the database they drop).
 */
export async function runOnServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function requireUrl(): string {
  const url = testPostgresUrl();
  if (!url) throw new Error("TEST_DATABASE_URL is not set");
  return url;
}
