/** /v1/webhooks/:id/messages: a webhook's messages (id = the webhook-id header), one with its attempts, and replay. */
import type { MessageStatus } from "@vx/webhooks";
import {
  ApiError,
  type AppContext,
  decodeCursor,
  encodeCursor,
  isStorableDate,
  page,
  paginationQuery,
  requirePrincipal,
  requireScope,
  withUser,
  type ZodApp,
} from "../../route-kit.js";
import { wakeWebhookWorkers } from "../../workers/wakeup.js";
import { domain } from "./errors.js";
import {
  idParams,
  messageDetailSchema,
  messageDetailToJson,
  messageParams,
  messageSchema,
  messagesQuery,
  messageToJson,
} from "./schemas.js";
import type { WebhookRouteDeps } from "./webhook-routes.js";

const tags = ["webhooks"];

export async function messageRoutes(app: ZodApp, ctx: AppContext, deps: WebhookRouteDeps): Promise<void> {
  const userOf = (request: Parameters<typeof requirePrincipal>[0]) => requirePrincipal(request).userId;

  app.get(
    "/webhooks/:id/messages",
    {
      preHandler: requireScope("webhooks:read"),
      schema: {
        tags,
        summary: "The webhook's messages, newest first: one per event, with its state and attempts so far",
        params: idParams,
        querystring: paginationQuery.extend(messagesQuery.shape),
        response: { 200: page(messageSchema) },
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      const after = cursor === undefined ? undefined : messagePosition(cursor);
      const result = await domain(() =>
        withUser(request, (tx) =>
          deps.serviceFor(tx).listMessages(request.params.id, userOf(request), {
            limit,
            after,
            // The schema admits only MESSAGE_STATUSES; the type provider widens the enum to string.
            status: status as MessageStatus | undefined,
          }),
        ),
      );
      return {
        data: result.messages.map(messageToJson),
        next_cursor: result.next
          ? encodeCursor({ created_at: result.next.created_at.toISOString(), id: result.next.id })
          : null,
      };
    },
  );

  app.get(
    "/webhooks/:id/messages/:message_id",
    {
      preHandler: requireScope("webhooks:read"),
      schema: {
        tags,
        summary: "One message with its logged attempts",
        params: messageParams,
        response: { 200: messageDetailSchema },
      },
    },
    async (request) => {
      const { id, message_id } = request.params;
      const message = await domain(() =>
        withUser(request, (tx) => deps.serviceFor(tx).getMessage(id, message_id, userOf(request))),
      );
      return messageDetailToJson(message);
    },
  );

  app.post(
    "/webhooks/:id/messages/:message_id/replay",
    {
      preHandler: requireScope("webhooks:write"),
      schema: {
        tags,
        summary: "Send the message again now, under the same webhook-id so receivers can dedupe",
        params: messageParams,
        response: { 202: messageSchema },
      },
    },
    async (request, reply) => {
      const { id, message_id } = request.params;
      const message = await domain(() =>
        withUser(request, (tx) => deps.serviceFor(tx).replay(message_id, userOf(request), id)),
      );
      // After the commit, so the woken worker finds the message.
      wakeWebhookWorkers(ctx.db);
      return reply.code(202).send(messageToJson(message));
    },
  );
}

/** A cursor this route issued: (created_at, id) of the last message of a page. */
function messagePosition(cursor: string): { created_at: Date; id: string } {
  const position = decodeCursor(cursor);
  const created_at = new Date(position.created_at);
  // A forged date Postgres cannot hold (e.g. year -4713) must be a 400, not a 500 from the query.
  if (Number.isNaN(created_at.getTime()) || !isStorableDate(created_at)) {
    throw new ApiError("invalid_cursor", "The cursor is not one this API issued");
  }
  return { created_at, id: position.id };
}
