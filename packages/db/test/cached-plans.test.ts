// The hot functions (webhook enqueue, claim and record; API-key verification) keep looking rows up by key after
// their plans were cached on empty tables (a fresh install, a pool connection opened before traffic): PL/pgSQL reuses
// a generic plan made when a table looked like 10 pages, and a hash join over a sequential scan would then read the
// whole table on every call until the next autoanalyze. Counted with pg_stat_xact_user_tables inside one
// transaction on one connection. The record also must not reach its messages through the due index, whose size is the
// backlog's.
import { PgWebhookRepository } from "@vx/db";
import { createUser, describeDatabases } from "@vx/db/testing";
import { deliveredAttempt } from "@vx/webhooks/testing";
import { expect, it } from "vitest";
import * as keySql from "../src/api-keys/queries.js";
import type { Queryable } from "../src/queryable.js";
import { sql } from "../src/webhooks/sql.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

type TableCounter = "seq_scan" | "idx_tup_fetch";

/** A counter of each table so far in this transaction. */
async function counters(tx: Queryable, counter: TableCounter, tables: string[]): Promise<Record<string, number>> {
  const { rows } = await tx.query<{ relname: string; n: string }>(
    `SELECT relname, ${counter} AS n FROM pg_stat_xact_user_tables WHERE schemaname = 'public' AND relname = ANY ($1)`,
    [tables],
  );
  return Object.fromEntries(tables.map((t) => [t, Number(rows.find((r) => r.relname === t)?.n ?? 0)]));
}

/** How much `counter` grew for each of `tables` while `work` ran. */
async function countedDuring(tx: Queryable, counter: TableCounter, tables: string[], work: () => Promise<unknown>) {
  const before = await counters(tx, counter, tables);
  await work();
  const after = await counters(tx, counter, tables);
  return Object.fromEntries(tables.map((t) => [t, after[t]! - before[t]!]));
}

/** Sequential scans of `tables` while `work` ran. */
const scansDuring = (tx: Queryable, tables: string[], work: () => Promise<unknown>) =>
  countedDuring(tx, "seq_scan", tables, work);

/** Rows of `table` fetched through an index (plain or bitmap) while `work` ran. */
const rowsFetchedDuring = async (tx: Queryable, table: string, work: () => Promise<unknown>) =>
  (await countedDuring(tx, "idx_tup_fetch", [table], work))[table]!;

describeDatabases("plans cached on empty tables", ({ db }) => {
  /** Enqueues `events` in one batch statement, due now. */
  async function enqueue(tx: Queryable, user: string, events: number): Promise<void> {
    const fill = <T>(value: T) => Array.from({ length: events }, () => value);
    await tx.query(sql.enqueueBatch, [
      fill(user),
      fill(null),
      fill("call.started"),
      fill('{"type":"call.started"}'),
      fill(null),
      fill(new Date()),
      null, // no channels
    ]);
  }

  /** Enqueues `events`, claims them and records them delivered. */
  async function cycle(tx: Queryable, repo: PgWebhookRepository, user: string, events: number): Promise<number> {
    await enqueue(tx, user, events);
    const now = new Date();
    const claimed = await repo.claim({ workerId: "w1", limit: events, now, leaseMs: 30_000 });
    return repo.record(
      claimed.map((m) => deliveredAttempt(m)),
      { workerId: "w1", now, disableAfterMs: 60_000 },
    );
  }

  /**
   * A user with one webhook, after more than 5 cycles on small tables: PL/pgSQL has switched to the generic plans,
   * which it then keeps.
   */
  async function queueWithCachedPlans(tx: Queryable): Promise<{ repo: PgWebhookRepository; user: string }> {
    const repo = new PgWebhookRepository(tx);
    const user = await createUser(tx);
    await repo.createWebhook({ user_id: user, url: "https://example.com/h", events: ["call.started"], secret: SECRET });
    for (let i = 0; i < 8; i++) expect(await cycle(tx, repo, user, 3)).toBe(3);
    return { repo, user };
  }

  /** 5,000 more messages for the user's webhook, without an ANALYZE: delivered ones, or pending ones due in a day. */
  async function addMessages(tx: Queryable, user: string, status: "delivered" | "pending"): Promise<void> {
    await tx.query(
      `WITH e AS (
         INSERT INTO public.webhook_events (user_id, event, body)
         SELECT $1, 'call.started', '{"n":' || i || '}' FROM generate_series(1, 5000) AS i RETURNING id, created_at
       )
       INSERT INTO public.webhook_messages (event_id, webhook_id, user_id, event, status, attempts, max_attempts,
         due_at, delivered_at)
       SELECT e.id, w.id, $1, 'call.started', $2, 1, 8,
         CASE $2 WHEN 'delivered' THEN e.created_at ELSE now() + interval '1 day' END,
         CASE $2 WHEN 'delivered' THEN e.created_at END
       FROM e CROSS JOIN public.webhooks w WHERE w.user_id = $1`,
      [user, status],
    );
  }

  it("enqueue, claim and record scan no table after the queue grows", async () => {
    await db().transaction(async (tx) => {
      const { repo, user } = await queueWithCachedPlans(tx);
      // The queue grows (delivered history, as in production).
      await addMessages(tx, user, "delivered");

      const scans = await scansDuring(tx, ["webhook_events", "webhook_messages", "webhook_logs"], async () => {
        expect(await cycle(tx, repo, user, 5)).toBe(5);
      });
      expect(scans).toEqual({ webhook_events: 0, webhook_messages: 0, webhook_logs: 0 });
    });
  });

  it("record looks its messages up by id, however many messages are due", async () => {
    await db().transaction(async (tx) => {
      const { repo, user } = await queueWithCachedPlans(tx);
      // A backlog builds up (an endpoint was down: 5,000 messages wait for their next attempt tomorrow).
      await addMessages(tx, user, "pending");
      await enqueue(tx, user, 1);
      const claimed = await repo.claim({ workerId: "w1", limit: 5, now: new Date(), leaseMs: 30_000 });
      expect(claimed).toHaveLength(1);

      const fetched = await rowsFetchedDuring(tx, "webhook_messages", () =>
        repo.record([deliveredAttempt(claimed[0]!)], { workerId: "w1", now: new Date(), disableAfterMs: 60_000 }),
      );
      // A few lookups by primary key; reading the due index would fetch the whole backlog.
      expect(fetched).toBeLessThan(20);
    });
  });

  it("API-key verification, one key or a batch, scans no table after the keys grow", async () => {
    await db().transaction(async (tx) => {
      const user = await createUser(tx);
      // Key n: prefix vx_ and 7 hex digits, hash 64 hex digits; n = 0 is the key verified below.
      const hash = (n: number) => n.toString(16).padStart(64, "0");
      const insertKeys = (from: number, to: number, rateLimit: number | null) =>
        tx.query(
          `INSERT INTO public.api_keys (user_id, name, key_prefix, key_hash, rate_limit, scopes)
           SELECT $1, 'key ' || i, 'vx_' || lpad(to_hex(i), 7, '0'), lpad(to_hex(i), 64, '0'), $4, '{*}'
           FROM generate_series($2::integer, $3::integer) AS i`,
          [user, from, to, rateLimit],
        );
      await insertKeys(0, 0, null);
      await insertKeys(1, 1, 1_000_000);
      const verify = async () => {
        const now = new Date();
        const one = await tx.query<{ code: string }>(keySql.verifyKey, [hash(0), [], 1, "", now]);
        const batch = await tx.query<{ code: string }>(keySql.verifyKeys, [
          [hash(0), hash(1)],
          ["", ""],
          [1, 1],
          ["", ""],
          now,
        ]);
        expect([...one.rows, ...batch.rows].map((r) => r.code)).toEqual(["VALID", "VALID", "VALID"]);
      };
      for (let i = 0; i < 8; i++) await verify();

      await insertKeys(2, 5001, null);
      const scans = await scansDuring(tx, ["api_keys", "api_key_usage_hourly", "api_key_identities"], verify);
      expect(scans).toEqual({ api_keys: 0, api_key_usage_hourly: 0, api_key_identities: 0 });
    });
  });
});
