/**
 * Part of the WebhookRepository contract: wildcard subscriptions, channels, custom headers, throttling, delivery
 * stats and operational events. Called by describeWebhookRepository, so every adapter runs it.
 */
import { describe, expect, it } from "vitest";
import { OperationalEvent, TEST_EVENT, WebhookEvent } from "../events.js";
import type { ClaimedMessage, EnqueueInput, NewWebhook, Webhook } from "../model.js";
import type { WebhookRepository } from "../repository.js";
import { deliveredAttempt } from "./attempts.js";

export interface ContractContext {
  repo(): WebhookRepository<unknown>;
  userId(): string;
}

const T0 = new Date("2030-01-01T00:00:00.000Z");
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const HOUR = 60 * 60 * 1000;
const at = (ms: number) => new Date(T0.getTime() + ms);

export function describeRoutingAndThrottling(ctx: ContractContext): void {
  const webhook = (overrides: Partial<NewWebhook> = {}): Promise<Webhook> =>
    ctx.repo().createWebhook({
      user_id: ctx.userId(),
      url: "https://example.com/hook",
      events: [WebhookEvent.CALL_STARTED],
      secret: SECRET,
      ...overrides,
    });
  const trigger = (event: string, extra: Partial<EnqueueInput> = {}) => {
    const now = extra.now ?? T0;
    return ctx.repo().enqueue({
      user_id: ctx.userId(),
      agent_id: null,
      event,
      body: JSON.stringify({ type: event, timestamp: now.toISOString(), data: {} }),
      idempotency_key: null,
      now,
      ...extra,
    });
  };
  const claim = (now: Date, workerId = "w1", limit = 100): Promise<ClaimedMessage[]> =>
    ctx.repo().claim({ workerId, limit, now, leaseMs: 30_000 });
  const record = (now: Date, messages: ClaimedMessage[], overrides = {}, workerId = "w1") =>
    ctx.repo().record(
      messages.map((m) => deliveredAttempt(m, overrides)),
      { workerId, now, disableAfterMs: 5 * 24 * HOUR },
    );

  describe("routing", () => {
    it("delivers to wildcard subscriptions by leading segments, and lists them as subscribed", async () => {
      const calls = await webhook({ events: ["call.*"] });
      const ivr = await webhook({ events: ["ivr.*"] });
      expect((await trigger(WebhookEvent.CALL_ENDED)).deliveries).toBe(1);
      expect((await trigger(WebhookEvent.IVR_SESSION_STARTED)).deliveries).toBe(1);
      expect((await trigger(WebhookEvent.CONVERSATION_UPDATED)).deliveries).toBe(0);
      expect((await claim(at(0))).map((m) => [m.webhook_id, m.event])).toEqual([
        [calls.id, WebhookEvent.CALL_ENDED],
        [ivr.id, WebhookEvent.IVR_SESSION_STARTED],
      ]);
      const subscribed = await ctx.repo().getWebhooks({ user_id: ctx.userId(), event: "ivr.session.ended" });
      expect(subscribed.map((w) => w.id)).toEqual([ivr.id]);
    });

    it("sends a message only where the endpoint's and the event's channels meet; no channels means every message", async () => {
      const everything = await webhook();
      const eu = await webhook({ channels: ["eu", "staging"] });
      await webhook({ channels: ["us"] });
      expect((await trigger(WebhookEvent.CALL_STARTED, { channels: ["eu"] })).deliveries).toBe(2);
      expect((await trigger(WebhookEvent.CALL_STARTED)).deliveries).toBe(1);
      const claimed = await claim(at(0));
      expect(claimed.map((m) => m.webhook_id).sort()).toEqual([everything.id, eu.id, everything.id].sort());
    });

    it("keeps custom headers, channels and a rate limit, hands the headers to the claim, and clears with null", async () => {
      const created = await webhook({ headers: { "x-tenant": "acme" }, channels: ["eu"], rate_limit_per_second: 5 });
      expect(created).toMatchObject({ headers: { "x-tenant": "acme" }, channels: ["eu"], rate_limit_per_second: 5 });
      await trigger(WebhookEvent.CALL_STARTED, { channels: ["eu"] });
      expect((await claim(at(0)))[0]?.headers).toEqual({ "x-tenant": "acme" });
      const cleared = await ctx.repo().updateWebhook(created.id, {
        headers: {},
        channels: null,
        rate_limit_per_second: null,
      });
      expect(cleared).toMatchObject({ headers: {}, channels: null, rate_limit_per_second: null });
      expect((await webhook()).headers).toEqual({});
    });
  });

  describe("throttling", () => {
    it("claims at most rate_limit_per_second of a webhook's messages per second, across workers, in order", async () => {
      const slow = await webhook({ rate_limit_per_second: 3 });
      const fast = await webhook({ events: [WebhookEvent.CALL_ENDED] });
      for (let i = 0; i < 7; i++) await trigger(WebhookEvent.CALL_STARTED, { now: at(i) });
      await trigger(WebhookEvent.CALL_ENDED, { now: at(10) });

      const first = [...(await claim(at(100), "w1", 2)), ...(await claim(at(200), "w2")), ...(await claim(at(300)))];
      expect(first.filter((m) => m.webhook_id === slow.id)).toHaveLength(3);
      expect(first.filter((m) => m.webhook_id === fast.id)).toHaveLength(1);
      await record(at(300), first.filter((m) => m.webhook_id === slow.id).slice(0, 2), {}, "w1");

      const next = await claim(at(1_000), "w2");
      expect(next).toHaveLength(3);
      expect(await claim(at(1_999))).toEqual([]);
      const last = await claim(at(2_000));
      expect(last).toHaveLength(1);
      const pending = await ctx.repo().listMessages(slow.id, { limit: 10, status: "pending" });
      expect(pending).toEqual([]);
    });
  });

  describe("stats", () => {
    it("counts delivered and failed attempts per hour with latency percentiles, test pings left out", async () => {
      const created = await webhook();
      for (const [offset, ok, duration] of [
        [0, true, 10],
        [1, true, 30],
        [2, false, 50],
        [HOUR + 5, true, 7],
      ] as const) {
        await trigger(WebhookEvent.CALL_STARTED, { now: at(offset) });
        const [message] = await claim(at(offset));
        const outcome = ok ? {} : { status_code: 500, error: "HTTP 500", outcome: "failed" as const };
        await record(at(offset), [message!], { ...outcome, duration_ms: duration });
      }
      await ctx.repo().createWebhookLog({ webhook_id: created.id, event: TEST_EVENT, payload: {}, created_at: at(3) });

      const stats = await ctx.repo().getStats(created.id, T0, at(2 * HOUR), ctx.userId());
      expect(stats).toEqual([
        { hour: T0, delivered: 2, failed: 1, p50_ms: 30, p95_ms: 48, p99_ms: 49.6 },
        { hour: at(HOUR), delivered: 1, failed: 0, p50_ms: 7, p95_ms: 7, p99_ms: 7 },
      ]);
      expect(await ctx.repo().getStats(created.id, at(HOUR), at(2 * HOUR), ctx.userId())).toHaveLength(1);
      const stranger = "00000000-0000-4000-8000-000000000000";
      expect(await ctx.repo().getStats(created.id, T0, at(2 * HOUR), stranger)).toEqual([]);
    });
  });

  describe("operational events", () => {
    it("tells the owner's operational endpoint when a webhook is disabled and when a message is exhausted", async () => {
      const ops = await webhook({ events: ["endpoint.*", OperationalEvent.MESSAGE_ATTEMPT_EXHAUSTED], retry_count: 0 });
      const failing = await webhook({ retry_count: 0 });
      await trigger(WebhookEvent.CALL_STARTED);
      const [message] = await claim(at(0));
      await record(at(0), [message!], {
        status_code: 410,
        error: "HTTP 410",
        outcome: "failed",
        disable_reason: "the endpoint answered 410 Gone",
      });

      const reports = await claim(at(1));
      expect(reports.map((m) => [m.webhook_id, m.event]).sort()).toEqual(
        [
          [ops.id, OperationalEvent.ENDPOINT_DISABLED],
          [ops.id, OperationalEvent.MESSAGE_ATTEMPT_EXHAUSTED],
        ].sort(),
      );
      const data = Object.fromEntries(reports.map((m) => [m.event, JSON.parse(m.body).data]));
      expect(data[OperationalEvent.ENDPOINT_DISABLED]).toMatchObject({ endpoint_id: failing.id });
      expect(data[OperationalEvent.MESSAGE_ATTEMPT_EXHAUSTED]).toMatchObject({
        endpoint_id: failing.id,
        message_id: message!.id,
        event: WebhookEvent.CALL_STARTED,
      });

      // The operational endpoint failing for good does not report about itself.
      await record(at(2), reports, { status_code: 500, error: "HTTP 500", outcome: "failed" });
      expect(await claim(at(3))).toEqual([]);
    });
  });
}
