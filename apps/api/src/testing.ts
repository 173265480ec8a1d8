/** Test helpers for route authors: an app on a throwaway database and tokens for any user. Not part of the build. */
import type { Database } from "@vx/db";
import { createPgliteTestDatabase } from "@vx/db/testing";
import { buildApp } from "./app.js";
import { type Config, loadConfig } from "./config.js";
import type { AppContext, PrincipalRole, RoutePlugin, ZodApp } from "./context.js";
import { type SignTokenOptions, signToken } from "./token.js";

export const TEST_JWT_SECRET = "vx-test-secret-0123456789-abcdefghijklmnop";

/** Config for tests: a known JWT secret, silent logs, no workers; override what the test is about. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ LOG_LEVEL: "silent", VX_WORKERS: "off" }),
    jwtSecret: TEST_JWT_SECRET,
    // A fixed webhook secret key: tests never write a key file into the working folder.
    webhookSecretKeys: [{ id: "test", key: Buffer.alloc(32, 7) }],
    ...overrides,
  };
}

export interface TestApp {
  app: ZodApp;
  ctx: AppContext;
  db: Database;
  /** A bearer token for the user (role authenticated, valid one hour from the app's clock). */
  token(userId: string, options?: Partial<SignTokenOptions> & { role?: PrincipalRole }): Promise<string>;
  /** `{ authorization: "Bearer …" }` for inject. */
  authHeaders(userId: string): Promise<{ authorization: string }>;
  /** Closes the app, and the database when the helper created it. */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** A database from `describeDatabases`' `db()`; omitted: a fresh in-memory PGlite, dropped by close(). */
  db?: Database;
  config?: Partial<Config>;
  now?: () => Date;
  routes?: readonly RoutePlugin[];
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const owned = options.db ? undefined : await createPgliteTestDatabase();
  const db = options.db ?? owned!.db;
  const config = testConfig(options.config);
  const now = options.now ?? (() => new Date());
  const app = await buildApp({ db, config, now, routes: options.routes, defaultMetrics: false });
  await app.ready();
  const token: TestApp["token"] = (userId, tokenOptions = {}) =>
    signToken({ secret: config.jwtSecret!, audience: config.jwtAudience, now, ...tokenOptions, userId });
  return {
    app,
    ctx: app.appContext,
    db,
    token,
    authHeaders: async (userId) => ({ authorization: `Bearer ${await token(userId)}` }),
    async close() {
      await app.close();
      await owned?.drop();
    },
  };
}
