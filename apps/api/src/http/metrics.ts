/** Prometheus metrics: request counts and latencies per route, process metrics, and the registry domain counters join. */
import type { Database, ReplicaLag } from "@vx/db";
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** What a database-backed gauge may take per scrape: a scrape never waits on a database that does not answer. */
export const SCRAPE_DATABASE_BUDGET_MS = 1_000;

export function createMetricsRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

export function installRequestMetrics(app: FastifyInstance, registry: Registry): void {
  const labelNames = ["method", "route", "status_code"] as const;
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by route pattern and status",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time to answer HTTP requests, by route pattern and status",
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook("onResponse", async (request, reply) => {
    // The route pattern, never the raw URL: ids in paths would make one series per id.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? "unmatched",
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
}

/** Database statement durations per operation (`vx_verify_api_keys`, `select webhooks`, …): "monitor query performance". */
export function installQueryMetrics(app: FastifyInstance, db: Database, registry: Registry): void {
  const duration = new Histogram({
    name: "vx_db_query_duration_seconds",
    help: "Database statement durations, by operation, outcome and server (primary or read replica)",
    labelNames: ["operation", "outcome", "target"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const unsubscribe = db.observeQueries(({ operation, durationMs, failed, target }) => {
    duration.observe({ operation, outcome: failed ? "error" : "ok", target }, durationMs / 1000);
  });
  app.addHook("onClose", async () => unsubscribe());
}

/**
 * The value of a database read at scrape time, or undefined when it fails or takes longer than the budget:
 * database-backed gauges skip their update then, so the scrape still answers with everything else.
 */
export async function withinScrapeBudget<T>(work: Promise<T>, ms = SCRAPE_DATABASE_BUDGET_MS): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** `vx_database_up`: 1 when the database answered a probe within the scrape budget, else 0. */
export function installDatabaseUpGauge(db: Database, registry: Registry): void {
  if (registry.getSingleMetric("vx_database_up")) return;
  new Gauge({
    name: "vx_database_up",
    help: "1 when the database answered this scrape's probe within 1 s, 0 when not (database gauges are then skipped)",
    registers: [registry],
    async collect() {
      const health = await withinScrapeBudget(db.health());
      this.set(health?.healthy ? 1 : 0);
    },
  });
}

/**
 * With a read replica: its lag (`vx_db_replica_lag_bytes`, `vx_db_replica_lag_seconds`, skipped when it does not
 * answer within the scrape budget) and where replica reads ran (`vx_db_replica_reads_total{outcome}`: `replica`,
 * or on the primary because the replica was `lagging` past DATABASE_READ_MAX_WAIT_MS or `unreachable`).
 */
export function installReplicaMetrics(db: Database, registry: Registry): void {
  if (!db.replicaPool || registry.getSingleMetric("vx_db_replica_lag_bytes")) return;
  const lagGauges = {
    bytes: "Bytes of WAL the primary wrote that the read replica has not replayed yet",
    seconds: "Age of the last transaction the read replica replayed while it has WAL left to replay (0 when caught up)",
  } as const;
  for (const [unit, help] of Object.entries(lagGauges) as [keyof ReplicaLag, string][]) {
    new Gauge({
      name: `vx_db_replica_lag_${unit}`,
      help,
      registers: [registry],
      async collect() {
        const lag = (await withinScrapeBudget(db.replicaHealth()))?.lag;
        if (lag) this.set(lag[unit]);
      },
    });
  }
  new Counter({
    name: "vx_db_replica_reads_total",
    help: "Replica reads (listings and stats), by where they ran: replica, or the primary because it was lagging or unreachable",
    labelNames: ["outcome"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, count] of Object.entries(db.replicaReadCounts())) this.inc({ outcome }, count);
    },
  });
}
