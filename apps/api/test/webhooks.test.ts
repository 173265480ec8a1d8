// /v1/webhooks and /v1/events end to end: a user creates a webhook, triggers an event, a worker delivers it signed;
// its messages are listed (id = webhook-id header), shown with their attempts and replayed.
import { randomUUID } from "node:crypto";
import { describeDatabases } from "@vx/db/testing";
import { type Receiver, startReceiver } from "@vx/webhooks/testing";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createWebhookRoutes, type WebhookSettings } from "../src/routes/webhooks/index.js";
import { createTestApp, type TestApp } from "../src/testing.js";
import { type BackgroundWorkers, startBackgroundWorkers } from "../src/workers/index.js";

const LOCAL: WebhookSettings = { allowHttp: true, allowPrivateUrls: true, maxPayloadBytes: 4096, timeoutMs: 2000 };

describeDatabases("/v1/webhooks", ({ db }) => {
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
    const call = (method: "GET" | "POST" | "PATCH" | "DELETE", url: string, payload?: object) =>
      t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    return Object.assign(call, { userId });
  }

  const startWorkers = async () => {
    workers = await startBackgroundWorkers(t.ctx, { webhooks: { pollIntervalMs: 20, allowPrivateUrls: true } });
  };

  it("creates a webhook, triggers an event with the API, and the receiver gets it signed and logged", async () => {
    const call = await as();
    const created = await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started", "call.ended"] });
    expect(created.statusCode).toBe(201);
    const webhook = created.json();
    expect(webhook).toMatchObject({ url: receiver.url, enabled: true, retry_count: 7, agent_id: null });
    expect(webhook.secret).toMatch(/^whsec_/);

    await startWorkers();
    const triggered = await call("POST", "/v1/events", {
      event: "call.started",
      payload: { callId: "call_123", phoneNumber: "+1234567890" },
    });
    expect(triggered.statusCode).toBe(202);
    expect(triggered.json()).toMatchObject({ deliveries: 1, duplicate: false });

    const [request] = await receiver.waitForRequests(1);
    const body = new StandardWebhook(webhook.secret).verify(request!.body, request!.headers as Record<string, string>);
    expect(body).toMatchObject({ type: "call.started", data: { callId: "call_123" } });
    await workers!.stop();
    workers = undefined;

    const logs = await call("GET", `/v1/webhooks/${webhook.id}/logs?limit=10`);
    expect(logs.statusCode).toBe(200);
    expect(logs.json().data).toEqual([
      expect.objectContaining({ event: "call.started", status_code: 200, attempt_number: 1, response_body: "ok" }),
    ]);
    const after = (await call("GET", `/v1/webhooks/${webhook.id}`)).json();
    expect(after).toMatchObject({ last_status: 200, last_error: null });
    expect(after.last_triggered_at).not.toBeNull();
  });

  it("shows the secret only at creation and at /secret", async () => {
    const call = await as();
    const webhook = (await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started"] })).json();
    const one = (await call("GET", `/v1/webhooks/${webhook.id}`)).json();
    const list = (await call("GET", "/v1/webhooks")).json();
    expect(one.secret).toBeUndefined();
    expect(list.data.map((w: { id: string }) => w.id)).toEqual([webhook.id]);
    expect(JSON.stringify(list)).not.toContain(webhook.secret);
    const secret = await call("GET", `/v1/webhooks/${webhook.id}/secret`);
    expect(secret.json()).toEqual({ secret: webhook.secret });
    expect(secret.headers["cache-control"]).toBe("no-store");
  });

  it("rotates the secret: deliveries then carry both signatures", async () => {
    const call = await as();
    const webhook = (await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started"] })).json();
    const rotated = await call("POST", `/v1/webhooks/${webhook.id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    const { secret, previous_valid_until } = rotated.json();
    expect(secret).not.toBe(webhook.secret);
    expect(new Date(previous_valid_until).getTime() - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    expect((await call("GET", `/v1/webhooks/${webhook.id}/secret`)).json().secret).toBe(secret);

    await startWorkers();
    await call("POST", "/v1/events", { event: "call.started", payload: {} });
    const [request] = await receiver.waitForRequests(1);
    const headers = request!.headers as Record<string, string>;
    expect(headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(() => new StandardWebhook(webhook.secret).verify(request!.body, headers)).not.toThrow();
    expect(() => new StandardWebhook(secret).verify(request!.body, headers)).not.toThrow();
  });

  it("tests a webhook now and logs the attempt", async () => {
    const call = await as();
    const webhook = (await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started"] })).json();
    const test = await call("POST", `/v1/webhooks/${webhook.id}/test`);
    expect(test.statusCode).toBe(200);
    expect(test.json()).toMatchObject({ success: true, status_code: 200, error: null });
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ type: "webhook.test" });
    const logs = (await call("GET", `/v1/webhooks/${webhook.id}/logs`)).json().data;
    expect(logs).toEqual([expect.objectContaining({ event: "webhook.test", status_code: 200 })]);
  });

  it("updates and deletes a webhook, and hides it from other users", async () => {
    const call = await as();
    const stranger = await as();
    const webhook = (await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started"] })).json();
    expect((await stranger("GET", `/v1/webhooks/${webhook.id}`)).json()).toMatchObject({
      status: 404,
      code: "webhook_not_found",
    });
    expect((await stranger("PATCH", `/v1/webhooks/${webhook.id}`, { enabled: false })).statusCode).toBe(404);
    expect((await stranger("GET", `/v1/webhooks/${webhook.id}/logs`)).statusCode).toBe(404);
    expect((await stranger("GET", `/v1/webhooks/${webhook.id}/secret`)).statusCode).toBe(404);
    expect((await stranger("POST", `/v1/webhooks/${webhook.id}/test`)).statusCode).toBe(404);
    expect((await stranger("DELETE", `/v1/webhooks/${webhook.id}`)).statusCode).toBe(404);

    const patched = await call("PATCH", `/v1/webhooks/${webhook.id}`, {
      events: ["call.ended"],
      enabled: false,
      retry_count: 2,
    });
    expect(patched.json()).toMatchObject({ events: ["call.ended"], enabled: false, retry_count: 2 });
    expect((await call("DELETE", `/v1/webhooks/${webhook.id}`)).statusCode).toBe(204);
    expect((await call("GET", `/v1/webhooks/${webhook.id}`)).statusCode).toBe(404);
  });

  it("refuses unknown events with the list of known ones, and oversized payloads", async () => {
    const call = await as();
    const bad = await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.exploded"] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: "unknown_event" });
    expect(bad.json().detail).toContain("call.ended, call.started, call.transferred, conversation.updated");
    expect((await call("POST", "/v1/events", { event: "call.exploded", payload: {} })).json()).toMatchObject({
      status: 422,
      code: "unknown_event",
    });
    const big = await call("POST", "/v1/events", { event: "call.started", payload: { blob: "x".repeat(5000) } });
    expect(big.json()).toMatchObject({ status: 413, code: "event_payload_too_large" });
    expect((await call("POST", "/v1/webhooks", { url: receiver.url })).json()).toMatchObject({
      status: 400,
      code: "validation_failed",
    });
  });

  it("makes a repeated idempotency key a no-op", async () => {
    const call = await as();
    await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started"] });
    const event = { event: "call.started", payload: {}, idempotency_key: "call_123:started" };
    const first = (await call("POST", "/v1/events", event)).json();
    const again = (await call("POST", "/v1/events", event)).json();
    expect(again).toEqual({ ...first, duplicate: true });
  });

  it("refuses an idempotency key reused for another payload with a 409 idempotency_key_reused", async () => {
    const call = await as();
    await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started", "call.ended"] });
    const event = { event: "call.started", payload: { n: 1 }, idempotency_key: "call_124:started" };
    expect((await call("POST", "/v1/events", event)).statusCode).toBe(202);
    for (const changed of [{ payload: { n: 2 } }, { event: "call.ended" }]) {
      const reused = await call("POST", "/v1/events", { ...event, ...changed });
      expect(reused.statusCode).toBe(409);
      expect(reused.headers["content-type"]).toMatch(/application\/problem\+json/);
      expect(reused.json()).toMatchObject({ status: 409, code: "idempotency_key_reused" });
    }
    expect((await call("POST", "/v1/events", event)).json()).toMatchObject({ duplicate: true });
  });

  it("pages a webhook's logs with ?cursor=, each attempt once, and refuses a forged cursor", async () => {
    const call = await as();
    const webhook = (await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started"] })).json();
    for (let i = 0; i < 5; i++) await call("POST", `/v1/webhooks/${webhook.id}/test`);
    const all = (await call("GET", `/v1/webhooks/${webhook.id}/logs`)).json();
    expect(all.data).toHaveLength(5);
    expect(all.next_cursor).toBeNull();
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "" : `&cursor=${cursor}`;
      const page = await call("GET", `/v1/webhooks/${webhook.id}/logs?limit=2${query}`);
      expect(page.statusCode).toBe(200);
      ids.push(...page.json().data.map((log: { id: string }) => log.id));
      cursor = page.json().next_cursor;
    } while (cursor !== null);
    expect(ids).toEqual(all.data.map((log: { id: string }) => log.id));
    const forged = await call("GET", `/v1/webhooks/${webhook.id}/logs?cursor=bm90LWEtY3Vyc29y`);
    expect(forged.statusCode).toBe(400);
    expect(forged.json()).toMatchObject({ code: "invalid_cursor" });
  });

  it("recovers failed deliveries since a time", async () => {
    const call = await as();
    const webhook = (
      await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started"], retry_count: 0 })
    ).json();
    const since = new Date(Date.now() - 1000).toISOString();
    await startWorkers();
    await call("POST", "/v1/events", { event: "call.started", payload: { fail: true } });
    await receiver.waitForRequests(1);
    await workers!.stop();
    workers = undefined;
    expect((await call("GET", `/v1/webhooks/${webhook.id}`)).json()).toMatchObject({
      last_status: 500,
      last_error: "the endpoint answered HTTP 500",
    });

    const recovered = await call("POST", `/v1/webhooks/${webhook.id}/recover`, { since });
    expect(recovered.statusCode).toBe(202);
    expect(recovered.json()).toEqual({ recovered: 1 });
    await startWorkers();
    await receiver.waitForRequests(2);
    expect(receiver.deliveredIds()).toHaveLength(1);
  });

  it("lists the event types", async () => {
    const call = await as();
    const types = await call("GET", "/v1/event-types");
    expect(types.json().data.map((t: { name: string }) => t.name)).toContain("call.started");
  });

  it("serves delivery and queue metrics on /metrics", async () => {
    const call = await as();
    await call("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started"] });
    await startWorkers();
    await call("POST", "/v1/events", { event: "call.started", payload: {} });
    await receiver.waitForRequests(1);
    await workers!.stop();
    workers = undefined;
    const metrics = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toMatch(/vx_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
    expect(metrics).toMatch(/vx_webhook_attempt_duration_seconds_count\{outcome="delivered"\} [1-9]/);
    expect(metrics).toMatch(/vx_webhook_queue_depth \d+/);
    expect(metrics).toMatch(/vx_webhook_oldest_due_age_seconds \d/);
  });

  describe("messages: /v1/webhooks/:id/messages", () => {
    /** Runs the workers until the receiver has seen `count` requests in all, and every attempt is recorded. */
    async function deliver(count: number): Promise<void> {
      await startWorkers();
      await receiver.waitForRequests(count);
      await workers!.stop();
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
});

describe("/v1/webhooks with the default (production) settings", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      routes: [createWebhookRoutes({ ...LOCAL, allowHttp: false, allowPrivateUrls: false })],
    });
  });
  afterAll(() => t.close());

  it("refuses http URLs and private or local targets", async () => {
    const headers = await t.authHeaders(randomUUID());
    const create = (url: string) =>
      t.app.inject({ method: "POST", url: "/v1/webhooks", headers, payload: { url, events: ["call.started"] } });
    expect((await create("http://example.com/hook")).json()).toMatchObject({
      status: 422,
      code: "webhook_url_invalid",
    });
    for (const url of ["https://127.0.0.1/hook", "https://169.254.169.254/", "https://localhost/hook"]) {
      expect((await create(url)).json(), url).toMatchObject({ status: 422, code: "webhook_url_not_allowed" });
    }
  });
});
