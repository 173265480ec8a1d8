/**
 * Webhooks under /v1: subscriptions (/webhooks), their delivery stats, triggering events (/events), the event
 * catalog (/event-types), and queue metrics. Deliveries are made by the background workers (src/workers). Registered by the app under /v1.
 */
import { PgEventTypeRepository, PgWebhookRepository, type Queryable } from "@vx/db";
import { EncryptedWebhookRepository, resolveHost, type UrlPolicy, WebhookService } from "@vx/webhooks";
import type { AppContext, RoutePlugin, ZodApp } from "../../route-kit.js";
import { WEBHOOK_PROBLEMS } from "./errors.js";
import { eventCatalog } from "./event-catalog.js";
import { eventRoutes } from "./event-routes.js";
import { eventTypeRoutes } from "./event-type-routes.js";
import { messageRoutes } from "./message-routes.js";
import { queueMetrics } from "./metrics.js";
import { checkWebhookKeys, reencryptInBackground, webhookCipher } from "./secret-keys.js";
import type { WebhookSettings } from "./settings.js";
import { statsRoutes } from "./stats-routes.js";
import { webhookRoutes } from "./webhook-routes.js";

export function createWebhookRoutes(settings: WebhookSettings): RoutePlugin {
  return async (app: ZodApp, ctx: AppContext) => {
    ctx.errors.register(WEBHOOK_PROBLEMS);
    const policy: UrlPolicy = {
      allowHttp: settings.allowHttp,
      allowPrivateUrls: settings.allowPrivateUrls,
      resolveHost,
    };
    const eventTypes = eventCatalog(ctx.db, ctx.now);
    const options = {
      now: ctx.now,
      allowHttp: settings.allowHttp,
      allowPrivateUrls: settings.allowPrivateUrls,
      maxPayloadBytes: settings.maxPayloadBytes,
      timeoutMs: settings.timeoutMs,
    };
    // Secrets are encrypted at rest: a keyring that cannot open the stored ones stops the start here.
    const cipher = await webhookCipher(ctx.config);
    if (await checkWebhookKeys(ctx.config, ctx.db)) {
      const done = reencryptInBackground(ctx.config, ctx.db, ctx.log);
      app.addHook("onClose", () => done);
    }
    const serviceFor = (tx: Queryable) =>
      new WebhookService({
        ...options,
        repository: new EncryptedWebhookRepository(new PgWebhookRepository(tx), cipher),
        // Reloads read through the request's transaction; the cache is the process's.
        eventTypes: eventTypes.through(new PgEventTypeRepository(tx)),
      });
    const system = serviceFor(ctx.db);
    app.addHook("onClose", () => system.close());
    queueMetrics(ctx.metrics.registry, new PgWebhookRepository(ctx.db), ctx.now);
    await webhookRoutes(app, ctx, { serviceFor, system, policy });
    await messageRoutes(app, ctx, { serviceFor, system, policy });
    await eventRoutes(app, ctx, serviceFor);
    await eventTypeRoutes(app, eventTypes);
    await statsRoutes(app, serviceFor);
  };
}

/** The app's plugin, with the config's WEBHOOK_* settings. */
export default async function routes(app: ZodApp, ctx: AppContext): Promise<void> {
  await createWebhookRoutes(ctx.config.webhooks)(app, ctx);
}

export { createWebhookEmitter, type WebhookEmit } from "./emitter.js";
export { eventCatalog } from "./event-catalog.js";
export { openApiWebhooks } from "./openapi-webhooks.js";
export { checkWebhookKeys, WEBHOOK_KEY_FILE, webhookCipher, webhookRepository } from "./secret-keys.js";
export { type WebhookSettings, webhookSettingsFromEnv } from "./settings.js";
