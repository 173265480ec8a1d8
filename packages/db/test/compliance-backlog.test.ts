// Retention on a large backlog (Postgres only): 200k expired webhook logs go in bounded batches while live
// traffic writes, reads and even holds a lock on the same table, and the clean-up never waits for it.
import { type RetentionRepository, RetentionService } from "@vx/compliance";
import { createPostgresTestDatabase, createUser, type TestDatabase, testPostgresUrl } from "@vx/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgRetentionRepository, runCleanup } from "../src/index.js";

const serverUrl = testPostgresUrl();
const BACKLOG = 200_000;
const BATCH = 5_000;

describe.skipIf(!serverUrl)(
  `retention of a large backlog [postgres${serverUrl ? "" : ": SKIPPED, set TEST_DATABASE_URL to run"}]`,
  () => {
    let testDb: TestDatabase | undefined;
    beforeAll(async () => {
      testDb = await createPostgresTestDatabase(serverUrl!);
    }, 120_000);
    afterAll(async () => {
      await testDb?.drop();
    }, 60_000);

    it("deletes 200k expired webhook logs in batches while live inserts, reads and a held row lock go on", async () => {
      const db = testDb!.db;
      const userId = await createUser(db);
      const { rows } = await db.query<{ id: string }>(
        "INSERT INTO webhooks (user_id, url, events, secret) VALUES ($1, 'https://example.com/h', '{call.ended}', 'whsec_0123456789abcdef') RETURNING id",
        [userId],
      );
      const webhookId = rows[0]!.id;
      await db.query(
        `INSERT INTO webhook_logs (webhook_id, event, payload, created_at)
         SELECT $1, 'call.ended', jsonb_build_object('n', g), now() - interval '200 days' - g * interval '1 second'
           FROM generate_series(1, $2::int) AS g`,
        [webhookId, BACKLOG],
      );
      const liveLog = (n: number) =>
        db.query("INSERT INTO webhook_logs (webhook_id, event, payload) VALUES ($1, 'call.started', $2)", [
          webhookId,
          { live: n },
        ]);
      const liveCount = async () =>
        (
          await db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM webhook_logs WHERE webhook_id = $1 AND payload ? 'live'",
            [webhookId],
          )
        ).rows[0]!.n;

      // Live traffic holds one expired row locked for the whole clean-up: a single big DELETE would wait for it forever.
      const holder = await db.pool.connect();
      await holder.query("BEGIN");
      const held = (
        await holder.query<{ id: string }>(
          "SELECT id FROM webhook_logs WHERE webhook_id = $1 ORDER BY created_at LIMIT 1 FOR UPDATE",
          [webhookId],
        )
      ).rows[0]!.id;

      // Between two batches, live work must get through: nothing stays locked from one batch to the next.
      const inner = new PgRetentionRepository(db);
      let batches = 0;
      const betweenBatches: number[] = [];
      const repository: RetentionRepository = {
        async deleteExpiredBatch(target, cutoff, limit) {
          const n = await inner.deleteExpiredBatch(target, cutoff, limit);
          if (target === "webhook_logs" && ++batches === 2) {
            await liveLog(-1);
            betweenBatches.push(await liveCount());
          }
          return n;
        },
      };

      let done = false;
      const cleanup = new RetentionService({ repository, now: () => new Date(), batchSize: BATCH })
        .cleanup()
        .finally(() => {
          done = true;
        });
      let liveWrites = 0;
      const live = (async () => {
        while (!done) {
          await liveLog(liveWrites);
          liveWrites++;
          await liveCount();
        }
      })();
      const report = await cleanup;
      await live;
      await holder.query("COMMIT");
      holder.release();

      const webhookLogs = report.targets.find((t) => t.target === "webhook_logs")!;
      expect(webhookLogs).toMatchObject({ deleted: BACKLOG - 1, complete: true });
      expect(webhookLogs.batches).toBeGreaterThanOrEqual(BACKLOG / BATCH);
      expect(betweenBatches).toHaveLength(1);
      expect(betweenBatches[0]).toBeGreaterThanOrEqual(1);
      expect(liveWrites).toBeGreaterThan(0);
      expect(await liveCount()).toBe(liveWrites + 1);
      expect((await db.query("SELECT 1 FROM webhook_logs WHERE id = $1", [held])).rowCount).toBe(1);

      // The row that was held goes on the next run.
      const next = await runCleanup(db, { batchSize: BATCH });
      expect(next.targets.find((t) => t.target === "webhook_logs")).toMatchObject({ deleted: 1, batches: 1 });
      expect((await db.query("SELECT 1 FROM webhook_logs WHERE id = $1", [held])).rowCount).toBe(0);
    }, 60_000);
  },
);
