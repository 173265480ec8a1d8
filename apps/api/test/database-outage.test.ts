// A database that refuses or never answers: every route is a quick 503 database_unavailable with Retry-After,
// /metrics still answers 200 within its budget, /ready names the failed check and never the driver's message.
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { generateKey } from "@vx/api-keys";
import { Database } from "@vx/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../src/testing.js";

const USER = "0be50000-0000-4000-8000-0000000000d1";

/** Routes of every family, each of which needs the database. */
async function databaseRoutes(t: TestApp) {
  const jwt = await t.authHeaders(USER);
  return [
    { method: "GET" as const, url: "/v1/webhooks", headers: jwt },
    { method: "GET" as const, url: "/v1/api-keys", headers: jwt },
    { method: "GET" as const, url: "/v1/ivr/menus", headers: jwt },
    { method: "GET" as const, url: "/v1/audit-logs", headers: jwt },
    { method: "POST" as const, url: "/v1/events", headers: jwt, payload: { event: "call.started", payload: {} } },
    // Verifying a well-formed API key reads the database.
    { method: "GET" as const, url: "/v1/me", headers: { authorization: `Bearer ${generateKey(randomBytes)}` } },
  ];
}

function expectOutageProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) {
  expect(res.statusCode).toBe(503);
  expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(res.headers["retry-after"]).toMatch(/^\d+$/);
  expect(res.json()).toMatchObject({ status: 503, code: "database_unavailable" });
}

describe("while Postgres refuses connections", () => {
  let t: TestApp;
  let db: Database;
  beforeAll(async () => {
    // Nothing listens on port 1: every connection is refused at once.
    db = new Database({ kind: "postgres", url: "postgresql://postgres:pw@127.0.0.1:1/vx" });
    t = await createTestApp({ db });
  });
  afterAll(async () => {
    await t.app.close();
    await db.close();
  });

  it("answers every database route with a quick 503 database_unavailable and Retry-After", async () => {
    for (const request of await databaseRoutes(t)) {
      const started = performance.now();
      const res = await t.app.inject(request);
      expect({ url: request.url, status: res.statusCode }).toEqual({ url: request.url, status: 503 });
      expectOutageProblem(res);
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });

  it("still serves /metrics with vx_database_up 0 and the HTTP metrics", async () => {
    await t.app.inject({ url: "/health" });
    const res = await t.app.inject({ url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^vx_database_up 0$/m);
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/health",status_code="200"\}/);
  });

  it("tells anonymous /ready callers which check failed, never the driver's message", async () => {
    const res = await t.app.inject({ url: "/ready" });
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toMatch(/^\d+$/);
    expect(res.json()).toMatchObject({ checks: { database: { ok: false } } });
    expect(res.body).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|connect|postgres:/);
  });
});

describe("while Postgres accepts connections and never answers", () => {
  let t: TestApp;
  let db: Database;
  let silent: Server;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    db = new Database({ kind: "postgres", url: `postgresql://postgres@127.0.0.1:${port}/vx` });
    t = await createTestApp({ db });
  });
  afterAll(async () => {
    await t.app.close();
    for (const socket of sockets) socket.destroy();
    await db.close();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("answers a scrape within its time box, with vx_database_up 0", async () => {
    const started = performance.now();
    const res = await t.app.inject({ url: "/metrics" });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^vx_database_up 0$/m);
  });

  it("answers a route with 503 database_unavailable once the pool's connect timeout passes, not the OS's", async () => {
    const started = performance.now();
    const res = await t.app.inject({ method: "GET", url: "/v1/webhooks", headers: await t.authHeaders(USER) });
    expectOutageProblem(res);
    expect(performance.now() - started).toBeLessThan(8_000);
  }, 15_000);
});

// A full disk (seen on embedded PGlite in a small folder: every write failed with 500 internal): Postgres raises
// SQLSTATE 53100 disk_full ("could not extend file … No space left on device") while reads go on. A trigger raises
// the same error here, so the test needs no small file system.
describe("while the database's disk is full", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it("answers writes with 503 database_unavailable and Retry-After, keeps reads and loses nothing", async () => {
    const jwt = await t.authHeaders(USER);
    const create = (name: string) =>
      t.app.inject({ method: "POST", url: "/v1/api-keys", headers: jwt, payload: { name } });
    expect((await create("before")).statusCode).toBe(201);
    await t.db.query(`
      CREATE FUNCTION public.test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'could not extend file "base/5/16413": No space left on device' USING ERRCODE = '53100'; END $$;
      CREATE TRIGGER test_disk_full BEFORE INSERT ON public.api_keys FOR EACH ROW EXECUTE FUNCTION public.test_disk_full();
    `);
    try {
      expectOutageProblem(await create("while full"));
      const listed = await t.app.inject({ method: "GET", url: "/v1/api-keys", headers: jwt });
      expect(listed.statusCode).toBe(200);
      expect(listed.json().data.map((k: { name: string }) => k.name)).toEqual(["before"]);
    } finally {
      await t.db.query("DROP TRIGGER test_disk_full ON public.api_keys; DROP FUNCTION public.test_disk_full()");
    }
    expect((await create("after")).statusCode).toBe(201);
  });
});
