/**
 * Compliance routes: GET /v1/audit-logs (the caller's audit trail), GET /v1/me/export (everything stored about
 * the caller), DELETE /v1/me (erase it), GET|PUT /v1/me/consents. Registered by the app under /v1.
 */
import { AuditService, ConsentService } from "@vx/compliance";
import { createGdprService, PgAuditRepository, PgConsentRepository } from "@vx/db";
import { Counter } from "prom-client";
import { z } from "zod";
import {
  ApiError,
  type AppContext,
  decodeCursor,
  encodeCursor,
  type Guard,
  page,
  paginationQuery,
  requirePrincipal,
  requireScope,
  requireUser,
  withUser,
  type ZodApp,
} from "../../route-kit.js";
import { COMPLIANCE_PROBLEMS, domain } from "./errors.js";
import {
  auditEntrySchema,
  auditEntryToJson,
  consentsBody,
  consentsSchema,
  consentToJson,
  userDataExportSchema,
} from "./schemas.js";

/** Erasing an account is for its owner's own token: a leaked API key must not be able to do it. */
const requireUserToken: Guard = async (request) => {
  if (requirePrincipal(request).auth !== "jwt") {
    throw new ApiError("forbidden", "Erasing your data needs a user token (Supabase JWT), not an API key");
  }
};

/** The scope an API key needs, enforced by the API-key strategy (config) and by the guard (any principal). */
function scoped(scope: string) {
  return { preHandler: requireScope(scope), config: { apiKeyScopes: [scope] } };
}

export default async function routes(app: ZodApp, ctx: AppContext): Promise<void> {
  ctx.errors.register(COMPLIANCE_PROBLEMS);
  const requests = new Counter({
    name: "vx_compliance_requests_total",
    help: "GDPR exports and erasures served",
    labelNames: ["operation"] as const,
    registers: [ctx.metrics.registry],
  });
  const gdpr = createGdprService(ctx.db, { now: ctx.now });
  const userId = (request: Parameters<typeof requirePrincipal>[0]) => requirePrincipal(request).userId;

  app.get(
    "/audit-logs",
    {
      ...scoped("audit_logs:read"),
      schema: {
        tags: ["compliance"],
        summary: "Your audit trail, newest first: changes to your keys, webhooks, menus, consents, exports",
        querystring: paginationQuery,
        response: { 200: page(auditEntrySchema) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const position = cursor ? decodeCursor(cursor) : undefined;
      const after = position && { createdAt: position.created_at, id: position.id };
      const result = await domain(() =>
        withUser(request, (tx) =>
          new AuditService({ repository: new PgAuditRepository(tx), now: ctx.now }).listLogs(userId(request), {
            limit,
            after,
          }),
        ),
      );
      return {
        data: result.entries.map(auditEntryToJson),
        next_cursor: result.next ? encodeCursor({ created_at: result.next.createdAt, id: result.next.id }) : null,
      };
    },
  );

  app.get(
    "/me/export",
    {
      ...scoped("account:read"),
      schema: {
        tags: ["compliance"],
        summary: "Everything stored about you, as one JSON document (GDPR access and portability)",
        response: { 200: userDataExportSchema },
      },
    },
    async (request, reply) => {
      const doc = await gdpr.exportUserData(userId(request));
      requests.inc({ operation: "export" });
      reply
        .header("cache-control", "no-store")
        .header("content-disposition", `attachment; filename="vx-export-${doc.user_id}.json"`);
      return doc;
    },
  );

  app.delete(
    "/me",
    {
      preHandler: [requireUser, requireUserToken],
      schema: {
        tags: ["compliance"],
        summary: "Erase everything stored about you, in one transaction (GDPR erasure); your sign-in account stays",
        response: { 204: z.null().describe("Erased") },
      },
    },
    async (request, reply) => {
      const report = await gdpr.eraseUserData(userId(request));
      requests.inc({ operation: "erasure" });
      request.log.info({ subjectSha256: report.subjectSha256 }, "user data erased");
      reply.code(204);
      return null;
    },
  );

  app.get(
    "/me/consents",
    {
      ...scoped("consents:read"),
      schema: {
        tags: ["compliance"],
        summary: "Your consent records, by purpose",
        response: { 200: consentsSchema },
      },
    },
    async (request) => {
      const consents = await withUser(request, (tx) =>
        new ConsentService({ repository: new PgConsentRepository(tx), now: ctx.now }).getConsents(userId(request)),
      );
      return { data: consents.map(consentToJson) };
    },
  );

  app.put(
    "/me/consents",
    {
      ...scoped("consents:write"),
      schema: {
        tags: ["compliance"],
        summary: "Grant or withdraw consents; returns all of your consent records",
        body: consentsBody,
        response: { 200: consentsSchema },
      },
    },
    async (request) => {
      const consents = await domain(() =>
        withUser(request, (tx) =>
          new ConsentService({ repository: new PgConsentRepository(tx), now: ctx.now }).setConsents(
            userId(request),
            request.body.consents,
          ),
        ),
      );
      return { data: consents.map(consentToJson) };
    },
  );
}
