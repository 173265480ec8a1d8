// A real Postgres outage under load: the database sits behind a TCP proxy the test cuts (new connections refused,
// open ones reset). While down: 503 database_unavailable with Retry-After, /metrics 200 with vx_database_up 0,
// /ready 503. After: the same process recovers, and every event accepted (202) before, during and after is delivered.
// `vx serve` started while the database is down waits for it, and gives up with one line after its limit.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Database, listenForWebhookMessages, WEBHOOK_CHANNEL } from "@vx/db";
import { createPostgresTestDatabase, type TestDatabase, testPostgresUrl } from "@vx/db/testing";
import { type Receiver, startReceiver } from "@vx/webhooks/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookRoutes, type WebhookSettings } from "../src/routes/webhooks/index.js";
import { createTestApp, TEST_JWT_SECRET, type TestApp } from "../src/testing.js";
import { type BackgroundWorkers, startBackgroundWorkers } from "../src/workers/index.js";
import { type PgProxy, startPgProxy } from "./support/pg-proxy.js";
import { startVx } from "./support/vx-process.js";

const serverUrl = testPostgresUrl();
const LOCAL: WebhookSettings = { allowHttp: true, allowPrivateUrls: true, maxPayloadBytes: 4096, timeoutMs: 2000 };

async function until(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.skipIf(!serverUrl)("a Postgres outage under load", () => {
  let database: TestDatabase;
  let proxy: PgProxy;
  let db: Database;
  let t: TestApp;
  let receiver: Receiver;
  let workers: BackgroundWorkers;

  beforeAll(async () => {
    database = await createPostgresTestDatabase(serverUrl!);
    proxy = await startPgProxy(database.db.url);
    db = new Database({ kind: "postgres", url: proxy.url, poolSize: 8 });
    t = await createTestApp({ db, routes: [createWebhookRoutes(LOCAL)] });
    receiver = await startReceiver();
    // A short lease: a claim that committed just before the cut comes back soon after the recovery.
    workers = await startBackgroundWorkers(t.ctx, {
      webhooks: { pollIntervalMs: 50, leaseMs: 2_000, timeoutMs: 1_000, allowPrivateUrls: true },
    });
  });
  afterAll(async () => {
    await workers?.stop();
    await t?.app.close();
    await db?.close();
    await proxy?.close();
    await receiver?.close();
    await database?.drop();
  });

  it("answers 503s with Retry-After while down, recovers without a restart, and delivers every accepted event", async () => {
    const headers = await t.authHeaders(randomUUID());
    const webhook = await t.app.inject({
      method: "POST",
      url: "/v1/webhooks",
      headers,
      payload: { url: receiver.url, events: ["call.started"] },
    });
    expect(webhook.statusCode).toBe(201);

    const accepted = new Set<number>();
    const unexpected: string[] = [];
    let outageAnswers = 0;
    let slowestOutageMs = 0;
    let seq = 0;
    let running = true;
    const load = async () => {
      while (running) {
        const n = ++seq;
        const started = performance.now();
        const res = await t.app.inject({
          method: "POST",
          url: "/v1/events",
          headers,
          payload: { event: "call.started", payload: { seq: n } },
        });
        if (res.statusCode === 202) {
          accepted.add(n);
          continue;
        }
        const outage = res.statusCode === 503 && res.json().code === "database_unavailable";
        if (!outage || !/^\d+$/.test(String(res.headers["retry-after"]))) {
          unexpected.push(`${res.statusCode} ${res.body}`);
        }
        outageAnswers++;
        slowestOutageMs = Math.max(slowestOutageMs, performance.now() - started);
        await sleep(20);
      }
    };
    const loaders = [load(), load(), load(), load()];

    await until("events accepted before the outage", () => accepted.size >= 20);
    await proxy.cut();
    const cutAtSeq = seq;
    await sleep(300);

    const route = await t.app.inject({ url: "/v1/webhooks", headers });
    expect(route.statusCode).toBe(503);
    expect(route.json()).toMatchObject({ code: "database_unavailable" });
    expect(route.headers["retry-after"]).toMatch(/^\d+$/);
    const scrapeStarted = performance.now();
    const metrics = await t.app.inject({ url: "/metrics" });
    expect(performance.now() - scrapeStarted).toBeLessThan(2_000);
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/^vx_database_up 0$/m);
    expect(metrics.body).toMatch(/http_requests_total\{method="POST",route="\/v1\/events",status_code="503"\}/);
    expect((await t.app.inject({ url: "/ready" })).statusCode).toBe(503);
    await sleep(1_000);

    await proxy.restore();
    const restoredAtSeq = seq;
    const restoredAt = performance.now();
    await until("an event accepted after the recovery", () => [...accepted].some((n) => n > restoredAtSeq));
    const recoveryMs = performance.now() - restoredAt;
    await until("more events after the recovery", () => [...accepted].filter((n) => n > restoredAtSeq).length >= 20);
    running = false;
    await Promise.all(loaders);

    expect(unexpected).toEqual([]);
    expect(outageAnswers).toBeGreaterThan(0);
    expect(slowestOutageMs).toBeLessThan(2_000);
    expect(recoveryMs).toBeLessThan(10_000);
    expect((await t.app.inject({ url: "/ready" })).statusCode).toBe(200);
    expect((await t.app.inject({ url: "/metrics" })).body).toMatch(/^vx_database_up 1$/m);

    const delivered = () =>
      new Set(receiver.requests.map((r) => (JSON.parse(r.body) as { data: { seq: number } }).data.seq));
    await until("every accepted event delivered", () => [...accepted].every((n) => delivered().has(n)), 30_000);
    console.info(
      `[outage] accepted ${accepted.size} (${[...accepted].filter((n) => n <= cutAtSeq).length} before the cut), ` +
        `${outageAnswers} outage answers (slowest ${Math.round(slowestOutageMs)} ms), ` +
        `recovered ${Math.round(recoveryMs)} ms after the restore, delivered ${delivered().size}`,
    );
  }, 90_000);
});

describe.skipIf(!serverUrl)("the webhook wake-up listener across an outage", () => {
  it("listens again once the database is back, however many reconnects failed meanwhile", async () => {
    const database = await createPostgresTestDatabase(serverUrl!);
    const proxy = await startPgProxy(database.db.url);
    let wakeUps = 0;
    const errors: unknown[] = [];
    const listener = await listenForWebhookMessages(proxy.url, () => wakeUps++, {
      retryMs: 100,
      onError: (error) => errors.push(error),
    });
    try {
      await proxy.cut();
      await until("several failed reconnects", () => errors.length >= 3);
      await proxy.restore();
      await until("a notification after the recovery", () => {
        void database.db.query(`NOTIFY ${WEBHOOK_CHANNEL}`);
        return wakeUps > 0;
      });
    } finally {
      await listener.close();
      await proxy.close();
      await database.drop();
    }
  });
});

describe.skipIf(!serverUrl)("vx serve started before Postgres", () => {
  let proxy: PgProxy;
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createPostgresTestDatabase(serverUrl!);
  });
  afterAll(async () => {
    await proxy?.close();
    await database?.drop();
  });

  const env = (url: string, waitMs: string) => ({
    DATABASE_URL: url,
    DATABASE_WAIT_TIMEOUT_MS: waitMs,
    SUPABASE_JWT_SECRET: TEST_JWT_SECRET,
    PORT: "0",
    LOG_LEVEL: "info",
    VX_WORKERS: "off",
  });

  it("waits for it, logging each try, and starts once it answers", async () => {
    proxy = await startPgProxy(database.db.url, { down: true });
    const TRY =
      /waiting for Postgres at 127\.0\.0\.1:\d+\/vx_test_\w+ \(try \d+\): ECONNREFUSED; next try in [\d.]+ s/g;
    let restoring: Promise<void> | undefined;
    // The database comes up once vx has tried twice.
    const onOutput = (output: string) => {
      if (!restoring && (output.match(TRY)?.length ?? 0) >= 2) restoring = proxy.restore();
    };
    const vx = await startVx("serve", env(proxy.url, "60000"), { onOutput });
    try {
      expect(restoring).toBeDefined();
      expect((await fetch(`${vx.url}/ready`)).status).toBe(200);
    } finally {
      const code = await vx.stop();
      expect(code, vx.output()).toBe(0);
      await proxy.close();
    }
  }, 60_000);

  it("gives up after DATABASE_WAIT_TIMEOUT_MS with one line naming host:port, never the password", async () => {
    proxy = await startPgProxy(database.db.url, { down: true });
    const url = new URL(proxy.url);
    url.password = "s3cret-pw";
    const started = performance.now();
    const failed = await startVx("serve", env(url.toString(), "1500")).then(
      async (vx) => {
        await vx.stop();
        throw new Error("vx serve started without a database");
      },
      (error: Error) => error.message,
    );
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(failed).toMatch(
      /Postgres at 127\.0\.0\.1:\d+\/vx_test_\w+ did not answer within 1\.5 s \(ECONNREFUSED\): check DATABASE_URL/,
    );
    expect(failed).not.toContain("s3cret-pw");
  }, 60_000);
});
