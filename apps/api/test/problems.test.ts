// Every failure is RFC 9457 problem+json with a stable code; bad requests are 4xx, and 5xx never leak internals.
import { connect } from "node:net";
import { describeDatabases } from "@vx/db/testing";
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_JSON_DEPTH } from "../src/http/nul-guard.js";
import { ErrorRegistry, PROBLEM_LIMITS } from "../src/http/problems.js";
import type { RoutePlugin } from "../src/route-kit.js";
import { ApiError, decodeCursor, problemSchema } from "../src/route-kit.js";
import { createTestApp, type TestApp } from "../src/testing.js";

class WidgetError extends Error {
  constructor(
    readonly code: "widget_missing" | "widget_loop",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
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
  app.post("/widgets/many", { schema: { body: z.record(z.string(), z.number()) } }, async () => ({}));
  app.post("/widgets/anything", { schema: { body: z.unknown() } }, async (request) => ({
    depth: JSON.stringify(request.body).length,
  }));
  // A database refusal nobody mapped: the SQLSTATE of the query string, with Postgres-looking text to leak.
  app.get("/widgets/sql/:state", async (request) => {
    const { state } = request.params as { state: string };
    await ctx.db.query(
      `DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '${state.replace(/[^0-9A-Z]/g, "")}', ` +
        `MESSAGE = 'new row for relation "secret_table" violates check constraint "secret_check"'; END $$`,
    );
  });
  app.get("/widgets/sql-wrapped", async () => {
    const driver = await ctx.db.query("SELECT 'not a number'::int").catch((error: unknown) => error as Error);
    throw new WidgetError("widget_loop", (driver as Error).message, { cause: driver });
  });
  // As the webhook routes wrap an adapter's invalid_input: the driver's text in detail and in errors[].
  app.get("/widgets/sql-field", async () => {
    const driver = await ctx.db
      .query("SELECT repeat('x', 300)::varchar(3)::int")
      .catch((error: unknown) => error as Error);
    const domainError = new WidgetError("widget_loop", (driver as Error).message, { cause: driver });
    throw new ApiError("validation_failed", domainError.message, {
      cause: domainError,
      errors: [{ field: "body.name", message: domainError.message }],
    });
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

describe("problems stay small whatever the request", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ routes: [widgetRoutes], config: { bodyLimit: 256 * 1024 } });
  });
  afterAll(() => t.close());

  const post = (url: string, payload: string) =>
    t.app.inject({ method: "POST", url, headers: { "content-type": "application/json" }, payload });

  it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels with a 400 naming the field and the limit`, async () => {
    const nest = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
    expect((await post("/v1/widgets/anything", nest(MAX_JSON_DEPTH))).statusCode).toBe(200);
    for (const depth of [MAX_JSON_DEPTH + 1, 5_000, 100_000]) {
      const res = await post("/v1/widgets/anything", `{"a":{"b":${nest(depth - 2)}}}`);
      expect(res.statusCode, res.body.slice(0, 200)).toBe(400);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        code: "validation_failed",
        errors: [
          {
            field: expect.stringMatching(/^body\.a\.b(\.0)*$/),
            message: `must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep`,
          },
        ],
      });
      expect(res.body.length).toBeLessThan(2_000);
    }
  });

  it(`lists at most ${PROBLEM_LIMITS.errors} field errors, says how many were left out, and clips long field paths`, async () => {
    const longKey = "k".repeat(3_000);
    const fields = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`${longKey}${i}`, "not a number"]));
    const res = await post("/v1/widgets/many", JSON.stringify(fields));
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.errors).toHaveLength(PROBLEM_LIMITS.errors);
    expect(body.errors_omitted).toBe(60 - PROBLEM_LIMITS.errors);
    for (const error of body.errors) expect(error.field.length).toBeLessThanOrEqual(PROBLEM_LIMITS.field);
    expect(body.detail.length).toBeLessThanOrEqual(PROBLEM_LIMITS.detail);
    expect(res.body.length).toBeLessThan(20_000);
    problemSchema.strict().parse(body);
  });

  it("clips a long path in `instance` and `detail`", async () => {
    const res = await t.app.inject({ url: `/v1/${"x".repeat(10_000)}` });
    expect(res.statusCode).toBe(404);
    expect(res.json().instance.length).toBeLessThanOrEqual(PROBLEM_LIMITS.instance);
    expect(res.json().detail.length).toBeLessThanOrEqual(PROBLEM_LIMITS.detail);
  });
});

describe("errors of the HTTP parser, before any route", () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterAll(() => t.close());

  /** Sends raw bytes and reads until the server closes: a complete HTTP/1.1 response is expected. */
  function raw(bytes: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let text = "";
      socket.setEncoding("latin1");
      socket.on("data", (chunk) => {
        text += chunk;
      });
      socket.on("end", () => resolve(text));
      socket.on("error", (error) => (text ? resolve(text) : reject(error)));
      socket.end(bytes, "latin1");
    });
  }

  it.each([
    ["a malformed request line", "GET\u0000/ HTTP/1.1\r\n\r\n", 400, "bad_request"],
    ["not HTTP at all", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400, "bad_request"],
    [
      "conflicting Content-Length and Transfer-Encoding",
      "POST /v1/events HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
      400,
      "bad_request",
    ],
    [
      "two Content-Lengths",
      "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab",
      400,
      "bad_request",
    ],
    [
      "headers over 16 KiB",
      `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`,
      431,
      "header_too_large",
    ],
  ])("answers %s with a complete problem+json response", async (_name, bytes, status, code) => {
    const response = await raw(bytes);
    const [head = "", body = ""] = response.split("\r\n\r\n");
    expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(head.toLowerCase()).toContain("content-type: application/problem+json");
    expect(JSON.parse(body)).toMatchObject({ status, code, type: `urn:vx:problem:${code}` });
  });
});

describeDatabases("database refusals nobody mapped", ({ db }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ db: db(), routes: [widgetRoutes] });
  });
  afterAll(() => t.app.close());

  it.each([
    ["23514", "a value breaks one of the rules for this resource"],
    ["23502", "a required value is missing"],
    ["22001", "a value is longer than allowed"],
    ["22P02", "a value is not in the expected format"],
    ["22003", "a number is out of range"],
    ["22023", "a value is not one the database can store"],
  ])("answers SQLSTATE %s with a 400 in our words, never Postgres's text", async (state, reason) => {
    const res = await t.app.inject({ url: `/v1/widgets/sql/${state}` });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      code: "bad_request",
      detail: `The request was refused: ${reason} (SQLSTATE ${state}).`,
    });
    expect(res.body).not.toMatch(/secret_table|secret_check|violates/);
  });

  it("keeps other database errors a generic 500", async () => {
    const res = await t.app.inject({ url: "/v1/widgets/sql/42P01" });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/secret_table/);
  });

  it("replaces Postgres's text in a mapped error's detail with our words", async () => {
    const res = await t.app.inject({ url: "/v1/widgets/sql-wrapped" });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toBe("The request was refused: a value is not in the expected format.");
    expect(res.body).not.toMatch(/invalid input syntax|not a number/);
  });

  it("replaces Postgres's text in field errors too, keeping the field", async () => {
    const res = await t.app.inject({ url: "/v1/widgets/sql-field" });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: "validation_failed",
      detail: "The request was refused: a value is not in the expected format.",
      errors: [{ field: "body.name", message: "The request was refused: a value is not in the expected format." }],
    });
    expect(res.body).not.toMatch(/invalid input syntax|xxx/);
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
