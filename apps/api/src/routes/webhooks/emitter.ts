/** Events from other parts of the app (the IVR) delivered through webhooks: `triggerEvent` as a callback. */
import { PgWebhookRepository } from "@vx/db";
import { WebhookService } from "@vx/webhooks";
import type { AppContext } from "../../route-kit.js";
import { wakeWebhookWorkers } from "../../workers/wakeup.js";
import { eventCatalog } from "./event-catalog.js";

export type WebhookEmit = (
  event: string,
  payload: Record<string, unknown>,
  context: { userId: string },
) => Promise<void>;

/** Enqueues on the connection role (system work); failures are logged, never thrown into the caller's flow. */
export function createWebhookEmitter(ctx: AppContext, settings = ctx.config.webhooks): WebhookEmit {
  const service = new WebhookService({
    repository: new PgWebhookRepository(ctx.db),
    eventTypes: eventCatalog(ctx.db, ctx.now),
    now: ctx.now,
    maxPayloadBytes: settings.maxPayloadBytes,
  });
  return async (event, payload, context) => {
    try {
      const result = await service.triggerEvent(event, payload, { userId: context.userId });
      if (result.deliveries > 0) wakeWebhookWorkers(ctx.db);
    } catch (error) {
      ctx.log.warn({ err: error, event }, "webhook event not enqueued");
    }
  };
}
