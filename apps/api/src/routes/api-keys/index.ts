/**
 * API keys under /v1/api-keys (create, list, get, update, delete, revoke, rotate, stats: user JWT only),
 * POST /v1/api-keys/verify for other services (service-role JWT), and the API-key auth strategy every other
 * /v1 route accepts. Registered by the app under /v1.
 */
import { ApiKeyService } from "@vx/api-keys";
import { PgApiKeyRepository, type Queryable } from "@vx/db";
import { Counter } from "prom-client";
import type { AppContext, ZodApp } from "../../route-kit.js";
import { createApiKeyStrategy } from "./api-key-auth.js";
import { API_KEY_PROBLEMS } from "./errors.js";
import { identityRoutes } from "./identity-routes.js";
import { managementRoutes } from "./management-routes.js";
import { verifyRoute } from "./verify-route.js";

export default async function routes(app: ZodApp, ctx: AppContext): Promise<void> {
  ctx.errors.register(API_KEY_PROBLEMS);
  // One process-wide verifier on the connection role: verification is system work (a key is not yet a user),
  // and sharing it lets concurrent requests share statements.
  const verifier = new ApiKeyService({ repository: new PgApiKeyRepository(ctx.db), now: ctx.now });
  const verifications = new Counter({
    name: "vx_api_key_verifications_total",
    help: "API-key verifications by result code (auth strategy and /v1/api-keys/verify)",
    labelNames: ["code"] as const,
    registers: [ctx.metrics.registry],
  });
  ctx.auth.addStrategy(createApiKeyStrategy({ service: verifier, now: ctx.now, verifications }));

  // User work runs in the caller's RLS transaction, one short-lived service per request.
  const forUser = (tx: Queryable) =>
    new ApiKeyService({ repository: new PgApiKeyRepository(tx), now: ctx.now, batching: false });
  await managementRoutes(app, forUser);
  await identityRoutes(app, forUser);
  await verifyRoute(app, verifier, verifications);
}
