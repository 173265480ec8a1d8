/**
 * The standalone rate limiter over HTTP: POST /v1/ratelimits/limit (any user token, or an API key with
 * `ratelimits:write`) and per-identifier overrides under /v1/ratelimits/overrides. Namespaces belong to the caller.
 * Registered by the app under /v1.
 */
import { RateLimiter, type RateLimitOverride } from "@vx/api-keys";
import { PgRateLimitRepository } from "@vx/db";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import {
  ApiError,
  type AppContext,
  decodeCursor,
  page,
  requirePrincipal,
  requireUser,
  toPage,
  withUser,
  type ZodApp,
} from "../../route-kit.js";
import { domain } from "../api-keys/errors.js";
import { RATELIMIT_PROBLEMS, type RateLimitProblemCode } from "./errors.js";
import {
  limitBody,
  limitResultSchema,
  overrideBody,
  overrideCursor,
  overrideKey,
  overrideSchema,
  overridesQuery,
} from "./schemas.js";

const tags = ["ratelimits"];
const config = { apiKeyScopes: ["ratelimits:write"] };

export default async function routes(app: ZodApp, ctx: AppContext): Promise<void> {
  ctx.errors.register(RATELIMIT_PROBLEMS);
  // One process-wide limiter on the connection role, so concurrent calls share statements; the owner is the caller.
  const limiter = new RateLimiter({ repository: new PgRateLimitRepository(ctx.db), now: ctx.now });
  const overrides = <T>(request: FastifyRequest, work: (repo: PgRateLimitRepository, userId: string) => Promise<T>) =>
    withUser(request, (tx) => work(new PgRateLimitRepository(tx), requirePrincipal(request).userId));

  app.post(
    "/ratelimits/limit",
    {
      preHandler: requireUser,
      config,
      schema: {
        tags,
        summary: "Count a call against (namespace, identifier) if its GCRA limit allows it; always 200 with success",
        body: limitBody,
        response: { 200: limitResultSchema },
      },
    },
    async (request) => {
      const { namespace, identifier, ...options } = request.body;
      const owner = requirePrincipal(request).userId;
      const { retryAt, ...result } = await domain(() => limiter.limit(namespace, identifier, { ...options, owner }));
      return { ...result, ...(retryAt === undefined ? {} : { retry_at: retryAt }) };
    },
  );

  app.put(
    "/ratelimits/overrides",
    {
      preHandler: requireUser,
      config,
      schema: {
        tags,
        summary: "Set the limit and window of one identifier, whatever callers pass",
        body: overrideBody,
        response: { 200: overrideSchema },
      },
    },
    async (request) =>
      toJson(await overrides(request, (repo, userId) => repo.setOverride({ ...request.body, user_id: userId }))),
  );

  app.get(
    "/ratelimits/overrides",
    {
      preHandler: requireUser,
      config,
      schema: {
        tags,
        summary: "Your overrides in (namespace, identifier) order",
        querystring: overridesQuery,
        response: { 200: page(overrideSchema) },
      },
    },
    async (request) => {
      const { namespace, limit, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor, overrideCursor);
      const rows = await overrides(request, (repo, userId) =>
        repo.listOverrides(userId, { namespace, after, limit: limit + 1 }),
      );
      return toPage(rows.map(toJson), limit, ({ namespace, identifier }) => ({ namespace, identifier }));
    },
  );

  app.delete(
    "/ratelimits/overrides",
    {
      preHandler: requireUser,
      config,
      schema: {
        tags,
        summary: "Remove an override (204, or 404 when there was none)",
        querystring: overrideKey,
        response: { 204: z.null().describe("Removed") },
      },
    },
    async (request, reply) => {
      const { namespace, identifier } = request.query;
      const deleted = await overrides(request, (repo, userId) => repo.deleteOverride(userId, namespace, identifier));
      // A miss is a problem like every other refusal: an empty 404 would carry no problem+json and no code.
      if (!deleted) {
        throw new ApiError<RateLimitProblemCode>(
          "ratelimit_override_not_found",
          "No override for this namespace and identifier",
        );
      }
      return reply.code(204).send(null);
    },
  );
}

function toJson({ user_id: _owner, ...override }: RateLimitOverride) {
  return override;
}
