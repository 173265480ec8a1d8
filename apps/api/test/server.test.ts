// A real listening server: start-up on embedded PGlite with zero config, and a graceful shutdown that loses no request.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPgliteTestDatabase } from "@vx/db/testing";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import type { RoutePlugin } from "../src/route-kit.js";
import { createShutdown, serve } from "../src/serve.js";
import { testConfig } from "../src/testing.js";
import { signToken } from "../src/token.js";

const USER = "5e7e0000-0000-4000-8000-000000000005";

describe("vx serve", () => {
  it("starts on embedded PGlite, prints the docs URL, answers over HTTP and closes the database on shutdown", async () => {
    const lines: string[] = [];
    const config = loadConfig({ VX_DATA_DIR: "memory", PORT: "0", LOG_LEVEL: "silent", VX_WORKERS: "off" });
    const server = await serve(config, { print: (line) => lines.push(line) });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines).toContain(`API reference: ${server.url}/docs`);
      // The console's URL once it is built (pnpm start builds it), else how to build it.
      expect(lines.join("\n")).toMatch(
        new RegExp(`^Console: (${server.url}/console/|not built yet; run \`pnpm --filter @vx/console build\`)`, "m"),
      );
      expect(lines.join("\n")).toMatch(/development JWT secret/);
      expect(server.db.kind).toBe("pglite");

      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      expect(health.headers.get("x-request-id")).toBeTruthy();
      const ready = await fetch(`${server.url}/ready`);
      expect(await ready.json()).toMatchObject({ status: "ready" });

      // The generated development secret is what the server verifies with.
      const token = await signToken({ userId: USER, secret: server.app.appContext.config.jwtSecret! });
      const me = await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(await me.json()).toEqual({ user_id: USER, role: "authenticated", auth: "jwt" });
    } finally {
      await server.shutdown();
    }
    await expect(server.db.query("SELECT 1")).rejects.toThrow();
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it("says it is creating the embedded database only in the start that holds the new folder", async () => {
    // Two starts racing for one new folder (here in one process; across two processes the lock refuses the same way).
    // Both used to see no folder and print the line; the loser must print nothing but fail with its refusal.
    const dir = await mkdtemp(join(tmpdir(), "vx-serve-race-"));
    const config = loadConfig({ VX_DATA_DIR: join(dir, "data"), PORT: "0", LOG_LEVEL: "silent", VX_WORKERS: "off" });
    const printed: string[][] = [[], []];
    const starts = await Promise.allSettled(printed.map((lines) => serve(config, { print: (l) => lines.push(l) })));
    try {
      const winner = starts.findIndex((start) => start.status === "fulfilled");
      const loser = starts[1 - winner] as PromiseRejectedResult;
      expect(loser.status).toBe("rejected");
      expect((loser.reason as Error).message).toMatch(/^the data folder .* is already open in this process/);
      const creating = printed.map((lines) => lines.filter((l) => l.startsWith("creating the embedded database")));
      expect(creating[winner]).toHaveLength(1);
      expect(creating[1 - winner]).toEqual([]);
    } finally {
      for (const start of starts) if (start.status === "fulfilled") await start.value.shutdown();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("graceful shutdown", () => {
  it("finishes in-flight requests, then stops workers, then closes the database", async () => {
    const testDb = await createPgliteTestDatabase();
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowRoutes: RoutePlugin = async (app, ctx) => {
      app.get("/slow", async () => {
        entered();
        await released;
        // The database is still open while the request finishes.
        const { rows } = await ctx.db.query<{ n: number }>("SELECT 1 AS n");
        return { n: rows[0]!.n };
      });
    };
    const order: string[] = [];
    const app = await buildApp({
      db: testDb.db,
      config: testConfig({ port: 0 }),
      routes: [slowRoutes],
      defaultMetrics: false,
    });
    app.addHook("onClose", async () => {
      order.push("http closed");
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    const db = testDb.db;
    const closeDb = db.close.bind(db);
    db.close = async () => {
      order.push("db closed");
      await closeDb();
    };
    const shutdown = createShutdown({
      app,
      db,
      log: pino({ level: "silent" }),
      workers: { stop: async () => void order.push("workers stopped") },
    });

    const inFlight = fetch(`${url}/v1/slow`);
    await inside;
    const stopping = shutdown();
    // A second signal waits for the same shutdown rather than starting another.
    expect(shutdown()).toBe(stopping);
    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ n: 1 });
    await stopping;
    expect(order).toEqual(["http closed", "workers stopped", "db closed"]);
  });
});
