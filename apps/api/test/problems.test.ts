// Every failure is RFC 9457 problem+json with a stable code; bad requests are 4xx, and 5xx never leak internals.
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ErrorRegistry } from "../src/http/problems.js";
import type { RoutePlugin } from "../src/route-kit.js";
import { ApiError, decodeCursor, problemSchema } from "../src/route-kit.js";
import { createTestApp, type TestApp } from "../src/testing.js";

class WidgetError extends Error {
  constructor(
    readonly code: "widget_missing" | "widget_loop",
    message: string,
  ) {
    super(message);
  }
}

const widgetRoutes: RoutePlugin = async (app, ctx) => {
  ctx.errors.register({
    widget_missing: { status: 404, title: "Widget not found" },
    widget_loop: { status: 422 },
    widget_gone: { status: 410 },
  });
  app.post(
    "/widgets/:id",
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        querystring: z.object({ dry_run: z.enum(["true", "false"]).optional() }),
        body: z.object({ name: z.string().min(1), size: z.number().int().positive() }),
        response: { 200: z.object({ id: z.string(), name: z.string() }) },
      },
    },
    async (request) => ({ id: request.params.id, name: request.body.name }),
  );
  app.get("/widgets/missing", async () => {
    throw new WidgetError("widget_missing", "No widget with that id");
  });
  app.get("/widgets/loop", async () => {
    throw new WidgetError("widget_loop", "Menu 2 leads back to itself");
  });
  app.get("/widgets/crash", async () => {
    throw new Error('relation "secret_table" does not exist: SELECT * FROM secret_table WHERE password = $1');
  });
  app.get("/widgets/unmapped", async () => {
    throw new WidgetError("widget_unregistered" as "widget_loop", "leaky detail");
  });
  app.get("/widgets/gone", async () => {
    throw new ApiError<"widget_gone">("widget_gone", "This widget was melted down", {
      errors: [{ field: "params.id", message: "melted" }],
    });
  });
  app.get("/widgets/unregistered-api-error", async () => {
    throw new ApiError<"widget_unknown_code">("widget_unknown_code", "must not be shown");
  });
  app.get("/widgets/cursor", async (request) => decodeCursor(String((request.query as { c?: string }).c)));
  app.get("/widgets/bad-response", { schema: { response: { 200: z.object({ n: z.number() }) } } }, async () => ({
    n: "not a number" as unknown as number,
  }));
};

const WIDGET = "/v1/widgets/3f1c2b1d-9e10-4b7a-9c55-8e3c1a520d1e";

describe("problem+json errors", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ routes: [widgetRoutes], config: { bodyLimit: 2048 } });
  });
  afterAll(() => t.close());

  async function problem(options: InjectOptions) {
    const res = await t.app.inject(options);
    expect(res.headers["content-type"]).toBe("application/problem+json; charset=utf-8");
    const body = problemSchema.strict().parse(res.json());
    expect(body.status).toBe(res.statusCode);
    expect(body.type).toBe(`urn:vx:problem:${body.code}`);
    return body;
  }

  it("lists every invalid field and why", async () => {
    const body = await problem({
      method: "POST",
      url: `${WIDGET}?dry_run=maybe`,
      payload: { name: "", size: -1 },
    });
    expect(body).toMatchObject({ status: 400, code: "validation_failed" });
    const fields = body.errors!.map((e) => e.field).sort();
    expect(fields).toEqual(["body.name", "body.size"]);
    expect(body.errors!.every((e) => e.message.length > 0)).toBe(true);
  });

  it("refuses a bad query value with the query field named", async () => {
    const body = await problem({ method: "POST", url: `${WIDGET}?dry_run=maybe`, payload: { name: "w", size: 1 } });
    expect(body.errors).toEqual([{ field: "querystring.dry_run", message: expect.any(String) }]);
  });

  it("answers a bad UUID in the path with 400, not a database error", async () => {
    const body = await problem({ method: "POST", url: "/v1/widgets/not-a-uuid", payload: { name: "w", size: 1 } });
    expect(body).toMatchObject({ status: 400, code: "validation_failed", errors: [{ field: "params.id" }] });
  });

  it("answers malformed JSON with 400 invalid_json", async () => {
    const body = await problem({
      method: "POST",
      url: WIDGET,
      headers: { "content-type": "application/json" },
      payload: '{"name": "w",',
    });
    expect(body).toMatchObject({ status: 400, code: "invalid_json" });
  });

  it("answers an empty JSON body with 400", async () => {
    const body = await problem({
      method: "POST",
      url: WIDGET,
      headers: { "content-type": "application/json" },
      payload: "",
    });
    expect(body.status).toBe(400);
  });

  it("answers a content type it does not read with 415", async () => {
    const body = await problem({
      method: "POST",
      url: WIDGET,
      headers: { "content-type": "text/csv" },
      payload: "a,b",
    });
    expect(body).toMatchObject({ status: 415, code: "unsupported_media_type" });
  });

  it("answers an oversized body with 413", async () => {
    const body = await problem({ method: "POST", url: WIDGET, payload: { name: "x".repeat(4096), size: 1 } });
    expect(body).toMatchObject({ status: 413, code: "payload_too_large" });
  });

  it("answers unknown routes with 404 naming the route", async () => {
    const body = await problem({ method: "DELETE", url: "/v1/nothing-here?x=1" });
    expect(body).toMatchObject({
      status: 404,
      code: "not_found",
      detail: "No route DELETE /v1/nothing-here",
      instance: "/v1/nothing-here",
    });
  });

  it("maps registered domain codes to their status and title", async () => {
    expect(await problem({ url: "/v1/widgets/missing" })).toMatchObject({
      status: 404,
      code: "widget_missing",
      title: "Widget not found",
      detail: "No widget with that id",
    });
    expect(await problem({ url: "/v1/widgets/loop" })).toMatchObject({ status: 422, code: "widget_loop" });
    expect(await problem({ url: "/v1/widgets/gone" })).toMatchObject({
      status: 410,
      code: "widget_gone",
      title: "Gone",
      detail: "This widget was melted down",
      errors: [{ field: "params.id", message: "melted" }],
    });
  });

  it("answers unexpected errors with a generic 500 that leaks no SQL or stack", async () => {
    const urls = [
      "/v1/widgets/crash",
      "/v1/widgets/unmapped",
      "/v1/widgets/unregistered-api-error",
      "/v1/widgets/bad-response",
    ];
    for (const url of urls) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(500);
      expect(res.body).not.toMatch(
        /secret_table|password|leaky|must not be shown|widget_unknown_code|at .*\.ts|not a number/,
      );
      const body = await problem({ url });
      expect(body).toMatchObject({ code: "internal", title: "Internal server error" });
      expect(body.detail).toContain(body.request_id);
    }
  });

  it("answers a tampered pagination cursor with 400 invalid_cursor", async () => {
    for (const c of ["%%%", Buffer.from('{"id":"x"}').toString("base64url"), "bm90IGpzb24"]) {
      expect(await problem({ url: `/v1/widgets/cursor?c=${encodeURIComponent(c)}` })).toMatchObject({
        status: 400,
        code: "invalid_cursor",
      });
    }
  });

  it("echoes the request id of the problem in x-request-id", async () => {
    const res = await t.app.inject({ url: "/v1/widgets/missing", headers: { "x-request-id": "trace-123" } });
    expect(res.headers["x-request-id"]).toBe("trace-123");
    expect(res.json().request_id).toBe("trace-123");
  });
});

describe("ErrorRegistry", () => {
  it("refuses to map one code to two statuses, and accepts the same mapping twice", () => {
    const registry = new ErrorRegistry();
    registry.register({ gone: { status: 404 } });
    registry.register({ gone: { status: 404, title: "Gone" } });
    expect(registry.lookup("gone")).toEqual({ status: 404, title: "Gone" });
    expect(() => registry.register({ gone: { status: 410 } })).toThrow(/already mapped to 404/);
    expect(() => registry.register({ unauthorized: { status: 400 } })).toThrow(/already mapped to 401/);
  });

  it("refuses statuses that are not errors", () => {
    expect(() => new ErrorRegistry().register({ fine: { status: 200 } })).toThrow(/400-599/);
  });
});
