/** /v1/api-keys: a user manages their own keys with a user JWT; every query runs through RLS as that user. */
import { type ApiKeyService, isKeyPosition, type KeyPosition } from "@vx/api-keys";
import type { Queryable } from "@vx/db";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import {
  ApiError,
  decodeCursor,
  encodeCursor,
  type Guard,
  page,
  paginationQuery,
  requirePrincipal,
  requireUser,
  toPage,
  withUser,
  type ZodApp,
} from "../../route-kit.js";
import { domain } from "./errors.js";
import {
  apiKeySchema,
  createBody,
  createdSchema,
  creditsBody,
  creditsSchema,
  idParams,
  rotateBody,
  rotatedSchema,
  statsQuery,
  statsSchema,
  statsToJson,
  toJson,
  updateBody,
} from "./schemas.js";

type ServiceFor = (tx: Queryable) => ApiKeyService;

const tags = ["api-keys"];

/** API keys are refused earlier by the strategy; this also refuses any future non-JWT principal. */
const requireUserToken: Guard = async (request) => {
  if (requirePrincipal(request).auth !== "jwt") {
    throw new ApiError("forbidden", "Managing API keys needs a user token (Supabase JWT)");
  }
};
export const guards = [requireUser, requireUserToken];

/** "Revoke unused keys": `?unused_for_days=N` lists only keys without use (or, never used, created) in N days. */
const listQuery = paginationQuery.extend({
  unused_for_days: z.coerce
    .number()
    .int()
    .min(1)
    .max(36_500)
    .optional()
    .describe("Only keys not used for this many days (never-used keys count from creation)"),
  identity_id: z.uuid().optional().describe("Only the keys of this identity (one customer's keys)"),
});

export async function managementRoutes(app: ZodApp, serviceFor: ServiceFor): Promise<void> {
  const as = <T>(request: FastifyRequest, work: (keys: ApiKeyService, userId: string) => Promise<T>) =>
    withUser(request, (tx) => work(serviceFor(tx), requirePrincipal(request).userId));

  app.post(
    "/api-keys",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "Create an API key (the plain key is in this response only)",
        body: createBody,
        response: { 201: createdSchema },
      },
    },
    async (request, reply) => {
      const created = await domain(() =>
        as(request, (keys, userId) => keys.createApiKey({ ...request.body, user_id: userId })),
      );
      reply.code(201).header("cache-control", "no-store");
      return { api_key: toJson(created.apiKey), plain_key: created.plainKey };
    },
  );

  app.get(
    "/api-keys",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "List your API keys, newest first (or only those unused for N days, or one identity's)",
        querystring: listQuery,
        response: { 200: page(apiKeySchema) },
      },
    },
    async (request) => {
      const { limit, cursor, unused_for_days, identity_id } = request.query;
      if (unused_for_days === undefined) {
        // Read a page at a time in the database: one key per customer makes a great many keys.
        const after = cursor === undefined ? undefined : keyPosition(cursor);
        const page = await as(request, (keys, userId) =>
          keys.listApiKeysPage(userId, { limit, after, identityId: identity_id }),
        );
        return { data: page.keys.map(toJson), next_cursor: page.next ? encodeCursor({ ...page.next }) : null };
      }
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const all = (
        await as(request, (keys, userId) =>
          keys.findUnusedApiKeys(userId, { unusedForDays: unused_for_days, identityId: identity_id }),
        )
      ).map(toJson);
      // A review list, read whole to order it by last activity: the keyset filter runs here, on (created_at, id).
      const rows = all
        .sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1))
        .filter(
          (k) => !after || k.created_at < after.created_at || (k.created_at === after.created_at && k.id < after.id),
        )
        .slice(0, limit + 1);
      return toPage(rows, limit, (k) => ({ created_at: k.created_at, id: k.id }));
    },
  );

  app.get(
    "/api-keys/:id",
    {
      preHandler: guards,
      schema: { tags, summary: "Get an API key", params: idParams, response: { 200: apiKeySchema } },
    },
    async (request) =>
      toJson(await domain(() => as(request, (keys, userId) => keys.getApiKey(request.params.id, userId)))),
  );

  app.patch(
    "/api-keys/:id",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "Change an API key's name, expiry, limits, scopes or enabled flag",
        params: idParams,
        body: updateBody,
        response: { 200: apiKeySchema },
      },
    },
    async (request) => {
      const { expires_at, ...rest } = request.body;
      const updates = {
        ...rest,
        ...(expires_at !== undefined ? { expires_at: expires_at === null ? null : new Date(expires_at) } : {}),
      };
      return toJson(
        await domain(() => as(request, (keys, userId) => keys.updateApiKey(request.params.id, userId, updates))),
      );
    },
  );

  app.delete(
    "/api-keys/:id",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "Delete an API key (its usage history is kept)",
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await domain(() => as(request, (keys, userId) => keys.deleteApiKey(request.params.id, userId)));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api-keys/:id/revoke",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "Revoke (disable) an API key at once",
        params: idParams,
        response: { 200: apiKeySchema },
      },
    },
    async (request) =>
      toJson(await domain(() => as(request, (keys, userId) => keys.revokeApiKey(request.params.id, userId)))),
  );

  app.post(
    "/api-keys/:id/rotate",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "Issue a replacement key; the old one works for the grace period, then expires",
        params: idParams,
        body: rotateBody,
        response: { 201: rotatedSchema },
      },
    },
    async (request, reply) => {
      const gracePeriodHours = request.body?.grace_period_hours;
      const rotated = await domain(() =>
        as(request, (keys, userId) => keys.rotateApiKey(request.params.id, userId, { gracePeriodHours })),
      );
      reply.code(201).header("cache-control", "no-store");
      return { api_key: toJson(rotated.apiKey), plain_key: rotated.plainKey, previous: toJson(rotated.previous) };
    },
  );

  app.post(
    "/api-keys/:id/credits",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "Set, increment or decrement a key's credits (after any refill that is due; never below 0)",
        params: idParams,
        body: creditsBody,
        response: { 200: creditsSchema },
      },
    },
    async (request) => {
      const remaining = await domain(() =>
        as(request, (keys, userId) => keys.changeCredits(request.params.id, userId, request.body)),
      );
      return { remaining };
    },
  );

  app.get(
    "/api-keys/:id/stats",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "Usage: totals, remaining quota, this hour, and an hourly series",
        params: idParams,
        querystring: statsQuery,
        response: { 200: statsSchema },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      const range = { from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined };
      const stats = await domain(
        () => as(request, (keys, userId) => keys.getApiKeyStats(request.params.id, userId, range)),
        "query",
      );
      return statsToJson(stats);
    },
  );
}

/**
 * A cursor this route issued: where a page of keys ended, created_at as exact UTC text (microseconds, as Postgres
 * holds it) and the id. The service's own check decides; a position it would refuse is the cursor's problem.
 */
function keyPosition(cursor: string): KeyPosition {
  const position = decodeCursor(cursor);
  if (!isKeyPosition(position)) throw new ApiError("invalid_cursor", "The cursor is not one this API issued");
  return position;
}
