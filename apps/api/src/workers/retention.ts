/** Hourly retention in the worker: the compliance clean-up (audit logs, webhook logs, IVR sessions) and finished webhook events. */
import type { CleanupReport } from "@vx/compliance";
import { type Database, PgWebhookRepository, runCleanup } from "@vx/db";
import type { Config } from "../config.js";
import type { AppContext } from "../context.js";

export interface RetentionJob {
  /** One pass now; overlapping calls share one run. */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

const DAY = 24 * 60 * 60 * 1000;
const PURGE_BATCH = 1000;
/** Bounds one pass, so a huge backlog is worked off over several hours instead of in one long run. */
const MAX_PURGE_BATCHES = 100;

/** One retention pass: what `vx cleanup` runs by hand and the worker runs every hour. */
export async function runRetention(
  db: Database,
  retention: Config["retention"],
  now: () => Date,
): Promise<{ report: CleanupReport; webhookEventsPurged: number }> {
  const report = await runCleanup(db, { policy: retention, now });
  // Finished webhook events and their messages follow the webhook logs' retention (default 90 days).
  const days = retention.webhook_logs === undefined ? 90 : retention.webhook_logs;
  let purged = 0;
  if (days !== null) {
    const webhooks = new PgWebhookRepository(db);
    const before = new Date(now().getTime() - days * DAY);
    for (let i = 0; i < MAX_PURGE_BATCHES; i++) {
      const n = await webhooks.purgeEvents(before, PURGE_BATCH);
      purged += n;
      if (n < PURGE_BATCH) break;
    }
  }
  return { report, webhookEventsPurged: purged };
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
