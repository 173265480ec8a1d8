// DeliveryWorker against real HTTP receivers on 127.0.0.1, an in-memory outbox and a clock the test moves.
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Webhook } from "./model.js";
import { WebhookService } from "./service.js";
import { type ManualClock, manualClock } from "./testing/manual-clock.js";
import { MemoryWebhookRepository } from "./testing/memory-repository.js";
import { type Receiver, type ReceiverOptions, startReceiver } from "./testing/receiver.js";
import { DeliveryWorker, type DeliveryWorkerOptions } from "./worker.js";

let repository: MemoryWebhookRepository;
let clock: ManualClock;
let userId: string;
const cleanup: (() => Promise<void>)[] = [];

beforeEach(() => {
  repository = new MemoryWebhookRepository();
  clock = manualClock();
  userId = randomUUID();
});

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function receiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const started = await startReceiver(options);
  cleanup.push(() => started.close());
  return started;
}

function worker(options: Partial<DeliveryWorkerOptions> = {}): DeliveryWorker {
  const created = new DeliveryWorker({
    repository,
    now: clock.now,
    random: () => 0.5,
    allowPrivateUrls: true,
    ...options,
  });
  cleanup.push(() => created.stop());
  return created;
}

function service(now = clock.now) {
  const created = new WebhookService({ repository, now, allowHttp: true, allowPrivateUrls: true });
  cleanup.push(() => created.close());
  return created;
}

async function webhookTo(url: string, extra: Partial<Webhook> = {}): Promise<Webhook> {
  const webhook = await service().createWebhook({ user_id: userId, url, events: ["call.started"], ...extra });
  return webhook;
}

const trigger = (payload: unknown = { callId: "call_1" }) =>
  service().triggerEvent("call.started", payload, { userId });

describe("DeliveryWorker", () => {
  it("POSTs the exact body, signed so the standardwebhooks library verifies it, and logs the attempt", async () => {
    clock = manualClock(new Date()); // the reference library checks timestamps against the real clock
    const target = await receiver();
    const webhook = await webhookTo(target.url);
    await trigger();
    expect(await worker().runOnce()).toBe(1);

    const [request] = target.requests;
    expect(request!.headers["content-type"]).toBe("application/json");
    const verified = new StandardWebhook(webhook.secret).verify(
      request!.body,
      request!.headers as Record<string, string>,
    );
    expect(verified).toMatchObject({ type: "call.started", data: { callId: "call_1" } });
    const messageId = String(request!.headers["webhook-id"]);
    expect(await repository.getMessage(messageId)).toMatchObject({ status: "delivered", attempts: 1 });
    const [log] = await repository.getWebhookLogs(webhook.id);
    expect(log).toMatchObject({ attempt_number: 1, status_code: 200, response_body: "ok", error: null });
    expect(log!.delivered_at).toEqual(clock.now());
    expect(await repository.getWebhookById(webhook.id)).toMatchObject({ last_status: 200, last_error: null });
  });

  it("retries a failing receiver on schedule: attempts 1..k+1, same webhook-id, growing gaps, all logged", async () => {
    const failures = 3;
    const target = await receiver({
      respond: (r) => (r.sequence <= failures ? { status: 500, body: "no" } : { status: 204 }),
    });
    const webhook = await webhookTo(target.url);
    await trigger();
    const delivery = worker({ schedule: [0, 1000, 2000, 4000] });

    const runs: number[] = [];
    for (const step of [0, 999, 1, 1999, 1, 3999, 1]) {
      clock.advance(step);
      runs.push(await delivery.runOnce());
    }
    expect(runs).toEqual([1, 0, 1, 0, 1, 0, 1]);

    expect(target.requests).toHaveLength(failures + 1);
    expect(new Set(target.requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    const sentAt = target.requests.map((r) => Number(r.headers["webhook-timestamp"]));
    expect(sentAt.slice(1).map((t, i) => t - sentAt[i]!)).toEqual([1, 2, 4]);

    const logs = (await repository.getWebhookLogs(webhook.id)).reverse();
    expect(logs.map((l) => [l.attempt_number, l.status_code])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 204],
    ]);
    const loggedAt = logs.map((l) => l.created_at.getTime());
    expect(loggedAt.slice(1).map((t, i) => t - loggedAt[i]!)).toEqual([1000, 2000, 4000]);
    expect(logs[2]).toMatchObject({ error: "the endpoint answered HTTP 500", response_body: "no", delivered_at: null });
  });

  it("stops after the webhook's retry_count and marks the message failed", async () => {
    const target = await receiver({ respond: () => ({ status: 500 }) });
    await webhookTo(target.url, { retry_count: 1 });
    await trigger();
    const delivery = worker({ schedule: [0, 10] });
    await delivery.runOnce();
    clock.advance(10);
    await delivery.runOnce();
    clock.advance(1_000_000);
    expect(await delivery.runOnce()).toBe(0);
    expect(target.requests).toHaveLength(2);
    const id = String(target.requests[0]!.headers["webhook-id"]);
    expect(await repository.getMessage(id)).toMatchObject({ status: "failed", attempts: 2 });
  });

  it("waits as long as Retry-After says on a 429", async () => {
    const target = await receiver({
      respond: (r) => (r.sequence === 1 ? { status: 429, headers: { "retry-after": "7" } } : { status: 200 }),
    });
    await webhookTo(target.url);
    await trigger();
    const delivery = worker({ schedule: [0, 10], jitter: 0.2, random: () => 0.99 });
    await delivery.runOnce();
    clock.advance(6999);
    expect(await delivery.runOnce()).toBe(0);
    clock.advance(1);
    expect(await delivery.runOnce()).toBe(1);
    expect(target.requests).toHaveLength(2);
  });

  it("disables a webhook that answers 410 Gone, so later events skip it", async () => {
    const target = await receiver({ respond: () => ({ status: 410 }) });
    const webhook = await webhookTo(target.url);
    await trigger();
    await worker().runOnce();
    expect(await repository.getWebhookById(webhook.id)).toMatchObject({
      enabled: false,
      last_status: 410,
      last_error: "disabled: the endpoint answered 410 Gone",
    });
    expect((await trigger()).deliveries).toBe(0);
  });

  it("counts a receiver that does not answer in time as a failure", async () => {
    const target = await receiver({ respond: () => new Promise(() => {}) });
    const webhook = await webhookTo(target.url);
    await trigger();
    await worker({ timeoutMs: 50 }).runOnce();
    const [log] = await repository.getWebhookLogs(webhook.id);
    expect(log).toMatchObject({ status_code: null, error: "no response within 50 ms", delivered_at: null });
  });

  it("counts a refused connection as a failure", async () => {
    const port = await freePort();
    const webhook = await webhookTo(`http://127.0.0.1:${port}/hook`);
    await trigger();
    await worker().runOnce();
    const [log] = await repository.getWebhookLogs(webhook.id);
    expect(log!.error).toMatch(/ECONNREFUSED/);
    expect(await repository.getWebhookById(webhook.id)).toMatchObject({ last_status: null, enabled: true });
  });

  it("keeps at most 4 KiB of a response body", async () => {
    const target = await receiver({ respond: () => ({ status: 200, body: "é".repeat(5000) }) });
    const webhook = await webhookTo(target.url);
    await trigger();
    await worker().runOnce();
    const [log] = await repository.getWebhookLogs(webhook.id);
    expect(Buffer.byteLength(log!.response_body!, "utf8")).toBe(4096);
  });

  it("refuses to connect to a private address at send time, even when a host name resolves there", async () => {
    const target = await receiver();
    const port = new URL(target.url).port;
    // Written straight to the repository: as if the name had been public when the webhook was created.
    for (const url of [target.url, `http://localhost:${port}/hook`]) {
      await repository.createWebhook({
        user_id: userId,
        url,
        events: ["call.started"],
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      });
    }
    await trigger();
    await worker({ allowPrivateUrls: false }).runOnce();
    expect(target.requests).toHaveLength(0);
    const logs = await repository.getWebhookLogs((await repository.getWebhooks())[0]!.id);
    expect(logs[0]!.error).toMatch(/private or local address/);
  });

  it("signs with the old and the new secret for a day after a rotation", async () => {
    clock = manualClock(new Date());
    const target = await receiver();
    const webhook = await webhookTo(target.url);
    const rotated = await service().rotateSecret(webhook.id, userId);
    await trigger();
    await worker().runOnce();
    const [request] = target.requests;
    const headers = request!.headers as Record<string, string>;
    expect(headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(() => new StandardWebhook(webhook.secret).verify(request!.body, headers)).not.toThrow();
    expect(() => new StandardWebhook(rotated.secret).verify(request!.body, headers)).not.toThrow();

    clock.advance(24 * 60 * 60 * 1000);
    await trigger();
    await worker().runOnce();
    expect(String(target.requests[1]!.headers["webhook-signature"]).split(" ")).toHaveLength(1);
  });

  it("fails the messages of a disabled webhook without sending them", async () => {
    const target = await receiver();
    const webhook = await webhookTo(target.url);
    await trigger();
    await service().updateWebhook(webhook.id, userId, { enabled: false });
    await worker().runOnce();
    expect(target.requests).toHaveLength(0);
    const [log] = await repository.getWebhookLogs(webhook.id);
    expect(log!.error).toBe("not sent: the webhook is disabled");
  });

  it("still records an attempt when the onAttempt callback throws, and reports the error", async () => {
    const target = await receiver();
    const webhook = await webhookTo(target.url);
    await trigger();
    const errors: unknown[] = [];
    const delivery = worker({
      onAttempt: () => {
        throw new Error("metrics down");
      },
      onError: (error) => errors.push(error),
    });
    expect(await delivery.runOnce()).toBe(1);
    expect(errors).toEqual([new Error("metrics down")]);
    expect(await repository.getWebhookLogs(webhook.id)).toHaveLength(1);
  });

  it("records attempts that finish within recordGatherMs of each other in one statement", async () => {
    const recordSizes = async (recordGatherMs: number) => {
      // Answers 5, 10, … 25 ms after each request, so the attempts finish one by one.
      let answered = 0;
      const target = await receiver({
        respond: () => new Promise((resolve) => setTimeout(() => resolve({ status: 200 }), ++answered * 5)),
      });
      repository = new MemoryWebhookRepository();
      await webhookTo(target.url);
      for (let i = 0; i < 5; i++) await trigger({ i });
      const sizes: number[] = [];
      const record = repository.record.bind(repository);
      repository.record = (records, options) => {
        sizes.push(records.length);
        return record(records, options);
      };
      expect(await worker({ batchSize: 10, recordGatherMs }).runOnce()).toBe(5);
      expect(await repository.queueStats(clock.now())).toMatchObject({ depth: 0 });
      return sizes;
    };
    expect(await recordSizes(200)).toEqual([5]);
    // Without gathering, the first attempt to finish is recorded alone.
    expect((await recordSizes(0))[0]).toBe(1);
  });

  it("runs until stopped, woken by new events, and records everything it sent before stopping", async () => {
    const target = await receiver();
    const webhook = await webhookTo(target.url);
    const delivery = worker({ now: () => new Date(), pollIntervalMs: 60_000, batchSize: 3 });
    const realtime = new WebhookService({
      repository,
      allowHttp: true,
      allowPrivateUrls: true,
      onEnqueued: () => delivery.wake(),
    });
    delivery.start();
    for (let i = 0; i < 10; i++) await realtime.triggerEvent("call.started", { i }, { userId });
    await target.waitForRequests(10);
    await delivery.stop();
    expect(target.deliveredIds()).toHaveLength(10);
    const logs = await repository.getWebhookLogs(webhook.id, 100);
    expect(logs).toHaveLength(10);
    expect(logs.every((l) => l.delivered_at !== null)).toBe(true);
    expect(await repository.queueStats(new Date())).toMatchObject({ depth: 0 });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
