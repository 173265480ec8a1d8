/** The behaviour every WebhookRepository adapter must show: run once per adapter (memory, PGlite, Postgres). */
import { beforeEach, describe, expect, it } from "vitest";
import { isWebhookError } from "../errors.js";
import { WebhookEvent } from "../events.js";
import type { AttemptRecord, ClaimedMessage, LogPosition, NewWebhook, Webhook } from "../model.js";
import type { WebhookRepository } from "../repository.js";
import { deliveredAttempt } from "./attempts.js";
import { describeRoutingAndThrottling } from "./contract-routing.js";

export interface WebhookRepositoryFixture {
  /** A repository over an empty queue: every test starts from no webhooks and no messages. */
  // biome-ignore lint/suspicious/noExplicitAny: the suite never passes a transaction
  repository: WebhookRepository<any>;
  createUser(): Promise<string>;
  createAgent(userId: string): Promise<string>;
}

const T0 = new Date("2030-01-01T00:00:00.000Z");
const LEASE = 30_000;
const DAY = 24 * 60 * 60 * 1000;
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

function at(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

export function describeWebhookRepository(
  name: string,
  factory: () => WebhookRepositoryFixture | Promise<WebhookRepositoryFixture>,
): void {
  describe(`WebhookRepository contract: ${name}`, () => {
    let fx: WebhookRepositoryFixture;
    let repo: WebhookRepository<unknown>;
    let userId: string;

    beforeEach(async () => {
      fx = await factory();
      repo = fx.repository;
      userId = await fx.createUser();
    });

    function webhook(overrides: Partial<NewWebhook> = {}): Promise<Webhook> {
      return repo.createWebhook({
        user_id: userId,
        url: "https://example.com/hook",
        events: [WebhookEvent.CALL_STARTED],
        secret: SECRET,
        ...overrides,
      });
    }

    function trigger(
      event: string = WebhookEvent.CALL_STARTED,
      extra: { agent_id?: string; key?: string; user?: string; data?: unknown; now?: Date } = {},
    ) {
      const now = extra.now ?? T0;
      return repo.enqueue({
        user_id: extra.user ?? userId,
        agent_id: extra.agent_id ?? null,
        event,
        body: JSON.stringify({ type: event, timestamp: now.toISOString(), data: extra.data ?? { n: 1 } }),
        idempotency_key: extra.key ?? null,
        now,
      });
    }

    function claim(now: Date, workerId = "w1", limit = 100): Promise<ClaimedMessage[]> {
      return repo.claim({ workerId, limit, now, leaseMs: LEASE });
    }

    const result = deliveredAttempt;

    const failure = (message: ClaimedMessage, overrides: Partial<AttemptRecord> = {}) =>
      result(message, { status_code: 500, response_body: "boom", error: "HTTP 500", outcome: "failed", ...overrides });

    function recordAt(now: Date, attempts: AttemptRecord[], workerId = "w1", disableAfterMs = 5 * DAY) {
      return repo.record(attempts, { workerId, now, disableAfterMs });
    }

    describeRoutingAndThrottling({ repo: () => repo, userId: () => userId });

    describe("webhooks", () => {
      it("creates a webhook with the schema's defaults and reads it back", async () => {
        const created = await webhook();
        expect(created).toMatchObject({
          user_id: userId,
          agent_id: null,
          url: "https://example.com/hook",
          events: [WebhookEvent.CALL_STARTED],
          secret: SECRET,
          enabled: true,
          retry_count: 7,
          last_triggered_at: null,
          last_status: null,
          last_error: null,
        });
        expect(created.created_at).toBeInstanceOf(Date);
        expect(await repo.getWebhookById(created.id)).toEqual(created);
      });

      it("hides a webhook from another user", async () => {
        const created = await webhook();
        const other = await fx.createUser();
        expect(await repo.getWebhookById(created.id, other)).toBeNull();
        expect(await repo.getWebhookById(created.id, userId)).not.toBeNull();
      });

      it("refuses an agent that belongs to another user", async () => {
        const other = await fx.createUser();
        const foreignAgent = await fx.createAgent(other);
        const error = await webhook({ agent_id: foreignAgent }).catch((e: unknown) => e);
        expect(isWebhookError(error, "invalid_agent")).toBe(true);
        const ownAgent = await fx.createAgent(userId);
        expect((await webhook({ agent_id: ownAgent })).agent_id).toBe(ownAgent);
      });

      it("lists webhooks by user, agent, enabled state and event", async () => {
        const agent = await fx.createAgent(userId);
        const all = await webhook();
        const scoped = await webhook({ agent_id: agent, events: [WebhookEvent.CALL_ENDED] });
        const off = await webhook({ enabled: false });
        const other = await fx.createUser();
        await repo.createWebhook({ user_id: other, url: "https://x.test/h", events: ["call.started"], secret: SECRET });
        const ids = async (filters: Parameters<typeof repo.getWebhooks>[0]) =>
          (await repo.getWebhooks(filters)).map((w) => w.id).sort();
        expect(await ids({ user_id: userId })).toEqual([all.id, scoped.id, off.id].sort());
        expect(await ids({ user_id: userId, agent_id: agent })).toEqual([scoped.id]);
        expect(await ids({ user_id: userId, agent_id: null })).toEqual([all.id, off.id].sort());
        expect(await ids({ user_id: userId, enabled: false })).toEqual([off.id]);
        expect(await ids({ user_id: userId, event: WebhookEvent.CALL_ENDED })).toEqual([scoped.id]);
      });

      it("updates only the given fields, and only for the owner", async () => {
        const created = await webhook();
        const other = await fx.createUser();
        expect(await repo.updateWebhook(created.id, { enabled: false }, other)).toBeNull();
        const updated = await repo.updateWebhook(
          created.id,
          { url: "https://new.example.com/h", events: [WebhookEvent.CALL_ENDED], retry_count: 2 },
          userId,
        );
        expect(updated).toMatchObject({
          url: "https://new.example.com/h",
          events: [WebhookEvent.CALL_ENDED],
          retry_count: 2,
          enabled: true,
          secret: SECRET,
        });
        expect(await repo.getWebhookById(created.id)).toEqual(updated);
      });

      it("deletes a webhook once, only for the owner, with its pending messages", async () => {
        const created = await webhook();
        await trigger();
        const other = await fx.createUser();
        expect(await repo.deleteWebhook(created.id, other)).toBe(false);
        expect(await repo.deleteWebhook(created.id, userId)).toBe(true);
        expect(await repo.deleteWebhook(created.id)).toBe(false);
        expect(await repo.getWebhookById(created.id)).toBeNull();
        expect(await claim(at(1))).toEqual([]);
      });

      it("signs with both secrets after a rotation until the old one's window closes", async () => {
        const created = await webhook();
        const rotated = await repo.rotateSecret(created.id, OTHER_SECRET, at(DAY), userId);
        expect(rotated?.secret).toBe(OTHER_SECRET);
        expect(await repo.rotateSecret(created.id, SECRET, at(DAY), await fx.createUser())).toBeNull();
        await trigger();
        const [first] = await claim(at(0));
        expect(first!.secrets).toEqual([OTHER_SECRET, SECRET]);
        await recordAt(at(0), [failure(first!, { outcome: "retry", next_attempt_at: at(DAY) })]);
        const [second] = await claim(at(DAY));
        expect(second!.secrets).toEqual([OTHER_SECRET]);
      });

      it("answers the secrets a delivery is signed with now, for the owner only", async () => {
        const created = await webhook();
        expect(await repo.getSigningSecrets(created.id, at(0), userId)).toEqual([SECRET]);
        await repo.rotateSecret(created.id, OTHER_SECRET, at(DAY), userId);
        expect(await repo.getSigningSecrets(created.id, at(0), userId)).toEqual([OTHER_SECRET, SECRET]);
        expect(await repo.getSigningSecrets(created.id, at(0))).toEqual([OTHER_SECRET, SECRET]);
        expect(await repo.getSigningSecrets(created.id, at(DAY))).toEqual([OTHER_SECRET]);
        expect(await repo.getSigningSecrets(created.id, at(0), await fx.createUser())).toEqual([]);
      });
    });

    describe("logs", () => {
      it("writes an attempt, keeps last_* current and lists attempts newest first", async () => {
        const created = await webhook();
        await repo.createWebhookLog({
          webhook_id: created.id,
          event: "webhook.test",
          payload: { a: 1 },
          status_code: 500,
          error: "HTTP 500",
          created_at: at(0),
        });
        expect(await repo.getWebhookById(created.id)).toMatchObject({
          last_status: 500,
          last_error: "HTTP 500",
          last_triggered_at: at(0),
        });
        const ok = await repo.createWebhookLog({
          webhook_id: created.id,
          event: "webhook.test",
          payload: { a: 2 },
          status_code: 204,
          response_body: "",
          delivered_at: at(1000),
          created_at: at(1000),
        });
        expect(ok).toMatchObject({ attempt_number: 1, status_code: 204, payload: { a: 2 }, error: null });
        expect(await repo.getWebhookById(created.id)).toMatchObject({ last_status: 204, last_error: null });
        const logs = await repo.getWebhookLogs(created.id, 10);
        expect(logs.map((l) => l.payload)).toEqual([{ a: 2 }, { a: 1 }]);
        expect(await repo.getWebhookLogs(created.id, 1)).toHaveLength(1);
        expect(await repo.getWebhookLogs(created.id, 10, await fx.createUser())).toEqual([]);
      });

      it("pages logs after a position, each once, even when they share a millisecond", async () => {
        const created = await webhook();
        const log = (n: number, created_at?: Date) =>
          repo.createWebhookLog({ webhook_id: created.id, event: "webhook.test", payload: { n }, created_at });
        await log(1, at(0));
        await log(2, at(1000));
        await log(3, at(1000));
        // Written at the database's own time (microseconds on Postgres): the position a Date keeps still pages.
        await log(4);
        await log(5);
        const all = await repo.getWebhookLogs(created.id, 10);
        expect(all).toHaveLength(5);
        const seen: unknown[] = [];
        let before: LogPosition | undefined;
        for (;;) {
          const page = await repo.getWebhookLogs(created.id, 2, userId, before);
          if (page.length === 0) break;
          seen.push(...page.map((l) => l.payload));
          const last = page.at(-1)!;
          before = { created_at: last.created_at, attempt_number: last.attempt_number, id: last.id };
        }
        expect(seen).toEqual(all.map((l) => l.payload));
      });
    });

    describe("outbox", () => {
      it("writes one message per enabled webhook of the user subscribed to the event", async () => {
        const agent = await fx.createAgent(userId);
        const otherAgent = await fx.createAgent(userId);
        const all = await webhook();
        const mine = await webhook({ agent_id: agent });
        await webhook({ agent_id: otherAgent });
        await webhook({ enabled: false });
        await webhook({ events: [WebhookEvent.CALL_ENDED] });
        const stranger = await fx.createUser();
        await repo.createWebhook({
          user_id: stranger,
          url: "https://x.test/h",
          events: ["call.started"],
          secret: SECRET,
        });

        const forAgent = await trigger(WebhookEvent.CALL_STARTED, { agent_id: agent });
        expect(forAgent).toMatchObject({ deliveries: 2, duplicate: false });
        const claimed = await claim(at(0));
        expect(claimed.map((m) => m.webhook_id).sort()).toEqual([all.id, mine.id].sort());
        expect(claimed.every((m) => m.event_id === forAgent.event_id)).toBe(true);

        const noAgent = await trigger(WebhookEvent.CALL_STARTED);
        expect(noAgent.deliveries).toBe(1);
      });

      it("hands a claimed message everything needed to send it", async () => {
        const created = await webhook({ retry_count: 3 });
        await trigger();
        const [message] = await claim(at(0));
        expect(message).toMatchObject({
          webhook_id: created.id,
          event: WebhookEvent.CALL_STARTED,
          body: JSON.stringify({ type: WebhookEvent.CALL_STARTED, timestamp: T0.toISOString(), data: { n: 1 } }),
          attempt_number: 1,
          max_attempts: 4,
          url: created.url,
          secrets: [SECRET],
          enabled: true,
        });
        expect(await repo.getMessage(message!.id)).toMatchObject({ status: "sending", attempts: 1 });
      });

      it("treats a repeated idempotency key of the same user as a no-op", async () => {
        await webhook();
        const first = await trigger(WebhookEvent.CALL_STARTED, { key: "order-1" });
        const again = await trigger(WebhookEvent.CALL_STARTED, { key: "order-1" });
        expect(again).toEqual({ event_id: first.event_id, deliveries: 1, duplicate: true });
        expect(await claim(at(0))).toHaveLength(1);

        const other = await fx.createUser();
        const theirs = await trigger(WebhookEvent.CALL_STARTED, { key: "order-1", user: other });
        expect(theirs.duplicate).toBe(false);
        expect(theirs.event_id).not.toBe(first.event_id);
      });

      it("answers the same request again under its key as a duplicate, sent later or with its keys reordered", async () => {
        await webhook();
        const first = await trigger(WebhookEvent.CALL_STARTED, { key: "order-2", data: { a: 1, b: [2] } });
        const later = await trigger(WebhookEvent.CALL_STARTED, { key: "order-2", data: { b: [2], a: 1 }, now: at(5) });
        expect(later).toEqual({ event_id: first.event_id, deliveries: 1, duplicate: true });
      });

      it("refuses an idempotency key reused with another payload, event or agent, and writes nothing", async () => {
        const agent = await fx.createAgent(userId);
        await webhook({ events: [WebhookEvent.CALL_STARTED, WebhookEvent.CALL_ENDED] });
        await trigger(WebhookEvent.CALL_STARTED, { key: "order-3", data: { n: 1 } });
        const reused = async (run: () => Promise<unknown>) => {
          const error = await run().then(
            () => null,
            (e: unknown) => e,
          );
          expect(isWebhookError(error, "idempotency_key_reused")).toBe(true);
        };
        await reused(() => trigger(WebhookEvent.CALL_STARTED, { key: "order-3", data: { n: 2 } }));
        await reused(() => trigger(WebhookEvent.CALL_ENDED, { key: "order-3", data: { n: 1 } }));
        await reused(() => trigger(WebhookEvent.CALL_STARTED, { key: "order-3", data: { n: 1 }, agent_id: agent }));
        expect(await claim(at(0))).toHaveLength(1);
      });

      it("refuses only the conflicting one of two events sent at once with one key", async () => {
        await webhook();
        const outcomes = await Promise.allSettled([
          trigger(WebhookEvent.CALL_STARTED, { key: "order-4", data: { n: 1 } }),
          trigger(WebhookEvent.CALL_STARTED, { key: "order-4", data: { n: 2 } }),
          trigger(WebhookEvent.CALL_STARTED, { key: "order-5", data: { n: 3 } }),
        ]);
        // Whichever of the two came first wins; the other is refused.
        expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "fulfilled", "rejected"]);
        expect(outcomes[2]!.status).toBe("fulfilled");
        const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
        expect(isWebhookError(refused.reason, "idempotency_key_reused")).toBe(true);
        expect(await claim(at(0))).toHaveLength(2);
      });

      it("gives a message to one worker at a time, and to another once the lease expires", async () => {
        await webhook();
        await trigger();
        const [first, second] = await Promise.all([claim(at(0), "w1"), claim(at(0), "w2")]);
        expect(first!.length + second!.length).toBe(1);
        const message = (first![0] ?? second![0])!;
        expect(await claim(at(LEASE - 1), "w3")).toEqual([]);

        const [retaken] = await claim(at(LEASE), "w3");
        expect(retaken).toMatchObject({ id: message.id, attempt_number: 2 });
        const logs = await repo.getWebhookLogs(message.webhook_id);
        expect(logs).toHaveLength(1);
        expect(logs[0]).toMatchObject({ attempt_number: 1, status_code: null, delivered_at: null });
        expect(logs[0]!.error).toMatch(/lease expired/);
      });

      it("claims at most the limit, oldest due first, and nothing that is not due", async () => {
        await webhook();
        for (let i = 0; i < 3; i++) await trigger();
        expect(await repo.claim({ workerId: "w1", limit: 2, now: at(0), leaseMs: LEASE })).toHaveLength(2);
        expect(await repo.claim({ workerId: "w1", limit: 2, now: at(0), leaseMs: LEASE })).toHaveLength(1);
        expect(await repo.claim({ workerId: "w1", limit: 2, now: at(-1), leaseMs: LEASE })).toEqual([]);
      });

      it("records a delivery: message delivered, attempt logged, webhook status current", async () => {
        const created = await webhook();
        await trigger();
        const [message] = await claim(at(0));
        expect(await recordAt(at(5), [result(message!)])).toBe(1);
        expect(await repo.getMessage(message!.id)).toMatchObject({ status: "delivered", delivered_at: at(5) });
        const [log] = await repo.getWebhookLogs(created.id);
        expect(log).toMatchObject({
          event: WebhookEvent.CALL_STARTED,
          payload: { type: WebhookEvent.CALL_STARTED, data: { n: 1 } },
          status_code: 200,
          response_body: "ok",
          error: null,
          attempt_number: 1,
          delivered_at: at(5),
          created_at: at(5),
        });
        expect(await repo.getWebhookById(created.id)).toMatchObject({
          last_status: 200,
          last_error: null,
          last_triggered_at: at(5),
        });
        expect(await claim(at(DAY))).toEqual([]);
      });

      it("schedules a retry and hands the message out again only when it is due", async () => {
        const created = await webhook();
        await trigger();
        const [message] = await claim(at(0));
        await recordAt(at(0), [failure(message!, { outcome: "retry", next_attempt_at: at(5000) })]);
        expect(await repo.getMessage(message!.id)).toMatchObject({ status: "pending", due_at: at(5000) });
        expect(await repo.getWebhookById(created.id)).toMatchObject({ last_status: 500, last_error: "HTTP 500" });
        expect(await claim(at(4999))).toEqual([]);
        const [again] = await claim(at(5000));
        expect(again).toMatchObject({ id: message!.id, attempt_number: 2 });
      });

      it("ignores the record of a worker that lost its lease", async () => {
        const created = await webhook();
        await trigger();
        const [stale] = await claim(at(0), "slow");
        await claim(at(LEASE), "fast");
        expect(await recordAt(at(LEASE + 1), [result(stale!)], "slow")).toBe(0);
        expect(await repo.getMessage(stale!.id)).toMatchObject({ status: "sending", attempts: 2 });
        const logs = await repo.getWebhookLogs(created.id);
        expect(logs.map((l) => l.attempt_number)).toEqual([1]);
      });

      it("marks a message failed after its last attempt", async () => {
        await webhook({ retry_count: 0 });
        await trigger();
        const [message] = await claim(at(0));
        await recordAt(at(0), [failure(message!)]);
        expect(await repo.getMessage(message!.id)).toMatchObject({ status: "failed", last_error: "HTTP 500" });
        expect(await claim(at(DAY))).toEqual([]);
      });

      it("disables a webhook the worker says is gone", async () => {
        const created = await webhook();
        await trigger();
        const [message] = await claim(at(0));
        await recordAt(at(0), [
          failure(message!, { status_code: 410, disable_reason: "the endpoint answered 410 Gone" }),
        ]);
        const after = await repo.getWebhookById(created.id);
        expect(after?.enabled).toBe(false);
        expect(after?.last_error).toMatch(/disabled.*410 Gone/);
      });

      it("disables a webhook whose attempts all failed for the configured span, not before", async () => {
        const created = await webhook();
        const attempt = async (now: Date, ok: boolean) => {
          await trigger();
          const [message] = await claim(now);
          await recordAt(now, [ok ? result(message!) : failure(message!)], "w1", 2 * DAY);
        };
        await attempt(at(0), false);
        await attempt(at(DAY), false);
        await attempt(at(DAY + 1), true);
        await attempt(at(2 * DAY), false);
        await attempt(at(3 * DAY + 1), false);
        expect((await repo.getWebhookById(created.id))?.enabled).toBe(true);
        await attempt(at(4 * DAY), false);
        const after = await repo.getWebhookById(created.id);
        expect(after?.enabled).toBe(false);
        expect(after?.last_error).toMatch(/^disabled: every attempt failed since/);
      });

      it("recovers failed messages created since a time, with one more attempt each", async () => {
        const created = await webhook({ retry_count: 0 });
        await trigger();
        const [old] = await claim(at(0));
        await recordAt(at(0), [failure(old!)]);
        await repo.enqueue({
          user_id: userId,
          agent_id: null,
          event: WebhookEvent.CALL_STARTED,
          body: "{}",
          idempotency_key: null,
          now: at(DAY),
        });
        const [recent] = await claim(at(DAY));
        await recordAt(at(DAY), [failure(recent!)]);

        expect(await repo.recover(created.id, at(DAY), at(2 * DAY), await fx.createUser())).toBe(0);
        expect(await repo.recover(created.id, at(DAY), at(2 * DAY), userId)).toBe(1);
        expect(await repo.getMessage(recent!.id)).toMatchObject({ status: "pending", max_attempts: 2 });
        expect(await repo.getMessage(old!.id)).toMatchObject({ status: "failed" });
        const [retried] = await claim(at(2 * DAY));
        expect(retried).toMatchObject({ id: recent!.id, attempt_number: 2, max_attempts: 2 });
      });

      it("replays a delivered message under the same id, but not one being sent", async () => {
        await webhook();
        await trigger();
        const [message] = await claim(at(0));
        expect(await repo.replay(message!.id, at(1))).toBeNull();
        await recordAt(at(0), [result(message!)]);
        expect(await repo.replay(message!.id, at(1), await fx.createUser())).toBeNull();
        const replayed = await repo.replay(message!.id, at(1), userId);
        expect(replayed).toMatchObject({ id: message!.id, status: "pending", delivered_at: null, max_attempts: 2 });
        const [again] = await claim(at(1));
        expect(again).toMatchObject({ id: message!.id, attempt_number: 2 });
      });

      it("lists a webhook's messages newest first, by status and page by page, only to their owner", async () => {
        const created = await webhook();
        // A second webhook gets a message per event too: none of them may show in the first one's list.
        await webhook();
        const times = [0, 1000, 1000, 2000];
        for (const [i, ms] of times.entries()) {
          await repo.enqueue({
            user_id: userId,
            agent_id: null,
            event: WebhookEvent.CALL_STARTED,
            body: JSON.stringify({ n: i }),
            idempotency_key: null,
            now: at(ms),
          });
        }
        // At 0 one message per webhook is due: both are delivered, the rest stay pending.
        const firsts = await claim(at(0));
        await recordAt(
          at(0),
          firsts.map((m) => result(m)),
        );
        const first = firsts.find((m) => m.webhook_id === created.id)!;

        const all = await repo.listMessages(created.id, { limit: 10 });
        expect(all).toHaveLength(4);
        expect(all.every((m) => m.webhook_id === created.id)).toBe(true);
        const order = all.map((m) => [m.created_at.getTime(), m.id] as const);
        const sorted = [...order].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : -1));
        expect(order).toEqual(sorted);

        const page1 = await repo.listMessages(created.id, { limit: 2 }, userId);
        const last = page1.at(-1)!;
        const page2 = await repo.listMessages(created.id, { limit: 2, after: last }, userId);
        expect([...page1, ...page2].map((m) => m.id)).toEqual(all.map((m) => m.id));
        expect(await repo.listMessages(created.id, { limit: 2, after: page2.at(-1)! })).toEqual([]);

        const delivered = await repo.listMessages(created.id, { limit: 10, status: "delivered" });
        expect(delivered.map((m) => [m.id, m.status])).toEqual([[first.id, "delivered"]]);
        expect(await repo.listMessages(created.id, { limit: 10, status: "pending" })).toHaveLength(3);
        expect(await repo.listMessages(created.id, { limit: 10 }, await fx.createUser())).toEqual([]);
      });

      it("gives a message's logged attempts in order, a lease-expired one included, only to its owner", async () => {
        await webhook();
        await trigger();
        await trigger();
        const [message, bystander] = await claim(at(0));
        await recordAt(at(0), [result(bystander!)]);
        await claim(at(LEASE), "w2");
        await recordAt(at(LEASE), [failure({ ...message!, attempt_number: 2 }, { outcome: "retry" })], "w2");
        const attempts = await repo.getMessageAttempts(message!.id, userId);
        expect(attempts.map((a) => [a.attempt_number, a.status_code])).toEqual([
          [1, null],
          [2, 500],
        ]);
        expect(attempts[0]!.error).toMatch(/lease expired/);
        expect(await repo.getMessageAttempts(bystander!.id)).toHaveLength(1);
        expect(await repo.getMessageAttempts(message!.id, await fx.createUser())).toEqual([]);
      });

      it("reports queue depth and the age of the oldest due message", async () => {
        expect(await repo.queueStats(at(0))).toEqual({ depth: 0, due: 0, oldest_due_age_ms: 0 });
        await webhook();
        await trigger();
        await trigger();
        const [message] = await claim(at(0), "w1", 1);
        await recordAt(at(0), [failure(message!, { outcome: "retry", next_attempt_at: at(DAY) })]);
        expect(await repo.queueStats(at(2000))).toEqual({ depth: 2, due: 1, oldest_due_age_ms: 2000 });
      });

      it("purges finished events older than the cutoff, oldest first, never one still being delivered", async () => {
        await webhook();
        const enqueueAt = (ms: number) =>
          repo.enqueue({
            user_id: userId,
            agent_id: null,
            event: WebhookEvent.CALL_STARTED,
            body: "{}",
            idempotency_key: `k${ms}`,
            now: at(ms),
          });
        const oldest = await enqueueAt(0);
        const older = await enqueueAt(1);
        await enqueueAt(DAY);
        const claimed = await claim(at(1));
        const first = claimed.find((m) => m.event_id === oldest.event_id)!;
        await recordAt(at(1), [result(first)]);

        // The second event's message is still being sent: it stays whatever its age.
        expect(await repo.purgeEvents(at(DAY), 10)).toBe(1);
        expect(await repo.getMessage(first.id)).toBeNull();
        const second = claimed.find((m) => m.event_id === older.event_id)!;
        expect(await repo.getMessage(second.id)).toMatchObject({ status: "sending" });
        // A purged event's idempotency key is forgotten.
        expect((await enqueueAt(0)).duplicate).toBe(false);
        await recordAt(at(2), [failure(second)]);
        // Now failed, it goes; the event just re-created with that key is pending and stays, as does the newest.
        expect(await repo.purgeEvents(at(DAY), 1)).toBe(1);
        expect(await repo.getMessage(second.id)).toBeNull();
        expect(await repo.purgeEvents(at(DAY), 10)).toBe(0);
      });

      it("flags the messages of a disabled webhook so the worker fails them without sending", async () => {
        const created = await webhook();
        await trigger();
        await repo.updateWebhook(created.id, { enabled: false });
        const [message] = await claim(at(0));
        expect(message?.enabled).toBe(false);
      });
    });
  });
}
