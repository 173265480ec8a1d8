/** GET /v1/webhooks/{id}/stats: hourly delivered and failed attempts with latency percentiles, for dashboards. */
import type { Queryable } from "@vx/db";
import type { WebhookService } from "@vx/webhooks";
import { requirePrincipal, requireScope, withUser, type ZodApp } from "../../route-kit.js";
import { domain } from "./errors.js";
import { idParams, statsQuery, statsSchema } from "./schemas.js";

export async function statsRoutes(app: ZodApp, serviceFor: (tx: Queryable) => WebhookService<Queryable>) {
  app.get(
    "/webhooks/:id/stats",
    {
      preHandler: requireScope("webhooks:read"),
      schema: {
        tags: ["webhooks"],
        summary: "Delivered and failed attempts per hour, with latency percentiles, from the webhook's logs",
        params: idParams,
        querystring: statsQuery,
        response: { 200: statsSchema },
      },
    },
    async (request) => {
      const { since, until } = request.query;
      const range = { since: since ? new Date(since) : undefined, until: until ? new Date(until) : undefined };
      const buckets = await domain(
        () =>
          withUser(request, (tx) =>
            serviceFor(tx).getStats(request.params.id, requirePrincipal(request).userId, range),
          ),
        "query",
      );
      return { data: buckets.map((bucket) => ({ ...bucket, hour: bucket.hour.toISOString() })) };
    },
  );
}
