/** Runs one block of tests against every database target: PGlite always, Postgres when TEST_DATABASE_URL is set. */
import { afterAll, beforeAll, describe } from "vitest";
import type { Database } from "../database.js";
import { createTestDatabase, type TestDatabase, type TestTarget, testPostgresUrl } from "./test-database.js";

export interface DatabaseContext {
  target: TestTarget;
  /** The migrated database of this block; valid inside tests and hooks. */
  db(): Database;
}

export function describeDatabases(title: string, body: (ctx: DatabaseContext) => void): void {
  for (const target of ["pglite", "postgres"] as const) {
    if (target === "postgres" && !testPostgresUrl()) {
      describe.skip(`${title} [postgres: SKIPPED, set TEST_DATABASE_URL to run]`, () => {
        body({ target, db: () => unavailable() });
      });
      continue;
    }
    describe(`${title} [${target}]`, () => {
      let testDb: TestDatabase | undefined;
      beforeAll(async () => {
        testDb = await createTestDatabase(target);
      }, 120_000);
      afterAll(async () => {
        await testDb?.drop();
      }, 60_000);
      body({
        target,
        db: () => {
          if (!testDb) throw new Error("test database not ready");
          return testDb.db;
        },
      });
    });
  }
}

function unavailable(): never {
  throw new Error("postgres target skipped");
}
