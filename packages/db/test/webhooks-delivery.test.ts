// Webhook delivery on a real database: events commit with the caller's transaction, RLS, and workers end to end.
import { listenForWebhookMessages, PgWebhookRepository, type Queryable } from "@vx/db";
import { createUser, describeDatabases } from "@vx/db/testing";
import { DeliveryWorker, isWebhookError, WebhookService } from "@vx/webhooks";
import { manualClock, type Receiver, startReceiver } from "@vx/webhooks/testing";
import { afterEach, beforeEach, expect, it } from "vitest";

describeDatabases("webhook delivery", ({ db, target }) => {
  let receiver: Receiver;
  let userId: string;
  let repository: PgWebhookRepository;
  let service: WebhookService<Queryable>;

  beforeEach(async () => {
    await db().query("TRUNCATE public.webhooks, public.webhook_events CASCADE");
    receiver = await startReceiver({
      respond: (request) => (request.body.includes('"fail"') ? { status: 500 } : { status: 200, body: "ok" }),
    });
    userId = await createUser(db());
    repository = new PgWebhookRepository(db());
    service = new WebhookService({ repository, allowHttp: true, allowPrivateUrls: true });
    await service.createWebhook({ user_id: userId, url: receiver.url, events: ["call.started"] });
  });

  afterEach(async () => {
    await receiver.close();
    await service.close();
  });

  const messageCount = async () =>
    Number((await db().query<{ n: string }>("SELECT count(*) AS n FROM public.webhook_messages")).rows[0]!.n);

  it("writes the event in the caller's transaction: it commits and rolls back with the caller's data", async () => {
    await expect(
      db().transaction(async (tx) => {
        await tx.query("INSERT INTO public.agents (user_id, name) VALUES ($1, 'rolled back')", [userId]);
        await service.triggerEvent("call.started", { n: 1 }, { userId, tx });
        throw new Error("caller fails after triggering");
      }),
    ).rejects.toThrow("caller fails");
    expect(await messageCount()).toBe(0);

    await db().transaction(async (tx) => {
      await tx.query("INSERT INTO public.agents (user_id, name) VALUES ($1, 'kept')", [userId]);
      await service.triggerEvent("call.started", { n: 2 }, { userId, tx });
    });
    expect(await messageCount()).toBe(1);
  });

  it("lets a user's own RLS transaction trigger events for that user only", async () => {
    const result = await db().asUser(userId, (tx) => service.triggerEvent("call.started", {}, { userId, tx }));
    expect(result.deliveries).toBe(1);
    const stranger = await createUser(db());
    const refused = await db()
      .asUser(stranger, (tx) => service.triggerEvent("call.started", {}, { userId, tx }))
      .catch((error: unknown) => error);
    expect(isWebhookError(refused, "not_found")).toBe(true);

    const seen = await db().asUser(stranger, async (tx) => ({
      messages: (await tx.query("SELECT 1 FROM public.webhook_messages")).rowCount,
      events: (await tx.query("SELECT 1 FROM public.webhook_events")).rowCount,
    }));
    expect(seen).toEqual({ messages: 0, events: 0 });
    const own = await db().asUser(
      userId,
      async (tx) => (await tx.query("SELECT 1 FROM public.webhook_messages")).rowCount,
    );
    expect(own).toBe(1);
  });

  it("delivers every event exactly once with two workers running side by side, and logs each attempt", async () => {
    const workers = [1, 2].map(
      (n) =>
        new DeliveryWorker({ repository, allowPrivateUrls: true, workerId: `w${n}`, batchSize: 5, pollIntervalMs: 20 }),
    );
    for (const worker of workers) worker.start();
    for (let i = 0; i < 30; i++) await service.triggerEvent("call.started", { i }, { userId });
    await receiver.waitForRequests(30);
    await Promise.all(workers.map((worker) => worker.stop()));

    expect(receiver.requests).toHaveLength(30);
    expect(receiver.deliveredIds()).toHaveLength(30);
    const { rows } = await db().query<{ status: string; n: string }>(
      "SELECT status, count(*) AS n FROM public.webhook_messages GROUP BY status",
    );
    expect(rows).toEqual([{ status: "delivered", n: "30" }]);
    const logs = await db().query("SELECT 1 FROM public.webhook_logs WHERE delivered_at IS NOT NULL");
    expect(logs.rowCount).toBe(30);
    expect(await repository.queueStats(new Date())).toEqual({ depth: 0, due: 0, oldest_due_age_ms: 0 });
  });

  it("never lets two workers together exceed a webhook's rate limit; the backlog waits and drains at that rate", async () => {
    const [webhook] = await repository.getWebhooks({ user_id: userId });
    await repository.updateWebhook(webhook!.id, { rate_limit_per_second: 4 });
    const clock = manualClock();
    const clocked = new WebhookService({ repository, now: clock.now, allowHttp: true, allowPrivateUrls: true });
    for (let i = 0; i < 10; i++) await clocked.triggerEvent("call.started", { i }, { userId });
    const workers = [1, 2].map(
      (n) =>
        new DeliveryWorker({
          repository: new PgWebhookRepository(db()),
          now: clock.now,
          allowPrivateUrls: true,
          workerId: `w${n}`,
          batchSize: 10,
          recordGatherMs: 0,
        }),
    );
    const perSecond: number[] = [];
    for (let second = 0; second < 4; second++) {
      const claimed = await Promise.all(workers.map((worker) => worker.runOnce()));
      perSecond.push(claimed[0]! + claimed[1]!);
      clock.advance(1000);
    }
    expect(perSecond).toEqual([4, 4, 2, 0]);
    expect(receiver.deliveredIds()).toHaveLength(10);
    const { rows } = await db().query<{ status: string; n: string }>(
      "SELECT status, count(*) AS n FROM public.webhook_messages GROUP BY status",
    );
    expect(rows).toEqual([{ status: "delivered", n: "10" }]);
  });

  it("retries a failing receiver on schedule and the logs match what the receiver saw", async () => {
    await receiver.close();
    receiver = await startReceiver({ respond: (r) => (r.sequence <= 2 ? { status: 503 } : { status: 200 }) });
    const [webhook] = await repository.getWebhooks({ user_id: userId });
    await repository.updateWebhook(webhook!.id, { url: receiver.url });
    const clock = manualClock();
    const clocked = new WebhookService({ repository, now: clock.now, allowHttp: true, allowPrivateUrls: true });
    await clocked.triggerEvent("call.started", {}, { userId });
    const worker = new DeliveryWorker({
      repository,
      now: clock.now,
      random: () => 0.5,
      allowPrivateUrls: true,
      schedule: [0, 100, 300],
    });
    const claimed: number[] = [];
    for (const step of [0, 99, 1, 299, 1]) {
      clock.advance(step);
      claimed.push(await worker.runOnce());
    }
    await worker.stop();
    expect(claimed).toEqual([1, 0, 1, 0, 1]);
    expect(receiver.deliveredIds()).toHaveLength(1);
    const logs = (await clocked.getWebhookLogs(webhook!.id, 10)).reverse();
    expect(logs.map((l) => [l.attempt_number, l.status_code, l.delivered_at !== null])).toEqual([
      [1, 503, false],
      [2, 503, false],
      [3, 200, true],
    ]);
    const at = logs.map((l) => l.created_at.getTime());
    expect([at[1]! - at[0]!, at[2]! - at[1]!]).toEqual([100, 300]);
  });

  it.runIf(target === "postgres")("wakes listening workers when an event commits", async () => {
    let notified!: () => void;
    const woke = new Promise<void>((resolve) => {
      notified = resolve;
    });
    const listener = await listenForWebhookMessages(db().url, () => notified());
    try {
      await service.triggerEvent("call.started", {}, { userId });
      await woke;
    } finally {
      await listener.close();
    }
  });
});
