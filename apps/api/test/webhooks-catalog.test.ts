// The event catalog, custom headers, delivery stats and operational events through the API, end to end.
import { randomUUID } from "node:crypto";
import { describeDatabases } from "@vx/db/testing";
import { type Receiver, startReceiver } from "@vx/webhooks/testing";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { createWebhookRoutes, type WebhookSettings } from "../src/routes/webhooks/index.js";
import { createTestApp, type TestApp } from "../src/testing.js";
import { type BackgroundWorkers, startBackgroundWorkers } from "../src/workers/index.js";

const LOCAL: WebhookSettings = { allowHttp: true, allowPrivateUrls: true, maxPayloadBytes: 4096, timeoutMs: 2000 };

const invoicePaid = {
  name: `invoice.paid.${randomUUID().slice(0, 8)}`,
  description: "An invoice was paid.",
  schema: {
    type: "object",
    required: ["invoice_id", "amount"],
    properties: { invoice_id: { type: "string" }, amount: { type: "integer", minimum: 0 } },
  },
  example: { invoice_id: "in_1", amount: 100 },
};

describeDatabases("webhooks: catalog, headers, stats and operational events", ({ db }) => {
  let t: TestApp;
  let receiver: Receiver;
  let workers: BackgroundWorkers | undefined;

  beforeAll(async () => {
    t = await createTestApp({ db: db(), routes: [createWebhookRoutes(LOCAL)] });
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    receiver = await startReceiver({ respond: () => ({ status: 200, body: "ok" }) });
  });
  afterEach(async () => {
    await workers?.stop();
    workers = undefined;
    await receiver.close();
  });

  async function caller(options: { role?: "service_role" } = {}) {
    const headers = { authorization: `Bearer ${await t.token(randomUUID(), options)}` };
    return (method: "GET" | "POST" | "PATCH", url: string, payload?: object) =>
      t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  }

  const startWorkers = async () => {
    workers = await startBackgroundWorkers(t.ctx, { webhooks: { pollIntervalMs: 20, allowPrivateUrls: true } });
  };

  it("lets the operator define an event type that users subscribe to by pattern, checks payloads and documents it", async () => {
    const operator = await caller({ role: "service_role" });
    const user = await caller();
    expect((await user("POST", "/v1/event-types", invoicePaid)).statusCode).toBe(403);
    const defined = await operator("POST", "/v1/event-types", invoicePaid);
    expect(defined.statusCode).toBe(201);
    expect(defined.json()).toMatchObject({ ...invoicePaid, deprecated: false, archived: false });
    expect((await operator("POST", "/v1/event-types", invoicePaid)).json().code).toBe("event_type_exists");

    const listed = (await user("GET", "/v1/event-types")).json().data.map((type: { name: string }) => type.name);
    expect(listed).toEqual(expect.arrayContaining([invoicePaid.name, "call.started", "endpoint.disabled"]));

    const created = await user("POST", "/v1/webhooks", { url: receiver.url, events: ["invoice.*"] });
    expect(created.statusCode).toBe(201);
    const refused = await user("POST", "/v1/events", { event: invoicePaid.name, payload: { invoice_id: 7 } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({
      code: "event_payload_invalid",
      errors: [
        { field: "body.payload/amount", message: "is required" },
        { field: "body.payload/invoice_id", message: "must be string" },
      ],
    });
    const sent = await user("POST", "/v1/events", { event: invoicePaid.name, payload: invoicePaid.example });
    expect(sent.json()).toMatchObject({ deliveries: 1 });

    const document = (await t.app.inject({ url: "/openapi.json" })).json();
    expect(document.webhooks[invoicePaid.name].post.requestBody.content["application/json"].schema).toMatchObject({
      properties: { type: { const: invoicePaid.name }, data: invoicePaid.schema },
    });
    expect(document.webhooks["call.started"]).toBeDefined();
  });

  it("refuses an invalid schema, an unknown event type to change, and system-only events", async () => {
    const operator = await caller({ role: "service_role" });
    const bad = await operator("POST", "/v1/event-types", { ...invoicePaid, name: "x.y", schema: { type: "money" } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: "event_type_schema_invalid", errors: [{ field: "body.schema" }] });
    expect((await operator("PATCH", "/v1/event-types/no.such", { deprecated: true })).statusCode).toBe(404);
    const deprecated = await operator("PATCH", "/v1/event-types/call.transferred", { deprecated: true });
    expect(deprecated.json()).toMatchObject({ name: "call.transferred", deprecated: true });
    const document = (await t.app.inject({ url: "/openapi.json" })).json();
    expect(document.webhooks["call.transferred"].post.deprecated).toBe(true);
    await operator("PATCH", "/v1/event-types/call.transferred", { deprecated: false });

    const user = await caller();
    const spoofed = await user("POST", "/v1/events", { event: "endpoint.disabled", payload: {} });
    expect(spoofed.json().code).toBe("event_reserved");
  });

  it("sends custom headers with deliveries and tests, and refuses forbidden ones naming them", async () => {
    const user = await caller();
    for (const [name, value] of [
      ["connection", "close"],
      ["webhook-id", "x"],
      ["x-bad", "line\r\nbreak"],
    ]) {
      const refused = await user("POST", "/v1/webhooks", {
        url: receiver.url,
        events: ["call.started"],
        headers: { [name!]: value },
      });
      expect(refused.statusCode, name).toBe(400);
      expect(refused.json().errors).toEqual([expect.objectContaining({ field: `body.headers.${name}` })]);
    }
    const zero = await user("POST", "/v1/webhooks", {
      url: receiver.url,
      events: ["call.*"],
      rate_limit_per_second: 0,
    });
    expect(zero.statusCode).toBe(400);

    const webhook = (
      await user("POST", "/v1/webhooks", { url: receiver.url, events: ["call.*"], headers: { "X-Tenant": "acme" } })
    ).json();
    expect(webhook.headers).toEqual({ "x-tenant": "acme" });
    await user("POST", `/v1/webhooks/${webhook.id}/test`);
    await startWorkers();
    await user("POST", "/v1/events", { event: "call.ended", payload: { callId: "c1" } });
    const requests = await receiver.waitForRequests(2);
    expect(requests.map((r) => r.headers["x-tenant"])).toEqual(["acme", "acme"]);
  });

  it("reports hourly delivery stats with latency percentiles, to the webhook's owner only", async () => {
    const user = await caller();
    const webhook = (await user("POST", "/v1/webhooks", { url: receiver.url, events: ["call.started"] })).json();
    await startWorkers();
    await user("POST", "/v1/events", { event: "call.started", payload: {} });
    await receiver.waitForRequests(1);
    await workers!.stop();
    workers = undefined;
    const stats = await user("GET", `/v1/webhooks/${webhook.id}/stats`);
    expect(stats.statusCode).toBe(200);
    const [hour] = stats.json().data;
    expect(hour).toMatchObject({ delivered: 1, failed: 0 });
    expect(hour.p50_ms).toBeGreaterThanOrEqual(0);
    const stranger = await caller();
    expect((await stranger("GET", `/v1/webhooks/${webhook.id}/stats`)).statusCode).toBe(404);
    const backwards = await user(
      "GET",
      `/v1/webhooks/${webhook.id}/stats?since=2030-01-02T00:00:00Z&until=2030-01-01T00:00:00Z`,
    );
    expect(backwards.statusCode).toBe(400);
  });

  it("tells the owner's operational endpoint when a webhook is disabled and enabled again", async () => {
    const user = await caller();
    await user("POST", "/v1/webhooks", { url: receiver.url, events: ["endpoint.*"] });
    const other = (
      await user("POST", "/v1/webhooks", { url: `${receiver.url}/other`, events: ["call.started"] })
    ).json();
    await user("PATCH", `/v1/webhooks/${other.id}`, { enabled: false });
    await user("PATCH", `/v1/webhooks/${other.id}`, { enabled: true });
    await startWorkers();
    const requests = await receiver.waitForRequests(2);
    const bodies = requests.map((r) => JSON.parse(r.body)).sort((a, b) => a.type.localeCompare(b.type));
    expect(bodies).toMatchObject([
      { type: "endpoint.disabled", data: { endpoint_id: other.id, reason: "disabled by its owner" } },
      { type: "endpoint.enabled", data: { endpoint_id: other.id } },
    ]);
  });
});
