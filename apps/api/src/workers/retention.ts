/** Hourly retention in the worker: the compliance clean-up (audit logs, webhook logs, IVR sessions) and finished webhook events. */
import { PgWebhookRepository, runCleanup } from "@vx/db";
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

export function startRetention(ctx: AppContext, options: { intervalMs?: number } = {}): RetentionJob {
  const webhooks = new PgWebhookRepository(ctx.db);
  let running: Promise<void> | undefined;
  const pass = async () => {
    const report = await runCleanup(ctx.db, { policy: ctx.config.retention, now: ctx.now });
    // Finished webhook events and their messages follow the webhook logs' retention (default 90 days).
    const days = ctx.config.retention.webhook_logs === undefined ? 90 : ctx.config.retention.webhook_logs;
    let purged = 0;
    if (days !== null) {
      const before = new Date(ctx.now().getTime() - days * DAY);
      for (let i = 0; i < MAX_PURGE_BATCHES; i++) {
        const n = await webhooks.purgeEvents(before, PURGE_BATCH);
        purged += n;
        if (n < PURGE_BATCH) break;
      }
    }
    ctx.log.info({ report, webhookEventsPurged: purged }, "retention pass");
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
