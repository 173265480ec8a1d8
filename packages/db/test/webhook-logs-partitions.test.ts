// webhook_logs partitioned by month (migration 017): months made ahead, expired months dropped whole, reads across
// every partition through RLS, and the online path that turns an existing table into the first partition.
import { randomBytes } from "node:crypto";
import {
  createMonthPartitions,
  type Database,
  listMigrationFiles,
  listPartitions,
  migrate,
  openDatabase,
  PgRetentionRepository,
  prepareWebhookLogsPartitioning,
} from "@vx/db";
import { createUser, describeDatabases, runOnServer, testPostgresUrl, withDatabase } from "@vx/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const DAY = 24 * 60 * 60 * 1000;
/** The first instant of the UTC month `months` after the current one. */
const monthStart = (months: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 1));
};
const monthName = (at: Date) =>
  `vx_partitions.webhook_logs_${at.getUTCFullYear()}_${String(at.getUTCMonth() + 1).padStart(2, "0")}`;

async function createWebhook(db: Database, userId: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    "INSERT INTO webhooks (user_id, url, events, secret) VALUES ($1, 'https://example.com/h', '{call.started}', " +
      "'whsec_0123456789abcdef') RETURNING id",
    [userId],
  );
  return rows[0]!.id;
}

async function addLogs(db: Database, webhookId: string, times: Date[]): Promise<void> {
  await db.query(
    "INSERT INTO webhook_logs (webhook_id, event, created_at) SELECT $1, 'call.started', t FROM unnest($2::timestamptz[]) t",
    [webhookId, times],
  );
}

/** Where each of the webhook's logs is stored, oldest first. */
async function partitionsOf(db: Database, webhookId: string): Promise<string[]> {
  const { rows } = await db.query<{ p: string }>(
    "SELECT tableoid::regclass::text AS p FROM webhook_logs WHERE webhook_id = $1 ORDER BY created_at",
    [webhookId],
  );
  return rows.map((r) => r.p);
}

describeDatabases("webhook_logs partitioned by month", ({ db }) => {
  it("has this month and the next three made by the migration, before them the old table, last a default", async () => {
    const names = (await listPartitions(db(), "webhook_logs")).map((p) => p.name);
    expect(names[0]).toBe(`vx_partitions.webhook_logs_before_${monthName(monthStart(1)).slice(-7)}`);
    expect(names.slice(1, -1)).toEqual([1, 2, 3].map((n) => monthName(monthStart(n))));
    expect(names.at(-1)).toBe("vx_partitions.webhook_logs_default");
  });

  it("creates coming months ahead, and moves a log that arrived early into its month", async () => {
    const webhook = await createWebhook(db(), await createUser(db()));
    const early = new Date(monthStart(7).getTime() + 3 * DAY);
    await addLogs(db(), webhook, [early]);
    expect(await partitionsOf(db(), webhook)).toEqual(["vx_partitions.webhook_logs_default"]);

    expect(await createMonthPartitions(db(), "webhook_logs", new Date(), 8)).toBe(5);
    expect(await partitionsOf(db(), webhook)).toEqual([monthName(monthStart(7))]);
    expect(await createMonthPartitions(db(), "webhook_logs", new Date(), 8)).toBe(0);
  });

  it("reads logs of every partition newest first through RLS, and never a partition directly", async () => {
    const [alice, bob] = [await createUser(db()), await createUser(db())];
    const webhook = await createWebhook(db(), alice);
    const times = [new Date(Date.now() - 40 * DAY), monthStart(2), new Date(monthStart(30).getTime() + DAY)];
    await addLogs(db(), webhook, times);
    const read = (userId: string) =>
      db().asUser(userId, async (tx) => {
        const { rows } = await tx.query<{ created_at: Date }>(
          "SELECT created_at FROM vx_webhook_logs($1, $2, 10, NULL, NULL, NULL)",
          [webhook, userId],
        );
        return rows.map((r) => r.created_at.toISOString());
      });
    expect(await read(alice)).toEqual(times.map((t) => t.toISOString()).reverse());
    expect(await db().asUser(bob, async (tx) => (await tx.query("SELECT 1 FROM webhook_logs")).rowCount)).toBe(0);
    const direct = db().asUser(alice, (tx) => tx.query("SELECT 1 FROM vx_partitions.webhook_logs_default"));
    await expect(direct).rejects.toMatchObject({ code: "42501" });
  });

  it("retention drops an expired month whole and keeps the month that holds the cutoff", async () => {
    const webhook = await createWebhook(db(), await createUser(db()));
    const [m4, m5] = [monthStart(4), monthStart(5)];
    await createMonthPartitions(db(), "webhook_logs", m5, 0);
    const inM4 = [new Date(m4.getTime() + DAY), new Date(m4.getTime() + 20 * DAY)];
    const inM5 = [new Date(m5.getTime() + DAY), new Date(m5.getTime() + 10 * DAY)];
    await addLogs(db(), webhook, [...inM4, ...inM5]);
    const retention = new PgRetentionRepository(db());
    const cutoff = new Date(m5.getTime() + 5 * DAY);
    // Every expired partition in one call: the months before (other tests' logs), then m4 with its two.
    expect(await retention.deleteExpiredBatch("webhook_logs", cutoff, 1000)).toBeGreaterThanOrEqual(2);
    expect(await partitionsOf(db(), webhook)).toEqual([monthName(m5), monthName(m5)]);
    const names = (await listPartitions(db(), "webhook_logs")).map((p) => p.name);
    expect(names).not.toContain(monthName(m4));
    expect(names).toContain(monthName(m5));
    // Nothing row by row: the log of m5 older than the cutoff stays until m5 has expired whole.
    expect(await retention.deleteExpiredBatch("webhook_logs", cutoff, 1000)).toBe(0);
  });
});

const online = "turning an existing webhook_logs into the first partition, online";
describe.skipIf(!testPostgresUrl())(
  testPostgresUrl() ? online : `${online} [postgres: SKIPPED, set TEST_DATABASE_URL to run]`,
  () => {
    const name = `vx_test_${randomBytes(6).toString("hex")}`;
    let db: Database;
    beforeAll(async () => {
      await runOnServer(testPostgresUrl()!, `CREATE DATABASE ${name}`);
      db = await openDatabase({ url: withDatabase(testPostgresUrl()!, name), migrate: false });
      const files = await listMigrationFiles();
      const before017 = files.findIndex((f) => f.startsWith("017_"));
      await migrate({ databaseUrl: db.url, count: before017 });
    });
    afterAll(async () => {
      await db?.close();
      await runOnServer(testPostgresUrl()!, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });

    it("attaches the table in place with the index and check made beforehand, and goes back down", async () => {
      const webhook = await createWebhook(db, await createUser(db));
      await db.query(
        "INSERT INTO webhook_logs (webhook_id, event, created_at) " +
          "SELECT $1, 'call.started', now() - make_interval(mins => i) FROM generate_series(1, 3000) i",
        [webhook],
      );
      // What migrations before 017 (or a deployment) may have added: carried over from the catalog.
      await db.query(`
        ALTER TABLE webhook_logs ADD COLUMN latency_ms integer;
        CREATE INDEX webhook_logs_latency ON webhook_logs (latency_ms);
        CREATE POLICY "Service can read logs" ON webhook_logs FOR SELECT TO service_role USING (true);
        CREATE FUNCTION public.test_touch() RETURNS trigger LANGUAGE plpgsql SET search_path = '' AS
          $$BEGIN NEW.latency_ms := coalesce(NEW.latency_ms, 1); RETURN NEW; END$$;
        CREATE TRIGGER webhook_logs_touch BEFORE INSERT ON webhook_logs FOR EACH ROW EXECUTE FUNCTION public.test_touch();`);
      // The online steps of docs/scaling.md: no lock that stops writes for longer than a catalog change.
      await prepareWebhookLogsPartitioning(db);
      const index = await db.query<{ oid: number }>(
        "SELECT 'webhook_logs_id_created_at_key'::regclass::oid::int AS oid",
      );

      await migrate({ databaseUrl: db.url });
      const legacy = `vx_partitions.webhook_logs_before_${monthName(monthStart(1)).slice(-7)}`;
      const key = await db.query<{ oid: number }>(
        "SELECT conindid::int AS oid FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'",
        [legacy],
      );
      expect(key.rows[0]?.oid).toBe(index.rows[0]?.oid); // the index made beforehand, not a rebuild
      expect(new Set(await partitionsOf(db, webhook))).toEqual(new Set([legacy]));
      expect((await partitionsOf(db, webhook)).length).toBe(3000);
      const carried = await db.query<{ what: string }>(
        `SELECT 'index ' || indexname AS what FROM pg_indexes WHERE schemaname = 'public' AND indexname = 'webhook_logs_latency'
         UNION ALL SELECT 'policy ' || policyname FROM pg_policies WHERE tablename = 'webhook_logs' AND 'service_role' = ANY (roles)
         UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgrelid = 'public.webhook_logs'::regclass AND NOT tgisinternal`,
      );
      expect(carried.rows.map((r) => r.what).sort()).toEqual([
        "index webhook_logs_latency",
        "policy Service can read logs",
        "trigger webhook_logs_touch",
      ]);
      const next = new Date(monthStart(1).getTime() + DAY);
      const inserted = await db.query<{ p: string; latency_ms: number }>(
        "INSERT INTO webhook_logs (webhook_id, event, created_at) VALUES ($1, 'call.started', $2) " +
          "RETURNING tableoid::regclass::text AS p, latency_ms",
        [webhook, next],
      );
      expect(inserted.rows[0]).toEqual({ p: monthName(monthStart(1)), latency_ms: 1 });

      // Down through 017 (and whatever came after it).
      const files = await listMigrationFiles();
      const from017 = files.length - files.findIndex((f) => f.startsWith("017_"));
      await migrate({ databaseUrl: db.url, direction: "down", count: from017 });
      const plain = await db.query<{ relkind: string; n: number }>(
        "SELECT relkind::text, (SELECT count(*)::int FROM webhook_logs) AS n FROM pg_class WHERE oid = 'webhook_logs'::regclass",
      );
      expect(plain.rows[0]).toEqual({ relkind: "r", n: 3001 });
    });
  },
);
