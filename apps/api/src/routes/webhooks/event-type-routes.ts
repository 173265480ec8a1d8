/** /v1/event-types: the event catalog. Everyone signed in reads it; the operator (service role) writes it. */
import type { EventCatalog } from "@vx/webhooks";
import { z } from "zod";
import { requireServiceRole, requireUser, type ZodApp } from "../../route-kit.js";
import { domain } from "./errors.js";
import { eventTypeBody, eventTypeParams, eventTypeSchema, eventTypesQuery, eventTypeUpdateBody } from "./schemas.js";

const tags = ["events"];

export async function eventTypeRoutes(app: ZodApp, catalog: EventCatalog): Promise<void> {
  app.get(
    "/event-types",
    {
      preHandler: requireUser,
      schema: {
        tags,
        summary: "The event types webhooks can subscribe to, by name",
        querystring: eventTypesQuery,
        response: { 200: z.object({ data: z.array(eventTypeSchema) }) },
      },
    },
    async (request) => ({
      data: await catalog.list({ includeArchived: request.query.include_archived === "true", fresh: true }),
    }),
  );

  app.post(
    "/event-types",
    {
      preHandler: requireServiceRole,
      schema: {
        tags,
        summary: "Define an event type, with an optional JSON Schema (draft 2020-12) of its payload (service role)",
        body: eventTypeBody,
        response: { 201: eventTypeSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await domain(() => catalog.define(request.body))),
  );

  app.patch(
    "/event-types/:name",
    {
      preHandler: requireServiceRole,
      schema: {
        tags,
        summary: "Change an event type's description, schema, example, or deprecated or archived state (service role)",
        params: eventTypeParams,
        body: eventTypeUpdateBody,
        response: { 200: eventTypeSchema },
      },
    },
    async (request) => domain(() => catalog.update(request.params.name, request.body)),
  );
}
