/** /v1/webhooks: a user's subscriptions, their secret, test deliveries, logs and recovery, through RLS. */
import type { Queryable } from "@vx/db";
import { checkWebhookUrl, type LogPosition, type UrlPolicy, type WebhookService } from "@vx/webhooks";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import {
  ApiError,
  type AppContext,
  decodeCursor,
  isStorableDate,
  page,
  paginationQuery,
  requirePrincipal,
  requireScope,
  toPage,
  withUser,
  type ZodApp,
} from "../../route-kit.js";
import { wakeWebhookWorkers } from "../../workers/wakeup.js";
import { domain } from "./errors.js";
import {
  createBody,
  createdSchema,
  idParams,
  logCursor,
  logsQuery,
  logToJson,
  recoverBody,
  testResultSchema,
  toJson,
  updateBody,
  webhookLogSchema,
  webhookSchema,
} from "./schemas.js";

export interface WebhookRouteDeps {
  /** A service over the caller's RLS transaction. */
  serviceFor: (tx: Queryable) => WebhookService<Queryable>;
  /** A service on the connection role, for work that must not hold a transaction (test deliveries). */
  system: WebhookService<Queryable>;
  /** The URL policy with DNS resolution, checked before any transaction opens. */
  policy: UrlPolicy;
}

const tags = ["webhooks"];
const read = requireScope("webhooks:read");
const write = requireScope("webhooks:write");

export async function webhookRoutes(app: ZodApp, ctx: AppContext, deps: WebhookRouteDeps): Promise<void> {
  const as = <T>(request: FastifyRequest, work: (service: WebhookService<Queryable>, userId: string) => Promise<T>) =>
    domain(() => withUser(request, (tx) => work(deps.serviceFor(tx), requirePrincipal(request).userId)));
  // DNS lookups happen here, before the transaction: a slow resolver must not hold a database transaction.
  const checkUrl = (url: string | undefined) =>
    url === undefined ? Promise.resolve() : domain(() => checkWebhookUrl(url, deps.policy).then(() => {}));

  app.post(
    "/webhooks",
    {
      preHandler: write,
      schema: {
        tags,
        summary: "Create a webhook (its secret is in this response and at /webhooks/{id}/secret only)",
        body: createBody,
        response: { 201: createdSchema },
      },
    },
    async (request, reply) => {
      await checkUrl(request.body.url);
      const webhook = await as(request, (service, userId) =>
        service.createWebhook({ ...request.body, user_id: userId }),
      );
      reply.code(201).header("cache-control", "no-store");
      return { ...toJson(webhook), secret: webhook.secret };
    },
  );

  app.get(
    "/webhooks",
    {
      preHandler: read,
      schema: {
        tags,
        summary: "List your webhooks, newest first",
        querystring: paginationQuery,
        response: { 200: page(webhookSchema) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      // A user's webhooks are few: the keyset filter runs here, on the (created_at, id) order of every list.
      const rows = (await as(request, (service, userId) => service.listWebhooks(userId)))
        .map(toJson)
        .sort((a, b) =>
          a.created_at === b.created_at ? b.id.localeCompare(a.id) : b.created_at.localeCompare(a.created_at),
        )
        .filter(
          (w) => !after || w.created_at < after.created_at || (w.created_at === after.created_at && w.id < after.id),
        )
        .slice(0, limit + 1);
      return toPage(rows, limit, (w) => ({ created_at: w.created_at, id: w.id }));
    },
  );

  app.get(
    "/webhooks/:id",
    {
      preHandler: read,
      schema: { tags, summary: "Get a webhook", params: idParams, response: { 200: webhookSchema } },
    },
    async (request) => toJson(await as(request, (service, userId) => service.getWebhook(request.params.id, userId))),
  );

  app.patch(
    "/webhooks/:id",
    {
      preHandler: write,
      schema: {
        tags,
        summary: "Change a webhook's url, events, agent, enabled flag or retry count",
        params: idParams,
        body: updateBody,
        response: { 200: webhookSchema },
      },
    },
    async (request) => {
      await checkUrl(request.body.url);
      return toJson(
        await as(request, (service, userId) => service.updateWebhook(request.params.id, userId, request.body)),
      );
    },
  );

  app.delete(
    "/webhooks/:id",
    {
      preHandler: write,
      schema: {
        tags,
        summary: "Delete a webhook, its pending deliveries and its logs",
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await as(request, (service, userId) => service.deleteWebhook(request.params.id, userId));
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/webhooks/:id/secret",
    {
      preHandler: write,
      schema: {
        tags,
        summary: "The webhook's signing secret",
        params: idParams,
        response: { 200: z.object({ secret: z.string() }) },
      },
    },
    async (request, reply) => {
      const secret = await as(request, (service, userId) => service.getWebhookSecret(request.params.id, userId));
      reply.header("cache-control", "no-store");
      return { secret };
    },
  );

  app.post(
    "/webhooks/:id/rotate-secret",
    {
      preHandler: write,
      schema: {
        tags,
        summary: "Issue a new secret; for 24 hours deliveries are signed with the old one too",
        params: idParams,
        response: { 200: z.object({ secret: z.string(), previous_valid_until: z.iso.datetime({ offset: true }) }) },
      },
    },
    async (request, reply) => {
      const rotated = await as(request, (service, userId) => service.rotateSecret(request.params.id, userId));
      reply.header("cache-control", "no-store");
      return { secret: rotated.secret, previous_valid_until: rotated.previous_valid_until.toISOString() };
    },
  );

  app.post(
    "/webhooks/:id/test",
    {
      preHandler: write,
      schema: {
        tags,
        summary: "Send a signed webhook.test event now and report how the endpoint answered",
        params: idParams,
        response: { 200: testResultSchema },
      },
    },
    // No transaction around the HTTP call: the system service scopes every query to the caller's user id.
    async (request) => domain(() => deps.system.testWebhook(request.params.id, requirePrincipal(request).userId)),
  );

  app.get(
    "/webhooks/:id/logs",
    {
      preHandler: read,
      schema: {
        tags,
        summary: "Delivery attempts, newest first, page by page",
        params: idParams,
        querystring: logsQuery,
        response: { 200: page(webhookLogSchema) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const before = cursor === undefined ? undefined : logPosition(cursor);
      // One row more than asked says whether another page exists.
      const logs = await as(request, async (service, userId) => {
        await service.getWebhook(request.params.id, userId);
        return service.getWebhookLogs(request.params.id, limit + 1, userId, before);
      });
      const { data, next_cursor } = toPage(logs, limit, (log) => ({
        created_at: log.created_at.toISOString(),
        attempt_number: log.attempt_number,
        id: log.id,
      }));
      return { data: data.map(logToJson), next_cursor };
    },
  );

  app.post(
    "/webhooks/:id/recover",
    {
      preHandler: write,
      schema: {
        tags,
        summary: "Give every failed delivery since a time one more attempt",
        params: idParams,
        body: recoverBody,
        response: { 202: z.object({ recovered: z.number().int() }) },
      },
    },
    async (request, reply) => {
      const since = new Date(request.body.since);
      const recovered = await as(request, (service, userId) => service.recover(request.params.id, since, userId));
      if (recovered > 0) wakeWebhookWorkers(ctx.db);
      return reply.code(202).send({ recovered });
    },
  );
}

/** A cursor this route issued: (created_at, attempt_number, id) of the last log of a page. */
function logPosition(cursor: string): LogPosition {
  const position = decodeCursor(cursor, logCursor);
  const created_at = new Date(position.created_at);
  // A forged date Postgres cannot hold must be a 400, not a 500 from the query.
  if (Number.isNaN(created_at.getTime()) || !isStorableDate(created_at)) {
    throw new ApiError("invalid_cursor", "The cursor is not one this API issued");
  }
  return { created_at, attempt_number: position.attempt_number, id: position.id };
}
