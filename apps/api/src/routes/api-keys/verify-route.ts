/** POST /v1/api-keys/verify: other services check a key (and count it) with a service-role credential. */
import type { ApiKeyService } from "@vx/api-keys";
import type { Counter } from "prom-client";
import { requireServiceRole, type ZodApp } from "../../route-kit.js";
import { domain } from "./errors.js";
import { verifyBody, verifyResultSchema, verifyToJson } from "./schemas.js";

export async function verifyRoute(app: ZodApp, verifier: ApiKeyService, verifications: Counter<"code">): Promise<void> {
  app.post(
    "/api-keys/verify",
    {
      preHandler: requireServiceRole,
      schema: {
        tags: ["api-keys"],
        summary: "Verify an API key for another service (service-role token); always 200 with valid and code",
        body: verifyBody,
        response: { 200: verifyResultSchema },
      },
    },
    async (request) => {
      const { key, scopes, cost, ratelimits } = request.body;
      const result = await domain(() => verifier.verifyApiKey(key, { scopes, cost, ratelimits }));
      verifications.inc({ code: result.code });
      return verifyToJson(result);
    },
  );
}
