/** `GET /v1/me`: who the credentials identify, so a user can check a token. */
import { z } from "zod";
import type { ZodApp } from "../context.js";
import { requirePrincipal, requireUser } from "./auth.js";

export const meResponse = z
  .object({
    user_id: z.uuid(),
    role: z.enum(["authenticated", "service_role"]),
    auth: z.enum(["jwt", "api_key"]),
    key_id: z.string().optional(),
    scopes: z.array(z.string()).optional(),
  })
  .meta({ id: "Me" });

export async function meRoutes(app: ZodApp): Promise<void> {
  app.get(
    "/me",
    {
      preHandler: requireUser,
      schema: {
        tags: ["auth"],
        summary: "The caller's identity",
        response: { 200: meResponse },
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      return {
        user_id: principal.userId,
        role: principal.role,
        auth: principal.auth,
        ...(principal.keyId ? { key_id: principal.keyId } : {}),
        ...(principal.scopes ? { scopes: principal.scopes } : {}),
      };
    },
  );
}
