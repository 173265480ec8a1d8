/** /v1/identities: one customer's shared limits and credits, managed with a user JWT through RLS like keys. */
import { type ApiKeyService, MAX_NAME_LENGTH } from "@vx/api-keys";
import type { Queryable } from "@vx/db";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import {
  decodeCursor,
  page,
  paginationQuery,
  requirePrincipal,
  toPage,
  withUser,
  type ZodApp,
} from "../../route-kit.js";
import { domain } from "./errors.js";
import { guards } from "./management-routes.js";
import {
  createIdentityBody,
  creditsBody,
  creditsSchema,
  identitySchema,
  identityStatsSchema,
  identityStatsToJson,
  identityToJson,
  idParams,
  statsQuery,
  updateIdentityBody,
} from "./schemas.js";

const tags = ["api-keys"];
const identitiesQuery = paginationQuery.extend({
  external_id: z
    .string()
    .min(1)
    .max(MAX_NAME_LENGTH)
    .optional()
    .describe("Only the identity with this external_id (yours)"),
});
/** A page ends at an external id: unique per owner, so the next page starts exactly after it. */
const identityCursor = z.object({ external_id: z.string().min(1) });

export async function identityRoutes(app: ZodApp, serviceFor: (tx: Queryable) => ApiKeyService): Promise<void> {
  /** `location`: where a refused field was sent, for the problem's field names (`body.…` or `query.…`). */
  const as = <T>(
    request: FastifyRequest,
    work: (keys: ApiKeyService, userId: string) => Promise<T>,
    location: "body" | "query" = "body",
  ) => domain(() => withUser(request, (tx) => work(serviceFor(tx), requirePrincipal(request).userId)), location);

  app.post(
    "/identities",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "Create an identity (409 identity_exists when the external_id is taken)",
        body: createIdentityBody,
        response: { 201: identitySchema },
      },
    },
    async (request, reply) => {
      const identity = await as(request, (keys, userId) => keys.createIdentity({ ...request.body, user_id: userId }));
      reply.code(201);
      return identityToJson(identity);
    },
  );

  app.get(
    "/identities",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "List your identities in external_id order (or the one with an external_id)",
        querystring: identitiesQuery,
        response: { 200: page(identitySchema) },
      },
    },
    async (request) => {
      const { external_id, limit, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor, identityCursor).external_id;
      // Your services know their customer by their own id: `?external_id=` finds its identity (at most one).
      const found = await as(
        request,
        (keys, userId) =>
          external_id === undefined
            ? keys.listIdentities(userId, { after, limit: limit + 1 })
            : keys.findIdentityByExternalId(userId, external_id).then((i) => (i ? [i] : [])),
        "query",
      );
      return toPage(found.map(identityToJson), limit, (i) => ({ external_id: i.external_id }));
    },
  );

  app.get(
    "/identities/:id",
    {
      preHandler: guards,
      schema: { tags, summary: "Get an identity", params: idParams, response: { 200: identitySchema } },
    },
    async (request) => identityToJson(await as(request, (keys, userId) => keys.getIdentity(request.params.id, userId))),
  );

  app.patch(
    "/identities/:id",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "Change an identity's meta, limits or credits",
        params: idParams,
        body: updateIdentityBody,
        response: { 200: identitySchema },
      },
    },
    async (request) =>
      identityToJson(await as(request, (keys, userId) => keys.updateIdentity(request.params.id, userId, request.body))),
  );

  app.delete(
    "/identities/:id",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "Delete an identity (its keys stay, on their own limits)",
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await as(request, (keys, userId) => keys.deleteIdentity(request.params.id, userId));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/identities/:id/credits",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "Set, increment or decrement an identity's shared credits",
        params: idParams,
        body: creditsBody,
        response: { 200: creditsSchema },
      },
    },
    async (request) => ({
      remaining: await as(request, (keys, userId) =>
        keys.changeIdentityCredits(request.params.id, userId, request.body),
      ),
    }),
  );

  app.get(
    "/identities/:id/stats",
    {
      preHandler: guards,
      schema: {
        tags,
        summary: "Usage of an identity: its keys' hourly series summed, by outcome, and their totals",
        params: idParams,
        querystring: statsQuery,
        response: { 200: identityStatsSchema },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      const range = { from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined };
      // A bad range is the query's fault: its problem names `query.from`, as the key's stats route does.
      const stats = await as(
        request,
        (keys, userId) => keys.getIdentityStats(request.params.id, userId, range),
        "query",
      );
      return identityStatsToJson(stats);
    },
  );
}
