/**
 * /v1/ivr/sessions: drive a call through a user's menus over plain HTTP. Sessions are system data (users may
 * only read theirs), so steps run on the connection role, scoped to the caller in the service, and cost two
 * statements each with no transaction held.
 */

import { PgIvrSessionRepository } from "@vx/db";
import { IvrError, type IvrService } from "@vx/ivr";
import type { FastifyRequest } from "fastify";
import { requirePrincipal, withUser, type ZodApp } from "../../route-kit.js";
import type { IvrStepCounter } from "./metrics.js";
import { inputBody, sessionParams, sessionSchema, sessionToJson, startSessionBody, turnSchema } from "./schemas.js";

const tags = ["ivr"];

export async function sessionRoutes(app: ZodApp, service: IvrService, steps: IvrStepCounter): Promise<void> {
  const scope = (request: FastifyRequest) => ({ userId: requirePrincipal(request).userId });

  app.post(
    "/ivr/sessions",
    {
      preHandler: app.requireUser,
      schema: {
        tags,
        summary: "Start a session for a call at one of your menus",
        description: "Returns the session and the first actions: say the menu's prompt, then gather keys.",
        body: startSessionBody,
        response: { 201: turnSchema },
      },
    },
    async (request, reply) => {
      const turn = await steps.count("start", () =>
        service.startSession(request.body.session_id, request.body.menu_id, scope(request)),
      );
      reply.code(201);
      return { session: sessionToJson(turn.session), actions: turn.actions };
    },
  );

  app.post(
    "/ivr/sessions/:session_id/input",
    {
      preHandler: app.requireUser,
      schema: {
        tags,
        summary: 'Keys the caller pressed (one entry, e.g. "1" or "101#"; empty is no input)',
        params: sessionParams,
        body: inputBody,
        response: { 200: turnSchema },
      },
    },
    async (request) => {
      const { digits, partial } = request.body;
      const turn = await steps.count("digits", () =>
        service.processMenuInput(request.params.session_id, digits, { ...scope(request), partial }),
      );
      return { session: sessionToJson(turn.session), actions: turn.actions };
    },
  );

  const events = {
    back: { summary: "Go back one menu (at the top, repeat the prompt)", run: service.goBack.bind(service) },
    timeout: { summary: "The caller's gather ran out (no input)", run: service.handleTimeout.bind(service) },
    end: { summary: "The caller hung up (ending twice changes nothing)", run: service.endSession.bind(service) },
  } as const;
  for (const [event, { summary, run }] of Object.entries(events)) {
    app.post(
      `/ivr/sessions/:session_id/${event}`,
      { preHandler: app.requireUser, schema: { tags, summary, params: sessionParams, response: { 200: turnSchema } } },
      async (request) => {
        const turn = await steps.count(event, () => run(request.params.session_id, scope(request)));
        return { session: sessionToJson(turn.session), actions: turn.actions };
      },
    );
  }

  app.get(
    "/ivr/sessions/:session_id",
    {
      preHandler: app.requireUser,
      schema: { tags, summary: "Get one of your sessions", params: sessionParams, response: { 200: sessionSchema } },
    },
    async (request) => {
      // Read through RLS: users may see only their own sessions.
      const session = await withUser(request, (tx) =>
        new PgIvrSessionRepository(tx).getIVRSession(request.params.session_id),
      );
      if (!session) throw IvrError.sessionNotFound();
      return sessionToJson(session);
    },
  );
}
