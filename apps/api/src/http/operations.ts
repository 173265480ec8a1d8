/** Operational endpoints: liveness, readiness (database reachable, migrations current) and Prometheus metrics. */
import { migrationStatus } from "@vx/db";
import { z } from "zod";
import type { AppContext, ZodApp } from "../context.js";
import { VERSION } from "../version.js";
import { installDatabaseUpGauge, installReplicaMetrics } from "./metrics.js";
import { DATABASE_RETRY_AFTER_SECONDS, problemType, sendProblem } from "./problems.js";

const ops = { rateLimit: false } as const;

const readyChecks = z.object({
  database: z.object({
    ok: z.boolean(),
    kind: z.enum(["postgres", "pglite"]),
    latency_ms: z.number(),
  }),
  migrations: z.object({ ok: z.boolean(), pending: z.array(z.string()) }),
  /** Only with DATABASE_READ_URL. Informational: while it is down, reads fall back to the primary. */
  replica: z
    .object({
      ok: z.boolean(),
      latency_ms: z.number(),
      /** Bytes of WAL it has not replayed, and the age of its last replayed transaction while it is behind. */
      lag_bytes: z.number().optional(),
      lag_seconds: z.number().optional(),
    })
    .optional(),
});

export async function operationsRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  installDatabaseUpGauge(ctx.db, ctx.metrics.registry);
  installReplicaMetrics(ctx.db, ctx.metrics.registry);
  app.get(
    "/health",
    {
      config: ops,
      schema: {
        tags: ["operations"],
        summary: "Liveness: the process answers",
        response: { 200: z.object({ status: z.literal("ok"), version: z.string() }) },
      },
    },
    async () => ({ status: "ok" as const, version: VERSION }),
  );

  app.get(
    "/ready",
    {
      config: ops,
      schema: {
        tags: ["operations"],
        summary: "Readiness: the database answers and its migrations are current",
        description:
          "503 with a problem+json body (and the same `checks`) when not ready. Which check failed, never why: " +
          "the driver's error (with hosts and ports) goes to the log.",
        response: { 200: z.object({ status: z.literal("ready"), checks: readyChecks }) },
      },
    },
    async (request, reply) => {
      const checks = await readiness(ctx);
      if (checks.database.ok && checks.migrations.ok) return { status: "ready" as const, checks };
      const detail = checks.database.ok
        ? `Migrations pending: ${checks.migrations.pending.join(", ")}`
        : "The database is unreachable";
      if (!checks.database.ok) reply.header("retry-after", String(DATABASE_RETRY_AFTER_SECONDS));
      return sendProblem(reply, {
        type: problemType("service_unavailable"),
        title: "Not ready",
        status: 503,
        detail,
        code: "service_unavailable",
        instance: "/ready",
        request_id: String(request.id),
        checks,
      });
    },
  );

  app.get(
    "/metrics",
    {
      config: ops,
      schema: {
        tags: ["operations"],
        summary: "Prometheus metrics (text exposition format)",
        produces: ["text/plain"],
      },
    },
    async (_request, reply) => {
      const body = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(body);
    },
  );
}

async function readiness(ctx: AppContext): Promise<z.output<typeof readyChecks>> {
  const [health, replicaHealth] = await Promise.all([ctx.db.health(), ctx.db.replicaHealth()]);
  // The driver's message names hosts and ports: operators read it in the log, anonymous callers never see it.
  if (health.error) ctx.log.warn({ error: health.error }, "readiness: database unreachable");
  if (replicaHealth?.error) ctx.log.warn({ error: replicaHealth.error }, "readiness: read replica unreachable");
  const replica = replicaHealth && {
    ok: replicaHealth.healthy,
    latency_ms: replicaHealth.latencyMs,
    ...(replicaHealth.lag ? { lag_bytes: replicaHealth.lag.bytes, lag_seconds: replicaHealth.lag.seconds } : {}),
  };
  const database = { ok: health.healthy, kind: ctx.db.kind, latency_ms: health.latencyMs };
  const extra = replica ? { replica } : {};
  if (!health.healthy) return { database, migrations: { ok: false, pending: [] }, ...extra };
  try {
    const status = await migrationStatus(ctx.db);
    return { database, migrations: { ok: status.current, pending: status.pending }, ...extra };
  } catch (error) {
    ctx.log.warn({ err: error }, "migration status unavailable");
    return { database, migrations: { ok: false, pending: [] }, ...extra };
  }
}
