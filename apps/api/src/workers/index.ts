/** Background work: webhook deliveries, the IVR idle-session sweep and hourly retention. Started by `vx serve` and `vx worker`. */
import type { DeliveryWorkerOptions } from "@vx/webhooks";
import type { AppContext } from "../context.js";
import { startIvrSweep } from "../routes/ivr/index.js";
import { createWebhookEmitter } from "../routes/webhooks/index.js";
import { startRetention } from "./retention.js";
import { startWebhookWorker } from "./webhook-worker.js";

export interface BackgroundWorkers {
  /** Finishes in-flight work and stops; called by graceful shutdown. */
  stop(): Promise<void>;
}

export interface BackgroundWorkerOptions {
  /** Overrides for the webhook delivery worker (tests: a fast poll, a short lease). */
  webhooks?: Partial<DeliveryWorkerOptions>;
}

export async function startBackgroundWorkers(
  ctx: AppContext,
  options: BackgroundWorkerOptions = {},
): Promise<BackgroundWorkers> {
  const webhooks = await startWebhookWorker(ctx, undefined, options.webhooks);
  // Sessions the sweep closes are reported as ivr.session.ended webhook events.
  const sweep = startIvrSweep(ctx, { emit: createWebhookEmitter(ctx) });
  const retention = startRetention(ctx);
  return {
    async stop() {
      await Promise.all([webhooks.stop(), sweep.stop(), retention.stop()]);
    },
  };
}
