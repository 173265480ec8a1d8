// Operations: liveness, readiness, metrics, request ids, security headers, CORS and the per-IP limit on anonymous and failed-auth requests.
import { Database } from "@vx/db";
import { createPgliteTestDatabase, type TestDatabase } from "@vx/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../src/testing.js";

const USER = "0be50000-0000-4000-8000-000000000003";

// One database for the apps of this file: each app differs only in configuration.
let shared: TestDatabase;
beforeAll(async () => {
  shared = await createPgliteTestDatabase();
});
afterAll(() => shared.drop());

describe("health, readiness and metrics", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ db: shared.db });
  });
  afterAll(() => t.close());

  it("answers /health with ok", async () => {
    const res = await t.app.inject({ url: "/health" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: "ok", version: expect.any(String) });
  });

  it("answers /ready when the database answers and migrations are current", async () => {
    const res = await t.app.inject({ url: "/ready" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: "ready",
      checks: { database: { ok: true, kind: "pglite" }, migrations: { ok: true, pending: [] } },
    });
  });

  it("counts requests per route pattern, never per raw URL", async () => {
    await t.app.inject({ url: "/health" });
    await t.app.inject({ url: "/v1/me" });
    await t.app.inject({ url: "/no/such/route/123" });
    const res = await t.app.inject({ url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/health",status_code="200"\} \d+/);
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/v1\/me",status_code="401"\} 1/);
    expect(res.body).toMatch(/route="unmatched",status_code="404"/);
    expect(res.body).not.toContain("/no/such/route");
    expect(res.body).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/health"/);
  });

  it("reports database statement durations per operation, never per query text", async () => {
    await t.app.inject({ url: "/ready" });
    const body = (await t.app.inject({ url: "/metrics" })).body;
    expect(body).toMatch(
      /vx_db_query_duration_seconds_count\{operation="select",outcome="ok",target="primary"\} [1-9]/,
    );
    expect(body).not.toMatch(/operation="[^"]*\$1/);
  });

  it("serves domain counters registered on ctx.metrics.registry", async () => {
    const { Counter } = await import("prom-client");
    const counter = new Counter({ name: "vx_test_things_total", help: "things", registers: [t.ctx.metrics.registry] });
    counter.inc(3);
    expect((await t.app.inject({ url: "/metrics" })).body).toContain("vx_test_things_total 3");
  });

  it("gives every response an x-request-id, keeping a safe incoming one", async () => {
    const generated = await t.app.inject({ url: "/health" });
    expect(generated.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await t.app.inject({ url: "/health", headers: { "x-request-id": "abc-123" } });
    expect(kept.headers["x-request-id"]).toBe("abc-123");
    const unsafe = await t.app.inject({ url: "/health", headers: { "x-request-id": "bad id\u0000<script>" } });
    expect(unsafe.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends security headers", async () => {
    const res = await t.app.inject({ url: "/health" });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(res.headers["strict-transport-security"]).toBeDefined();
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
  });

  it("sends no CORS headers unless origins are configured", async () => {
    const res = await t.app.inject({ url: "/health", headers: { origin: "https://evil.example" } });
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("readiness without a database", () => {
  it("answers /ready with 503 problem+json when the database is unreachable, while /health stays up", async () => {
    // Nothing listens on port 1: every connection is refused at once.
    const unreachable = new Database({ kind: "postgres", url: "postgresql://postgres@127.0.0.1:1/none" });
    const t = await createTestApp({ db: unreachable });
    const res = await t.app.inject({ url: "/ready" });
    expect(res.statusCode).toBe(503);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      code: "service_unavailable",
      detail: "The database is unreachable",
      checks: { database: { ok: false, kind: "postgres" }, migrations: { ok: false } },
    });
    expect((await t.app.inject({ url: "/health" })).statusCode).toBe(200);
    await t.app.close();
    await unreachable.close();
  });
});

describe("CORS", () => {
  it("allows only the configured origins", async () => {
    const t = await createTestApp({ db: shared.db, config: { corsOrigins: ["https://app.example.com"] } });
    const allowed = await t.app.inject({
      method: "OPTIONS",
      url: "/v1/me",
      headers: { origin: "https://app.example.com", "access-control-request-method": "GET" },
    });
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    const other = await t.app.inject({ url: "/health", headers: { origin: "https://evil.example" } });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    await t.close();
  });
});

describe("per-IP rate limit on anonymous and failed-auth requests", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ db: shared.db, config: { rateLimit: { max: 3, windowMs: 60_000 } } });
  });
  afterAll(() => t.close());

  it("answers 429 with Retry-After once an address spends its budget on bad tokens and anonymous calls", async () => {
    const from = { remoteAddress: "10.0.0.1" };
    const statuses = [];
    for (const authorization of ["Bearer bad.token.one", undefined, "Bearer bad.token.two", "Bearer bad.token.three"]) {
      const res = await t.app.inject({ url: "/v1/me", ...from, headers: authorization ? { authorization } : {} });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(res.json()).toMatchObject({ code: "rate_limited", status: 429 });
        expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it("does not count authenticated requests, nor limit other addresses", async () => {
    const from = { remoteAddress: "10.0.0.2" };
    const headers = await t.authHeaders(USER);
    for (let i = 0; i < 6; i++) {
      expect((await t.app.inject({ url: "/v1/me", ...from, headers })).statusCode).toBe(200);
    }
    expect((await t.app.inject({ url: "/v1/me", ...from })).statusCode).toBe(401);
  });

  it("counts requests to unknown routes, and never limits health probes", async () => {
    const from = { remoteAddress: "10.0.0.3" };
    const unknown = [];
    for (let i = 0; i < 4; i++) unknown.push((await t.app.inject({ url: `/guess/${i}`, ...from })).statusCode);
    expect(unknown).toEqual([404, 404, 404, 429]);
    expect((await t.app.inject({ url: "/health", ...from })).statusCode).toBe(200);
    expect((await t.app.inject({ url: "/ready", ...from })).statusCode).toBe(200);
  });
});
