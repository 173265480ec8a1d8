// The worker's hourly retention pass: finished webhook events go after the webhook-log retention, pending ones stay.
import { randomUUID } from "node:crypto";
import { describeDatabases } from "@vx/db/testing";
import { DeliveryWorker } from "@vx/webhooks";
import { manualClock, type Receiver, startReceiver } from "@vx/webhooks/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createWebhookRoutes, webhookRepository } from "../src/routes/webhooks/index.js";
import { createTestApp, type TestApp } from "../src/testing.js";
import { startRetention } from "../src/workers/retention.js";

const DAY = 24 * 60 * 60 * 1000;

describeDatabases("webhook retention in the worker", ({ db }) => {
  const clock = manualClock(new Date());
  let t: TestApp;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    t = await createTestApp({
      db: db(),
      now: clock.now,
      routes: [
        createWebhookRoutes({ allowHttp: true, allowPrivateUrls: true, maxPayloadBytes: 4096, timeoutMs: 2000 }),
      ],
    });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it("purges delivered events and their logs after 90 days, and keeps an undelivered one", async () => {
    const userId = randomUUID();
    const headers = await t.authHeaders(userId);
    const call = (url: string, payload: object) => t.app.inject({ method: "POST", url, headers, payload });
    const webhook = (await call("/v1/webhooks", { url: receiver.url, events: ["call.started", "call.ended"] })).json();
    const delivered = (await call("/v1/events", { event: "call.started", payload: {} })).json();
    const worker = new DeliveryWorker({
      // The app's repository: secrets are stored encrypted.
      repository: await webhookRepository(t.ctx.config, db()),
      now: clock.now,
      allowPrivateUrls: true,
    });
    await worker.runOnce();
    await worker.stop();
    const pending = (await call("/v1/events", { event: "call.ended", payload: {} })).json();

    const events = async () =>
      (await db().query<{ id: string }>("SELECT id FROM webhook_events WHERE user_id = $1", [userId])).rows.map(
        (r) => r.id,
      );
    const logs = async () =>
      (await db().query("SELECT 1 FROM webhook_logs WHERE webhook_id = $1", [webhook.id])).rowCount;

    clock.advance(89 * DAY);
    let retention = startRetention(t.ctx);
    await retention.runNow();
    await retention.stop();
    expect((await events()).sort()).toEqual([delivered.event_id, pending.event_id].sort());
    expect(await logs()).toBe(1);

    clock.advance(2 * DAY);
    retention = startRetention(t.ctx);
    await retention.runNow();
    await retention.stop();
    expect(await events()).toEqual([pending.event_id]);
    expect(await logs()).toBe(0);
  });
});
