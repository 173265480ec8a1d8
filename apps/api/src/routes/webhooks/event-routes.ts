/** POST /v1/events: trigger an event for the caller's webhooks. */
import type { Queryable } from "@vx/db";
import type { WebhookService } from "@vx/webhooks";
import { type AppContext, requirePrincipal, requireScope, withUser, type ZodApp } from "../../route-kit.js";
import { wakeWebhookWorkers } from "../../workers/wakeup.js";
import { domain } from "./errors.js";
import { triggerBody, triggeredSchema } from "./schemas.js";

export async function eventRoutes(
  app: ZodApp,
  ctx: AppContext,
  serviceFor: (tx: Queryable) => WebhookService<Queryable>,
): Promise<void> {
  app.post(
    "/events",
    {
      preHandler: requireScope("events:write"),
      schema: {
        tags: ["events"],
        summary: "Trigger an event: one delivery per enabled webhook of yours subscribed to it",
        body: triggerBody,
        response: { 202: triggeredSchema },
      },
    },
    async (request, reply) => {
      const { event, payload, agent_id, idempotency_key, channels } = request.body;
      const userId = requirePrincipal(request).userId;
      const result = await domain(() =>
        withUser(request, (tx) =>
          serviceFor(tx).triggerEvent(event, payload, {
            userId,
            agentId: agent_id,
            idempotencyKey: idempotency_key,
            channels,
          }),
        ),
      );
      // After the commit, so the woken worker finds the messages.
      if (result.deliveries > 0 && !result.duplicate) wakeWebhookWorkers(ctx.db);
      return reply.code(202).send(result);
    },
  );
}
