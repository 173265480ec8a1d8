/**
 * Hourly retention in the worker: the compliance clean-up (audit logs, webhook logs, IVR sessions), finished webhook
 * events, and the standalone rate limiter's idle state.
 */
import { type CleanupReport, deleteInBatches } from "@vx/compliance";
import { type Database, PgRateLimitRepository, PgWebhookRepository, runCleanup } from "@vx/db";
import type { Config } from "../config.js";
import type { AppContext } from "../context.js";

export interface RetentionJob {
  /** One pass now; overlapping calls share one run. */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

const DAY = 24 * 60 * 60 * 1000;
/** 1000 rows a statement, at most 100 a pass: a huge backlog is worked off over several hours, not in one long run. */
const PURGE_BATCHES = { batchSize: 1000, maxBatches: 100 };
/**
 * Limiter state is pruned only once idle for an hour by this process's clock, so an API process whose clock runs
 * behind ours (by less than that) never finds a row it still counts on gone; a pruned row changes no decision anyway
 * once its window has passed.
 */
const RATELIMIT_IDLE_MS = 60 * 60 * 1000;

/** One retention pass: what `vx cleanup` runs by hand and the worker runs every hour. */
export async function runRetention(
  db: Database,
  retention: Config["retention"],
  now: () => Date,
): Promise<{ report: CleanupReport; webhookEventsPurged: number; ratelimitStatesPruned: number }> {
  const report = await runCleanup(db, { policy: retention, now });
  // Finished webhook events and their messages follow the webhook logs' retention (default 90 days).
  const days = retention.webhook_logs === undefined ? 90 : retention.webhook_logs;
  let purged = 0;
  if (days !== null) {
    const webhooks = new PgWebhookRepository(db);
    const before = new Date(now().getTime() - days * DAY);
    purged = (await deleteInBatches((limit) => webhooks.purgeEvents(before, limit), PURGE_BATCHES)).deleted;
  }
  return { report, webhookEventsPurged: purged, ratelimitStatesPruned: await pruneIdleRateLimits(db, now()) };
}

/** Deletes the rate limiter's state rows idle for an hour: one per identifier ever limited would pile up. */
async function pruneIdleRateLimits(db: Database, now: Date): Promise<number> {
  const limiter = new PgRateLimitRepository(db);
  const idleBefore = new Date(now.getTime() - RATELIMIT_IDLE_MS);
  return (await deleteInBatches((limit) => limiter.pruneIdle(idleBefore, limit), PURGE_BATCHES)).deleted;
}

export function startRetention(ctx: AppContext, options: { intervalMs?: number } = {}): RetentionJob {
  let running: Promise<void> | undefined;
  const pass = async () => {
    const result = await runRetention(ctx.db, ctx.config.retention, ctx.now);
    ctx.log.info(result, "retention pass");
  };
  const runNow = () => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(
    () => {
      runNow().catch((error: unknown) => ctx.log.error({ err: error }, "retention pass failed"));
    },
    options.intervalMs ?? 60 * 60 * 1000,
  );
  timer.unref();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
