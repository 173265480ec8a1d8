/**
 * A block of tests per database target (PGlite always, Postgres when TEST_DATABASE_URL is set), each with its own
 * app and a seeded bystander: another user whose rows the tests must leave exactly as they were.
 */
import { createTestDatabase, type TestDatabase, type TestTarget, testPostgresUrl } from "@vx/db/testing";
import { afterAll, beforeAll, describe } from "vitest";
import { createTestApp, type TestApp, type TestAppOptions } from "../../src/testing.js";
import { snapshotUser, type UserSnapshot } from "./snapshot.js";
import { seedTenant, type Tenant } from "./tenant.js";

export interface IsolationContext {
  t: TestApp;
  /** The bystander, seeded through the API with one of every resource. */
  other: Tenant;
  /** The bystander's rows once seeded: compare `snapshotUser(t.db, other.userId)` with it. */
  before: UserSnapshot;
}

export interface IsolationOptions {
  /** Where webhooks may point (the bystander's webhook, test sends); read when the block starts. */
  receiverUrl: () => string;
  app?: Omit<TestAppOptions, "db">;
  /** More setup once the bystander exists, before the snapshot. */
  seeded?: (t: TestApp, other: Tenant) => Promise<void>;
}

export function describeIsolation(
  title: string,
  options: IsolationOptions,
  body: (ctx: () => IsolationContext, target: TestTarget) => void,
): void {
  for (const target of ["pglite", "postgres"] as TestTarget[]) {
    if (target === "postgres" && !testPostgresUrl()) {
      describe.skip(`${title} [postgres: SKIPPED, set TEST_DATABASE_URL to run]`, () => {});
      continue;
    }
    describe(`${title} [${target}]`, () => {
      let testDb: TestDatabase | undefined;
      let ctx: IsolationContext | undefined;
      beforeAll(async () => {
        testDb = await createTestDatabase(target);
        const t = await createTestApp({ ...options.app, db: testDb.db });
        const other = await seedTenant(t, options.receiverUrl());
        await options.seeded?.(t, other);
        ctx = { t, other, before: await snapshotUser(t.db, other.userId) };
      });
      afterAll(async () => {
        await ctx?.t.close();
        await testDb?.drop();
      });
      body(() => {
        if (!ctx) throw new Error("isolation context not ready");
        return ctx;
      }, target);
    });
  }
}
