/** /v1/ivr/menus: a user builds their menus; every query runs through RLS as that user, the graph checked on save. */

import { PgIvrMenuRepository, PgIvrSessionRepository, type Queryable } from "@vx/db";
import { IvrService } from "@vx/ivr";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import {
  type AppContext,
  decodeCursor,
  page,
  paginationQuery,
  requirePrincipal,
  toPage,
  withUser,
  type ZodApp,
} from "../../route-kit.js";
import {
  createMenuBody,
  issueToJson,
  menuParams,
  menuSchema,
  menuToJson,
  savedMenuSchema,
  updateMenuBody,
} from "./schemas.js";

const tags = ["ivr"];

export async function menuRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  const as = <T>(request: FastifyRequest, work: (ivr: IvrService, userId: string) => Promise<T>) =>
    withUser(request, (tx: Queryable) =>
      work(
        new IvrService({ menus: new PgIvrMenuRepository(tx), sessions: new PgIvrSessionRepository(tx), now: ctx.now }),
        requirePrincipal(request).userId,
      ),
    );

  app.post(
    "/ivr/menus",
    {
      preHandler: app.requireUser,
      schema: {
        tags,
        summary: "Create an IVR menu",
        description:
          "Checked with the user's other menus before it is saved: unique DTMF digits, submenus that exist, E.164 " +
          "transfer numbers, no cycle that traps a caller, at most 12 menus deep. Refusals are 422 `invalid_menu` " +
          "naming each menu and item; advice (more than five options, unreachable menus) comes back as `warnings`.",
        body: createMenuBody,
        response: { 201: savedMenuSchema },
      },
    },
    async (request, reply) => {
      const saved = await as(request, (ivr, userId) => ivr.createMenu(userId, request.body));
      reply.code(201);
      return { ...menuToJson(saved.menu), warnings: saved.warnings.map(issueToJson) };
    },
  );

  app.get(
    "/ivr/menus",
    {
      preHandler: app.requireUser,
      schema: {
        tags,
        summary: "List your IVR menus, newest first",
        querystring: paginationQuery,
        response: { 200: page(menuSchema) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const all = (await as(request, (ivr, userId) => ivr.listMenus(userId))).map(menuToJson);
      // A user's menus are few: the keyset runs here over the same values it is encoded from, so none is skipped.
      const rows = all
        .sort((a, b) =>
          a.created_at === b.created_at ? b.id.localeCompare(a.id) : b.created_at.localeCompare(a.created_at),
        )
        .filter(
          (m) => !after || m.created_at < after.created_at || (m.created_at === after.created_at && m.id < after.id),
        )
        .slice(0, limit + 1);
      return toPage(rows, limit, (m) => ({ created_at: m.created_at, id: m.id }));
    },
  );

  app.get(
    "/ivr/menus/:id",
    {
      preHandler: app.requireUser,
      schema: { tags, summary: "Get an IVR menu", params: menuParams, response: { 200: menuSchema } },
    },
    async (request) => menuToJson(await as(request, (ivr, userId) => ivr.getMenu(userId, request.params.id))),
  );

  app.patch(
    "/ivr/menus/:id",
    {
      preHandler: app.requireUser,
      schema: {
        tags,
        summary: "Change an IVR menu (checked as on create)",
        params: menuParams,
        body: updateMenuBody,
        response: { 200: savedMenuSchema },
      },
    },
    async (request) => {
      const saved = await as(request, (ivr, userId) => ivr.updateMenu(userId, request.params.id, request.body));
      return { ...menuToJson(saved.menu), warnings: saved.warnings.map(issueToJson) };
    },
  );

  app.delete(
    "/ivr/menus/:id",
    {
      preHandler: app.requireUser,
      schema: {
        tags,
        summary: "Delete an IVR menu (409 `menu_in_use` while another menu leads to it or is its child)",
        params: menuParams,
        response: { 204: z.null().describe("Deleted") },
      },
    },
    async (request, reply) => {
      await as(request, (ivr, userId) => ivr.deleteMenu(userId, request.params.id));
      reply.code(204);
      return null;
    },
  );
}
