// The delivery functions keep looking rows up by key after their plans were cached on empty tables (a fresh
// install, a pool connection opened before traffic): PL/pgSQL reuses a generic plan made when a table looked like
// 10 pages, and a hash join over a sequential scan would then read the whole queue on every call until the next
// autoanalyze. Counted with pg_stat_xact_user_tables inside one transaction on one connection.
import { PgWebhookRepository } from "@vx/db";
import { createUser, describeDatabases } from "@vx/db/testing";
import { deliveredAttempt } from "@vx/webhooks/testing";
import { expect, it } from "vitest";
import type { Queryable } from "../src/queryable.js";
import { sql } from "../src/webhooks/sql.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TABLES = ["webhook_events", "webhook_messages", "webhook_logs", "webhooks"];

describeDatabases("delivery plans cached on empty tables", ({ db }) => {
  async function seqScans(tx: Queryable): Promise<Record<string, number>> {
    const { rows } = await tx.query<{ relname: string; seq_scan: string }>(
      "SELECT relname, seq_scan FROM pg_stat_xact_user_tables WHERE schemaname = 'public' AND relname = ANY ($1)",
      [TABLES],
    );
    return Object.fromEntries(rows.map((r) => [r.relname, Number(r.seq_scan)]));
  }

  /** Enqueues `events` in one batch statement, claims them and records them delivered. */
  async function cycle(tx: Queryable, repo: PgWebhookRepository, user: string, events: number): Promise<number> {
    const now = new Date();
    const fill = <T>(value: T) => Array.from({ length: events }, () => value);
    await tx.query(sql.enqueueBatch, [
      fill(user),
      fill(null),
      fill("call.started"),
      fill('{"type":"call.started"}'),
      fill(null),
      fill(now),
    ]);
    const claimed = await repo.claim({ workerId: "w1", limit: events, now, leaseMs: 30_000 });
    return repo.record(
      claimed.map((m) => deliveredAttempt(m)),
      { workerId: "w1", now, disableAfterMs: 60_000 },
    );
  }

  it("enqueue, claim and record scan no table after the queue grows", async () => {
    await db().transaction(async (tx) => {
      const repo = new PgWebhookRepository(tx);
      const user = await createUser(tx);
      await repo.createWebhook({
        user_id: user,
        url: "https://example.com/h",
        events: ["call.started"],
        secret: SECRET,
      });
      // More than 5 calls on small tables: PL/pgSQL switches to the generic plan, which it then keeps.
      for (let i = 0; i < 8; i++) expect(await cycle(tx, repo, user, 3)).toBe(3);

      // The queue grows (delivered history, as in production) without an ANALYZE in between.
      await tx.query(
        `WITH e AS (
           INSERT INTO public.webhook_events (user_id, event, body)
           SELECT $1, 'call.started', '{"n":' || i || '}' FROM generate_series(1, 5000) AS i RETURNING id, created_at
         )
         INSERT INTO public.webhook_messages (event_id, webhook_id, user_id, event, status, attempts, max_attempts,
           due_at, delivered_at)
         SELECT e.id, w.id, $1, 'call.started', 'delivered', 1, 8, e.created_at, e.created_at
         FROM e CROSS JOIN public.webhooks w WHERE w.user_id = $1`,
        [user],
      );

      const before = await seqScans(tx);
      expect(await cycle(tx, repo, user, 5)).toBe(5);
      const after = await seqScans(tx);
      const grown = TABLES.filter((t) => t !== "webhooks").map((t) => [t, (after[t] ?? 0) - (before[t] ?? 0)]);
      expect(Object.fromEntries(grown)).toEqual({ webhook_events: 0, webhook_messages: 0, webhook_logs: 0 });
    });
  });
});
