// Enqueues made at the same time on a pool share statements (vx_webhook_enqueue_batch), with the answers each would
// get alone: idempotency keys (also within one batch), per-event fan-out, and one bad event failing alone.
import { randomUUID } from "node:crypto";
import { type Database, PgWebhookRepository } from "@vx/db";
import { createUser, describeDatabases } from "@vx/db/testing";
import type { EnqueueInput } from "@vx/webhooks";
import { expect, it } from "vitest";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describeDatabases("batched enqueue", ({ db }) => {
  async function setup() {
    const repo = new PgWebhookRepository(db());
    const user = await createUser(db());
    for (const events of [["call.started"], ["call.started", "call.ended"]]) {
      await repo.createWebhook({ user_id: user, url: "https://example.com/h", events, secret: SECRET });
    }
    const input = (event: string, key: string | null = null, userId = user): EnqueueInput => ({
      user_id: userId,
      agent_id: null,
      event,
      body: JSON.stringify({ type: event, key }),
      idempotency_key: key,
      now: new Date(),
    });
    return { repo, user, input };
  }

  /** Statements each named operation ran while `work` did. */
  async function counting<T>(work: () => Promise<T>): Promise<{ result: T; ran: Record<string, number> }> {
    const ran: Record<string, number> = {};
    const stop = (db() as Database).observeQueries(({ operation }) => {
      ran[operation] = (ran[operation] ?? 0) + 1;
    });
    try {
      return { result: await work(), ran };
    } finally {
      stop();
    }
  }

  it("answers each of many concurrent events as if alone, in fewer statements than events", async () => {
    const { repo, input } = await setup();
    const inputs = [
      ...Array.from({ length: 30 }, (_, i) => input(i % 2 ? "call.started" : "call.ended")),
      input("call.started", "same-key"),
      input("call.started", "same-key"),
    ];
    const { result, ran } = await counting(() => Promise.all(inputs.map((i) => repo.enqueue(i))));
    expect(result.slice(0, 30).map((r) => r.deliveries)).toEqual(
      inputs.slice(0, 30).map((i) => (i.event === "call.started" ? 2 : 1)),
    );
    expect(result.slice(0, 30).every((r) => !r.duplicate)).toBe(true);
    expect(new Set(result.map((r) => r.event_id)).size).toBe(31);
    const [first, again] = result.slice(30);
    expect(again).toEqual({ event_id: first!.event_id, deliveries: 2, duplicate: true });
    expect(first!.duplicate).toBe(false);
    const statements = (ran.vx_webhook_enqueue_batch ?? 0) + (ran.vx_webhook_enqueue ?? 0);
    expect(ran.vx_webhook_enqueue_batch).toBeGreaterThan(0);
    expect(statements).toBeLessThan(inputs.length);
    const { rows } = await db().query<{ n: string }>(
      "SELECT count(*) AS n FROM webhook_messages m JOIN webhook_events e ON e.id = m.event_id WHERE e.id = ANY ($1)",
      [result.map((r) => r.event_id)],
    );
    expect(Number(rows[0]!.n)).toBe(15 * 2 + 15 + 2);
  });

  it("keeps callers that trigger again as soon as they are answered in one batch per round", async () => {
    const { repo, input } = await setup();
    const lanes = 16;
    const rounds = 6;
    const { ran } = await counting(() =>
      Promise.all(
        Array.from({ length: lanes }, async () => {
          for (let i = 0; i < rounds; i++) await repo.enqueue(input("call.ended"));
        }),
      ),
    );
    // One statement per round: a lane answered first must not go alone while the others are a tick behind.
    expect(ran.vx_webhook_enqueue ?? 0).toBe(0);
    expect(ran.vx_webhook_enqueue_batch).toBeLessThanOrEqual(rounds + 1);
  });

  it("fails only the event that cannot be written; the others of its batch are enqueued", async () => {
    const { repo, input } = await setup();
    const good = Array.from({ length: 10 }, () => input("call.started"));
    const bad = input("call.started", null, randomUUID());
    const settled = await Promise.allSettled(
      [...good, bad, ...good.map(() => input("call.ended"))].map((i) => repo.enqueue(i)),
    );
    expect(settled.filter((s) => s.status === "rejected")).toHaveLength(1);
    expect(settled[10]!.status).toBe("rejected");
    const ok = settled.filter((s) => s.status === "fulfilled").map((s) => s.value);
    expect(ok.map((r) => r.deliveries)).toEqual([...good.map(() => 2), ...good.map(() => 1)]);
  });

  it("joins the caller's transaction instead of batching when one is given", async () => {
    const { repo, input } = await setup();
    await expect(
      db().transaction(async (tx) => {
        await Promise.all(["k1", "k2"].map((key) => repo.enqueue(input("call.started", key), tx)));
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    // Rolled back with the caller: the keys are unused.
    const again = await Promise.all(["k1", "k2"].map((key) => repo.enqueue(input("call.started", key))));
    expect(again.map((r) => r.duplicate)).toEqual([false, false]);
  });
});
