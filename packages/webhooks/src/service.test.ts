// WebhookService: the specification's calls, as written there, plus validation, idempotency and test deliveries.
import { randomUUID } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isWebhookError, type WebhookErrorCode } from "./errors.js";
import { OPERATIONAL_EVENTS, WebhookEvent } from "./events.js";
import type { EnqueueResult } from "./model.js";
import { WebhookService, type WebhookServiceOptions } from "./service.js";
import { MemoryWebhookRepository } from "./testing/memory-repository.js";
import { type Receiver, startReceiver } from "./testing/receiver.js";
import { verifyWebhook } from "./verify.js";

let repository: MemoryWebhookRepository;
let receiver: Receiver;
let userId: string;
let agentId: string;
let enqueued: EnqueueResult[];

function service(options: Partial<WebhookServiceOptions> = {}) {
  return new WebhookService({
    repository,
    allowHttp: true,
    allowPrivateUrls: true,
    onEnqueued: (result) => enqueued.push(result),
    ...options,
  });
}

async function code(promise: Promise<unknown>): Promise<WebhookErrorCode | "resolved"> {
  return promise.then(
    () => "resolved" as const,
    (error: unknown) => {
      if (isWebhookError(error)) return error.code;
      throw error;
    },
  );
}

beforeEach(async () => {
  repository = new MemoryWebhookRepository();
  userId = randomUUID();
  agentId = repository.addAgent(userId);
  enqueued = [];
  receiver = await startReceiver({
    respond: (request) => (request.body.includes('"fail"') ? { status: 500, body: "nope" } : { status: 200 }),
  });
});

afterEach(async () => {
  await receiver.close();
});

describe("WebhookService, as the specification shows it", () => {
  it("creates a webhook with a fresh whsec_ secret", async () => {
    const webhookService = service();
    const webhook = await webhookService.createWebhook({
      user_id: userId,
      agent_id: agentId,
      url: receiver.url,
      events: [WebhookEvent.CALL_STARTED, WebhookEvent.CALL_ENDED, WebhookEvent.CONVERSATION_UPDATED],
    });
    expect(webhook).toMatchObject({ user_id: userId, agent_id: agentId, enabled: true, retry_count: 7 });
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const other = await webhookService.createWebhook({ user_id: userId, url: receiver.url, events: ["call.ended"] });
    expect(other.secret).not.toBe(webhook.secret);
  });

  it("triggers an event: one message per matching webhook, in the Standard Webhooks envelope", async () => {
    const now = new Date("2030-01-01T00:00:00.000Z");
    const webhookService = service({ now: () => now });
    await webhookService.createWebhook({
      user_id: userId,
      agent_id: agentId,
      url: receiver.url,
      events: ["call.started"],
    });
    await webhookService.createWebhook({ user_id: userId, url: receiver.url, events: ["call.started"] });
    const result = await webhookService.triggerEvent(
      WebhookEvent.CALL_STARTED,
      { callId: "call_123", agentId: "agent_456", phoneNumber: "+1234567890" },
      { userId, agentId },
    );
    expect(result).toMatchObject({ deliveries: 2, duplicate: false });
    expect(enqueued).toEqual([result]);
    const [message] = await repository.claim({ workerId: "w", limit: 1, now, leaseMs: 1000 });
    expect(message!.body).toBe(
      '{"type":"call.started","timestamp":"2030-01-01T00:00:00.000Z","data":{"callId":"call_123","agentId":"agent_456","phoneNumber":"+1234567890"}}',
    );
  });

  it("tests a webhook: a signed webhook.test POST now, its result, and a log row", async () => {
    const webhookService = service();
    const webhook = await webhookService.createWebhook({
      user_id: userId,
      url: receiver.url,
      events: ["call.started"],
    });
    const result = await webhookService.testWebhook(webhook.id, userId);
    expect(result).toMatchObject({ success: true, status_code: 200, error: null });
    expect(result.duration_ms).toBeGreaterThanOrEqual(0);
    const [request] = receiver.requests;
    const body = new StandardWebhook(webhook.secret).verify(request!.body, request!.headers as Record<string, string>);
    expect(body).toMatchObject({ type: "webhook.test", data: { webhook_id: webhook.id } });

    const logs = await webhookService.getWebhookLogs(webhook.id, 50);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ event: "webhook.test", status_code: 200, attempt_number: 1, error: null });
    expect(logs[0]!.delivered_at).toBeInstanceOf(Date);
    expect(await repository.getWebhookById(webhook.id)).toMatchObject({ last_status: 200, last_error: null });
  });

  it("reports a failing test delivery without throwing", async () => {
    const webhookService = service();
    const webhook = await webhookService.createWebhook({
      user_id: userId,
      url: receiver.url,
      events: ["call.started"],
    });
    await receiver.close();
    receiver = await startReceiver({ respond: () => ({ status: 503, body: "down" }) });
    await webhookService.updateWebhook(webhook.id, userId, { url: receiver.url });
    const result = await webhookService.testWebhook(webhook.id, userId);
    expect(result).toMatchObject({ success: false, status_code: 503, error: "the endpoint answered HTTP 503" });
    const [log] = await webhookService.getWebhookLogs(webhook.id, 50);
    expect(log).toMatchObject({ status_code: 503, response_body: "down", delivered_at: null });
  });

  it("updates and deletes a webhook for its owner only", async () => {
    const webhookService = service();
    const webhook = await webhookService.createWebhook({
      user_id: userId,
      url: receiver.url,
      events: ["call.started"],
    });
    const stranger = randomUUID();
    expect(await code(webhookService.updateWebhook(webhook.id, stranger, { enabled: false }))).toBe("not_found");
    const updated = await webhookService.updateWebhook(webhook.id, userId, {
      url: "https://new-url.com/webhook",
      enabled: true,
    });
    expect(updated.url).toBe("https://new-url.com/webhook");
    expect(await code(webhookService.deleteWebhook(webhook.id, stranger))).toBe("not_found");
    await webhookService.deleteWebhook(webhook.id, userId);
    expect(await code(webhookService.getWebhook(webhook.id, userId))).toBe("not_found");
    expect(await code(webhookService.deleteWebhook("not-a-uuid", userId))).toBe("not_found");
  });
});

describe("WebhookService validation", () => {
  it("refuses unknown events, naming the known ones", async () => {
    const webhookService = service();
    const error = await webhookService
      .createWebhook({ user_id: userId, url: receiver.url, events: ["call.started", "call.exploded"] })
      .catch((e: unknown) => e);
    const known = [...Object.values(WebhookEvent), ...OPERATIONAL_EVENTS].sort();
    expect(error).toMatchObject({ code: "unknown_event", details: { known } });
    expect((error as Error).message).toContain("known events: call.ended, call.started, call.transferred");
    expect(await code(webhookService.triggerEvent("call.exploded", {}, { userId }))).toBe("unknown_event");
    expect(await code(webhookService.createWebhook({ user_id: userId, url: receiver.url, events: [] }))).toBe(
      "invalid_input",
    );
  });

  it("refuses http and private targets unless the options allow them", async () => {
    const strict = service({ allowHttp: false, allowPrivateUrls: false });
    const create = (url: string) => strict.createWebhook({ user_id: userId, url, events: ["call.started"] });
    expect(await code(create(receiver.url))).toBe("invalid_url");
    expect(await code(create("https://127.0.0.1/hook"))).toBe("url_not_allowed");
    expect(await code(create("https://example.com/hook"))).toBe("resolved");
  });

  it("refuses a payload over the limit at trigger, with the sizes", async () => {
    const webhookService = service({ maxPayloadBytes: 1024 });
    await webhookService.createWebhook({ user_id: userId, url: receiver.url, events: ["call.started"] });
    const error = await webhookService
      .triggerEvent("call.started", { blob: "x".repeat(2000) }, { userId })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "payload_too_large", details: { limit: 1024 } });
    expect(await code(webhookService.triggerEvent("call.started", { blob: "small" }, { userId }))).toBe("resolved");
  });

  it("refuses retry counts outside 0..20 and agent ids that are not the user's", async () => {
    const webhookService = service();
    const base = { user_id: userId, url: receiver.url, events: ["call.started"] };
    expect(await code(webhookService.createWebhook({ ...base, retry_count: 21 }))).toBe("invalid_input");
    expect(await code(webhookService.createWebhook({ ...base, retry_count: 1.5 }))).toBe("invalid_input");
    expect(await code(webhookService.createWebhook({ ...base, agent_id: randomUUID() }))).toBe("invalid_agent");
    expect(await code(webhookService.createWebhook({ ...base, retry_count: 0 }))).toBe("resolved");
  });

  it("makes a repeated idempotency key a no-op that answers with the first event", async () => {
    const webhookService = service();
    await webhookService.createWebhook({ user_id: userId, url: receiver.url, events: ["call.started"] });
    const first = await webhookService.triggerEvent("call.started", {}, { userId, idempotencyKey: "k1" });
    const again = await webhookService.triggerEvent("call.started", {}, { userId, idempotencyKey: "k1" });
    expect(again).toEqual({ ...first, duplicate: true });
    expect(enqueued).toHaveLength(1);
  });
});

describe("WebhookService secrets, recovery and replay", () => {
  it("rotates the secret and says until when the old one still signs", async () => {
    const now = new Date("2030-01-01T00:00:00.000Z");
    const webhookService = service({ now: () => now });
    const webhook = await webhookService.createWebhook({
      user_id: userId,
      url: receiver.url,
      events: ["call.started"],
    });
    const rotated = await webhookService.rotateSecret(webhook.id, userId);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(webhook.secret);
    expect(rotated.previous_valid_until).toEqual(new Date("2030-01-02T00:00:00.000Z"));
    expect(await webhookService.getWebhookSecret(webhook.id, userId)).toBe(rotated.secret);
    expect(await code(webhookService.rotateSecret(webhook.id, randomUUID()))).toBe("not_found");
  });

  it("signs a test ping with the old and the new secret during a rotation's overlap, then the new one only", async () => {
    let now = new Date("2030-01-01T00:00:00.000Z");
    const webhookService = service({ now: () => now });
    const webhook = await webhookService.createWebhook({
      user_id: userId,
      url: receiver.url,
      events: ["call.started"],
    });
    const rotated = await webhookService.rotateSecret(webhook.id, userId);
    await webhookService.testWebhook(webhook.id, userId);
    now = new Date("2030-01-02T00:00:01.000Z");
    await webhookService.testWebhook(webhook.id, userId);
    const [during, after] = receiver.requests;
    const headers = (request: typeof during) => request!.headers as Record<string, string>;
    expect(headers(during)["webhook-signature"]!.split(" ")).toHaveLength(2);
    const verifyAt = (secret: string, request: typeof during) =>
      verifyWebhook(secret, headers(request), request!.body, { now: () => now, toleranceSeconds: 2 * 86_400 });
    expect(verifyAt(webhook.secret, during)).toMatchObject({ type: "webhook.test" });
    expect(verifyAt(rotated.secret, during)).toMatchObject({ type: "webhook.test" });
    expect(headers(after)["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(() => verifyAt(webhook.secret, after)).toThrow(/no signature matches/);
    expect(verifyAt(rotated.secret, after)).toMatchObject({ type: "webhook.test" });
  });

  it("recovers and replays only for the owner", async () => {
    const webhookService = service();
    const webhook = await webhookService.createWebhook({
      user_id: userId,
      url: receiver.url,
      events: ["call.started"],
    });
    expect(await code(webhookService.recover(webhook.id, new Date(0), randomUUID()))).toBe("not_found");
    expect(await webhookService.recover(webhook.id, new Date(0), userId)).toBe(0);
    expect(await code(webhookService.replay(randomUUID(), userId))).toBe("not_found");
  });

  it("refuses to replay a message a worker is sending, and one of another webhook", async () => {
    const webhookService = service();
    const webhook = await webhookService.createWebhook({
      user_id: userId,
      url: receiver.url,
      events: ["call.started"],
    });
    const other = await webhookService.createWebhook({ user_id: userId, url: receiver.url, events: ["call.ended"] });
    await webhookService.triggerEvent("call.started", {}, { userId });
    const [claimed] = await repository.claim({ workerId: "w1", limit: 1, now: new Date(), leaseMs: 60_000 });
    expect(await code(webhookService.replay(claimed!.id, userId))).toBe("message_in_flight");
    expect(await code(webhookService.replay(claimed!.id, userId, other.id))).toBe("not_found");
    expect(await code(webhookService.getMessage(other.id, claimed!.id, userId))).toBe("not_found");
    expect((await webhookService.getMessage(webhook.id, claimed!.id, userId)).logs).toEqual([]);
  });

  it("pages through messages and refuses a bad limit, status or position", async () => {
    const webhookService = service();
    const webhook = await webhookService.createWebhook({
      user_id: userId,
      url: receiver.url,
      events: ["call.started"],
    });
    for (let i = 0; i < 3; i++) await webhookService.triggerEvent("call.started", { i }, { userId });
    const first = await webhookService.listMessages(webhook.id, userId, { limit: 2 });
    expect(first.messages).toHaveLength(2);
    const rest = await webhookService.listMessages(webhook.id, userId, { limit: 2, after: first.next! });
    expect(rest).toMatchObject({ next: null });
    expect(rest.messages).toHaveLength(1);
    expect(await code(webhookService.listMessages(webhook.id, userId, { limit: 0 }))).toBe("invalid_input");
    expect(await code(webhookService.listMessages(webhook.id, userId, { limit: 101 }))).toBe("invalid_input");
    const lost = "lost" as "pending";
    expect(await code(webhookService.listMessages(webhook.id, userId, { status: lost }))).toBe("invalid_input");
    const after = { created_at: new Date(Number.NaN), id: randomUUID() };
    expect(await code(webhookService.listMessages(webhook.id, userId, { after }))).toBe("invalid_input");
    expect(await code(webhookService.listMessages(webhook.id, randomUUID()))).toBe("not_found");
  });

  it("lists the event types by name, including the ones the IVR emits and the operational ones", async () => {
    const names = (await service().listEventTypes()).map((t) => t.name);
    expect(names).toEqual([
      "call.ended",
      "call.started",
      "call.transferred",
      "conversation.updated",
      "endpoint.disabled",
      "endpoint.enabled",
      "ivr.session.ended",
      "ivr.session.started",
      "message.attempt.exhausted",
    ]);
  });
});
