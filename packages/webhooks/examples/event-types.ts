// An operator's event type with a payload schema, a wildcard subscription, and a payload the schema refuses.
// In memory, no database. Run from the repository root: pnpm exec tsx packages/webhooks/examples/event-types.ts
import { randomUUID } from "node:crypto";
import { defineEventTypes, isWebhookError, WebhookService } from "@vx/webhooks";
import { MemoryWebhookRepository } from "@vx/webhooks/testing";

const eventTypes = defineEventTypes([
  {
    name: "invoice.paid",
    description: "An invoice was paid.",
    schema: {
      type: "object",
      required: ["invoice_id", "amount"],
      properties: { invoice_id: { type: "string" }, amount: { type: "integer", minimum: 0 } },
    },
    example: { invoice_id: "in_1", amount: 100 },
  },
]); // a bad schema, name or example throws here, at start
const repository = new MemoryWebhookRepository();
const webhookService = new WebhookService({ repository, eventTypes });
const userId = randomUUID();

await webhookService.createWebhook({ user_id: userId, url: "https://example.com/hook", events: ["invoice.*"] });
console.log(await webhookService.triggerEvent("invoice.paid", { invoice_id: "in_1", amount: 100 }, { userId }));
// { event_id: '…', deliveries: 1, duplicate: false }
try {
  await webhookService.triggerEvent("invoice.paid", { invoice_id: 7 }, { userId });
} catch (error) {
  if (!isWebhookError(error, "invalid_payload")) throw error;
  console.log(error.code, error.details?.errors);
  // invalid_payload [ { path: '/amount', message: 'is required' }, { path: '/invoice_id', message: 'must be string' } ]
}
