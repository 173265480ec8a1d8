// /v1/webhooks/:id/messages: list a webhook's messages (id = webhook-id header), read one with its attempts, replay it.
import { randomUUID } from "node:crypto";
import { describeDatabases } from "@vx/db/testing";
import { type Receiver, startReceiver } from "@vx/webhooks/testing";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { createWebhookRoutes, type WebhookSettings } from "../src/routes/webhooks/index.js";
import { createTestApp, type TestApp } from "../src/testing.js";
import { type BackgroundWorkers, startBackgroundWorkers } from "../src/workers/index.js";

const LOCAL: WebhookSettings = { allowHttp: true, allowPrivateUrls: true, maxPayloadBytes: 4096, timeoutMs: 2000 };

describeDatabases("/v1/webhooks/:id/messages", ({ db }) => {
  let t: TestApp;
  let receiver: Receiver;
  let workers: BackgroundWorkers | undefined;

  beforeAll(async () => {
    t = await createTestApp({ db: db(), routes: [createWebhookRoutes(LOCAL)] });
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    receiver = await startReceiver({
      respond: (r) => (r.body.includes('"fail"') ? { status: 500, body: "no" } : { status: 200, body: "ok" }),
    });
  });
  afterEach(async () => {
    await workers?.stop();
    workers = undefined;
    await receiver.close();
  });

  async function as(userId = randomUUID()) {
    const headers = await t.authHeaders(userId);
    return (method: "GET" | "POST", url: string, payload?: object) =>
      t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  }

  /** Runs the workers until the receiver has seen `count` requests in all, and every attempt is recorded. */
  async function deliver(count: number): Promise<void> {
    workers = await startBackgroundWorkers(t.ctx, { webhooks: { pollIntervalMs: 20, allowPrivateUrls: true } });
    await receiver.waitForRequests(count);
    await workers.stop();
    workers = undefined;
  }

  it("lists messages newest first with the webhook-id receivers saw, page by page and by status", async () => {
    const call = await as();
    const webhook = (await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started"] })).json();
    for (const payload of [{ n: 1 }, { n: 2 }, { fail: true }]) {
      expect((await call("POST", "/v1/events", { event: "call.started", payload })).statusCode).toBe(202);
    }
    const queued = (await call("GET", `/v1/webhooks/${webhook.id}/messages`)).json();
    expect(queued.data.map((m: { status: string }) => m.status)).toEqual(["pending", "pending", "pending"]);
    expect(queued.data[0]).toMatchObject({ webhook_id: webhook.id, event: "call.started", attempts: 0 });
    expect(queued.data[0].next_attempt_at).not.toBeNull();
    await deliver(3);

    const all = (await call("GET", `/v1/webhooks/${webhook.id}/messages`)).json();
    expect(all.next_cursor).toBeNull();
    expect(new Set(all.data.map((m: { id: string }) => m.id))).toEqual(new Set(receiver.deliveredIds()));
    const first = await call("GET", `/v1/webhooks/${webhook.id}/messages?limit=2`);
    expect(first.statusCode).toBe(200);
    const second = (
      await call("GET", `/v1/webhooks/${webhook.id}/messages?limit=2&cursor=${first.json().next_cursor}`)
    ).json();
    expect([...first.json().data, ...second.data]).toEqual(all.data);
    expect(second.next_cursor).toBeNull();

    const delivered = (await call("GET", `/v1/webhooks/${webhook.id}/messages?status=delivered`)).json().data;
    expect(delivered).toHaveLength(2);
    expect(delivered.every((m: { delivered_at: string | null }) => m.delivered_at !== null)).toBe(true);
    const retrying = (await call("GET", `/v1/webhooks/${webhook.id}/messages?status=pending`)).json().data;
    expect(retrying).toEqual([
      expect.objectContaining({ attempts: 1, last_error: "the endpoint answered HTTP 500", delivered_at: null }),
    ]);
  });

  it("shows one message with its attempts and replays it under the same webhook-id", async () => {
    const call = await as();
    const webhook = (await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started"] })).json();
    await call("POST", "/v1/events", { event: "call.started", payload: { callId: "call_1" } });
    await deliver(1);
    const [listed] = (await call("GET", `/v1/webhooks/${webhook.id}/messages`)).json().data;
    const url = `/v1/webhooks/${webhook.id}/messages/${listed.id}`;

    const shown = await call("GET", url);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ id: listed.id, status: "delivered", attempts: 1 });
    expect(shown.json().logs).toEqual([
      expect.objectContaining({ attempt_number: 1, status_code: 200, response_body: "ok", webhook_id: webhook.id }),
    ]);

    const replayed = await call("POST", `${url}/replay`);
    expect(replayed.statusCode, replayed.body).toBe(202);
    expect(replayed.json()).toMatchObject({ id: listed.id, status: "pending", delivered_at: null });
    await deliver(2);
    expect(receiver.requests.map((r) => r.headers["webhook-id"])).toEqual([listed.id, listed.id]);
    const after = (await call("GET", url)).json();
    expect(after).toMatchObject({ status: "delivered", attempts: 2 });
    expect(after.logs.map((l: { attempt_number: number }) => l.attempt_number)).toEqual([1, 2]);
  });

  it("answers 404 for another user's webhook or message and for a message of another webhook", async () => {
    const call = await as();
    const stranger = await as();
    const webhook = (await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started"] })).json();
    const other = (await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.ended"] })).json();
    await call("POST", "/v1/events", { event: "call.started", payload: {} });
    const [message] = (await call("GET", `/v1/webhooks/${webhook.id}/messages`)).json().data;

    for (const [method, url] of [
      ["GET", `/v1/webhooks/${webhook.id}/messages`],
      ["GET", `/v1/webhooks/${webhook.id}/messages/${message.id}`],
      ["POST", `/v1/webhooks/${webhook.id}/messages/${message.id}/replay`],
    ] as const) {
      const refused = await stranger(method, url);
      expect(refused.statusCode, `${method} ${url}`).toBe(404);
      expect(refused.json()).toMatchObject({ code: "webhook_not_found" });
    }
    expect((await call("GET", `/v1/webhooks/${other.id}/messages/${message.id}`)).statusCode).toBe(404);
    expect((await call("POST", `/v1/webhooks/${other.id}/messages/${message.id}/replay`)).statusCode).toBe(404);
    expect((await call("GET", `/v1/webhooks/${webhook.id}/messages/${randomUUID()}`)).statusCode).toBe(404);
    const unchanged = (await call("GET", `/v1/webhooks/${webhook.id}/messages/${message.id}`)).json();
    expect(unchanged).toMatchObject({ status: "pending", attempts: 0, max_attempts: 8 });
  });

  it("refuses a malformed id, status or cursor with a 400 naming the field", async () => {
    const call = await as();
    const webhook = (await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started"] })).json();
    for (const [url, field] of [
      ["/v1/webhooks/not-a-uuid/messages", "id"],
      [`/v1/webhooks/${webhook.id}/messages/not-a-uuid`, "message_id"],
      [`/v1/webhooks/${webhook.id}/messages/not-a-uuid/replay`, "message_id"],
      [`/v1/webhooks/${webhook.id}/messages?status=lost`, "status"],
      [`/v1/webhooks/${webhook.id}/messages?limit=0`, "limit"],
    ] as const) {
      const res = await call(url.endsWith("/replay") ? "POST" : "GET", url);
      expect(res.statusCode, url).toBe(400);
      expect(res.headers["content-type"]).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.json().errors), url).toContain(field);
    }
    const cursor = await call("GET", `/v1/webhooks/${webhook.id}/messages?cursor=garbage`);
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json()).toMatchObject({ code: "invalid_cursor" });
  });
});
