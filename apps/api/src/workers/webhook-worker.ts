/** The webhook delivery worker of this process: claims due messages, sends them, and counts every attempt. */
import { listenForWebhookMessages } from "@vx/db";
import { DeliveryWorker, type DeliveryWorkerOptions } from "@vx/webhooks";
import type { AppContext } from "../context.js";
import { deliveryMetrics } from "../routes/webhooks/metrics.js";
import { webhookRepository } from "../routes/webhooks/secret-keys.js";
import type { WebhookSettings } from "../routes/webhooks/settings.js";
import { workerErrorLog } from "./error-log.js";
import { onWebhookMessages } from "./wakeup.js";

export interface WebhookWorkerHandle {
  worker: DeliveryWorker;
  stop(): Promise<void>;
}

export async function startWebhookWorker(
  ctx: AppContext,
  settings: WebhookSettings = ctx.config.webhooks,
  overrides: Partial<DeliveryWorkerOptions> = {},
): Promise<WebhookWorkerHandle> {
  const metrics = deliveryMetrics(ctx.metrics.registry);
  const onError = workerErrorLog(ctx.log, "webhook delivery worker");
  const worker = new DeliveryWorker({
    repository: await webhookRepository(ctx.config, ctx.db),
    now: ctx.now,
    allowPrivateUrls: settings.allowPrivateUrls,
    timeoutMs: settings.timeoutMs,
    batchSize: settings.workerBatchSize,
    maxInFlight: settings.workerMaxInFlight,
    onAttempt: (attempt) => {
      metrics.deliveries.inc({ outcome: attempt.outcome });
      metrics.attemptSeconds.observe({ outcome: attempt.outcome }, attempt.duration_ms / 1000);
      ctx.log.debug(
        {
          webhookId: attempt.webhook_id,
          messageId: attempt.message_id,
          attempt: attempt.attempt_number,
          outcome: attempt.outcome,
        },
        "webhook attempt",
      );
    },
    onError,
    ...overrides,
  });
  worker.start();
  const unsubscribe = onWebhookMessages(ctx.db, () => worker.wake());
  // Postgres: NOTIFY wakes this worker whichever process enqueued. PGlite has no LISTEN: in-process wake-ups and polling.
  const listener =
    ctx.db.kind === "postgres"
      ? await listenForWebhookMessages(ctx.db.url, () => worker.wake(), { onError }).catch((error: unknown) => {
          onError(error);
          return undefined;
        })
      : undefined;
  ctx.log.info({ workerId: worker.workerId }, "webhook delivery worker started");
  return {
    worker,
    async stop() {
      unsubscribe();
      await listener?.close();
      await worker.stop();
    },
  };
}
