// One server of the api-keys benchmark, in its own process so the load generator does not share its event loop.
// Usage (by bench/api-keys.ts): BENCH_SCENARIO=<name> BENCH_DATABASE_URL=… BENCH_JWT_SECRET=… tsx bench/api-keys-server.ts
// Prints `READY <port>` once listening; GET /bench-stats answers the statements this process sent to Postgres.
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { ApiKeyService, RateLimiter } from "@vx/api-keys";
import { Database, PgApiKeyRepository, PgRateLimitRepository } from "@vx/db";
import pg from "pg";
import { buildApp } from "../apps/api/src/app.js";
import { loadConfig } from "../apps/api/src/config.js";
import type { AuthStrategy, RoutePlugin } from "../apps/api/src/context.js";
import { installResponseHeaders } from "../apps/api/src/http/response-headers.js";
import { createApiKeyStrategy } from "../apps/api/src/routes/api-keys/api-key-auth.js";
import apiKeyRoutes from "../apps/api/src/routes/api-keys/index.js";

// Fastify is a dependency of apps/api, not of the repository root: load that same copy.
const requireFromApi = createRequire(new URL("../apps/api/package.json", import.meta.url));
const Fastify = requireFromApi("fastify") as (options: object) => BareApp;

interface BareRequest {
  headers: Record<string, string | string[] | undefined>;
}
interface BareApp {
  get(path: string, handler: () => Promise<unknown>): void;
  get(path: string, options: object, handler: () => Promise<unknown>): void;
  addHook(name: "onRequest", hook: (request: BareRequest) => Promise<void>): void;
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
}

export const SCENARIOS = ["bare", "ceiling", "auth-exact", "auth", "app", "verify", "limiter"] as const;
export type Scenario = (typeof SCENARIOS)[number];

const scenario = process.env.BENCH_SCENARIO as Scenario;
const url = process.env.BENCH_DATABASE_URL!;
const poolSize = 10;
let statements = 0;

/** A Database whose statements are counted: round trips per verification come from here. */
function countedDatabase(): Database {
  // BENCH_PREPARED=off: unnamed statements only, to measure what the prepared ones save.
  const prepared = process.env.BENCH_PREPARED === "off" ? { preparedStatements: false } : {};
  const db = new Database({ kind: "postgres", url, poolSize, ...prepared });
  const query = db.query.bind(db);
  db.query = ((text: string, params?: readonly unknown[]) => {
    statements++;
    return query(text, params);
  }) as Database["query"];
  // The verification and limiter statements go through queryPrepared, which falls back to query when unprepared.
  const queryPrepared = db.queryPrepared.bind(db);
  db.queryPrepared = ((name: string, text: string, params: readonly unknown[]) => {
    if (db.preparesStatements) statements++;
    return queryPrepared(name, text, params);
  }) as Database["queryPrepared"];
  return db;
}

/** The service defaults unless BENCH_MAX_IN_FLIGHT / BENCH_MAX_BATCH / BENCH_MIN_SHARE are set (for tuning runs). */
function batchingFromEnv(): { maxInFlight?: number; maxBatchSize?: number; minShareOfInFlight?: number } {
  const number = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  return {
    maxInFlight: number("BENCH_MAX_IN_FLIGHT"),
    maxBatchSize: number("BENCH_MAX_BATCH"),
    minShareOfInFlight: number("BENCH_MIN_SHARE"),
  };
}

/**
 * BENCH_BATCH_SIZES=on: counts the batches the repository receives by size and prints them to stderr when the server
 * stops (`BATCH SIZES <scenario> [[size, batches], …]`). How the batcher's settings shape the batches, for tuning.
 */
function countBatchSizes<R extends object, K extends keyof R>(repository: R, method: K): R {
  if (process.env.BENCH_BATCH_SIZES !== "on") return repository;
  const sizes = new Map<number, number>();
  const original = (repository[method] as (requests: unknown[], now: Date) => Promise<unknown>).bind(repository);
  repository[method] = ((requests: unknown[], now: Date) => {
    sizes.set(requests.length, (sizes.get(requests.length) ?? 0) + 1);
    return original(requests, now);
  }) as R[K];
  process.on("SIGTERM", () => {
    const counts = [...sizes].sort((a, b) => a[0] - b[0]);
    process.stderr.write(`BATCH SIZES ${scenario} ${JSON.stringify(counts)}\n`);
  });
  return repository;
}

async function bare(hook?: (request: BareRequest) => Promise<void>): Promise<{ app: BareApp; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  if (hook) app.addHook("onRequest", hook);
  app.get("/v1/webhooks", async () => ({ ok: true }));
  app.get("/bench-stats", async () => ({ statements }));
  return { app, close: async () => {} };
}

async function start(): Promise<{ app: BareApp; close(): Promise<void> }> {
  switch (scenario) {
    case "bare":
      return bare();
    case "ceiling": {
      // The one-round-trip ceiling: hash the presented key and count it with one atomic UPDATE … RETURNING
      // on the indexed key_hash, nothing else (no checks, no bucket, no headers).
      const pool = new pg.Pool({ connectionString: url, max: poolSize });
      const server = await bare(async (request) => {
        const key = request.headers["x-api-key"];
        if (typeof key !== "string") return;
        statements++;
        // Unnamed, as `pool.query(text, values)` sends it; BENCH_CEILING_PREPARED=on names it, to compare.
        const { rowCount } = await pool.query({
          ...(process.env.BENCH_CEILING_PREPARED === "on" ? { name: "ceiling" } : {}),
          text: "UPDATE public.api_keys SET usage_count = usage_count + 1, last_used_at = now() WHERE key_hash = $1 RETURNING id, user_id, scopes",
          values: [createHash("sha256").update(key).digest("hex")],
        });
        if (rowCount !== 1) throw Object.assign(new Error("unknown key"), { statusCode: 401 });
      });
      return { app: server.app, close: () => pool.end() };
    }
    case "auth":
    case "auth-exact": {
      // The same bare route behind the real API-key strategy (scopes, counting, RateLimit headers).
      const db = countedDatabase();
      const service = new ApiKeyService({
        repository: countBatchSizes(new PgApiKeyRepository(db), "verifyApiKeys"),
        batching: scenario === "auth" ? batchingFromEnv() : false,
      });
      const strategy: AuthStrategy = createApiKeyStrategy({ service, now: () => new Date() });
      const server = await bare(async (request) => {
        await strategy(request as never);
      });
      installResponseHeaders(server.app as never);
      return { app: server.app, close: () => db.close() };
    }
    case "limiter": {
      // The standalone rate limiter, micro-batched: one GCRA limit per presented identifier (the x-api-key header).
      const db = countedDatabase();
      const limiter = new RateLimiter({
        repository: countBatchSizes(new PgRateLimitRepository(db), "limit"),
        owner: process.env.BENCH_USER_ID,
        batching: batchingFromEnv(),
      });
      const server = await bare(async (request) => {
        const identifier = request.headers["x-api-key"];
        if (typeof identifier !== "string") return;
        const result = await limiter.limit("bench", identifier, { limit: 1_000_000_000, duration_ms: 1000 });
        if (!result.success) throw Object.assign(new Error("rate limited"), { statusCode: 429 });
      });
      return { app: server.app, close: () => db.close() };
    }
    case "app":
    case "verify": {
      // The whole API (helmet, request ids, metrics, problem+json, …): GET /v1/me with the key, or the verify route.
      const db = countedDatabase();
      const config = {
        ...loadConfig({ LOG_LEVEL: "silent", VX_WORKERS: "off", VX_DATA_DIR: "memory" }),
        jwtSecret: process.env.BENCH_JWT_SECRET!,
      };
      const stats: RoutePlugin = async (app) => {
        app.get("/bench-stats", { config: { rateLimit: false } }, async () => ({ statements }));
      };
      const app = await buildApp({ db, config, routes: [apiKeyRoutes, stats], defaultMetrics: false });
      return { app: app as unknown as BareApp, close: () => db.close() };
    }
  }
}

const { app, close } = await start();
const address = await app.listen({ port: 0, host: "127.0.0.1" });
console.log(`READY ${new URL(address).port}`);
const stop = () => {
  app
    .close()
    .then(close)
    .finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
// Started by the runner: when its end of stdin closes (the runner exited or was killed), stop too.
if (process.env.BENCH_EXIT_WITH_PARENT) {
  process.stdin.on("end", stop);
  process.stdin.resume();
}
