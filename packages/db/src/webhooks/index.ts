// Adapters for @vx/webhooks: the Postgres/PGlite repository and the LISTEN/NOTIFY wake-up for workers.

export type { WebhookListener } from "./listen.js";
export { listenForWebhookMessages, WEBHOOK_CHANNEL } from "./listen.js";
export { PgEventTypeRepository } from "./pg-event-type-repository.js";
export { PgWebhookRepository } from "./pg-webhook-repository.js";
export { PgWebhookSecretStore } from "./pg-webhook-secret-store.js";
