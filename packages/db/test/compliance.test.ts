// Compliance on PGlite and Postgres: the four repository contracts, the audit triggers, GDPR export and
// erasure end to end, consents through RLS, and a retention pass with the specification's defaults.
import { ApiKeyService } from "@vx/api-keys";
import { AuditService, ConsentService, subjectSha256 } from "@vx/compliance";
import {
  describeAuditRepository,
  describeConsentRepository,
  describeRetentionRepository,
  describeUserDataRepository,
} from "@vx/compliance/testing";
import { createUser, describeDatabases } from "@vx/db/testing";
import { describe, expect, it } from "vitest";
import {
  type Database,
  eraseUserData,
  exportUserData,
  PgApiKeyRepository,
  PgAuditRepository,
  PgConsentRepository,
  runCleanup,
} from "../src/index.js";
import {
  auditFixture,
  consentFixture,
  countRows,
  hex,
  retentionFixture,
  seedUser,
  userDataFixture,
} from "./support/compliance-fixtures.js";

interface TrailRow {
  actor_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  metadata: Record<string, unknown>;
}

async function trail(db: Database, userId: string): Promise<TrailRow[]> {
  const { rows } = await db.query<TrailRow>(
    "SELECT actor_id, action, resource_type, resource_id, metadata FROM audit_logs WHERE user_id = $1 ORDER BY created_at, id",
    [userId],
  );
  return rows;
}

async function sqlState(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describeDatabases("compliance", ({ db, target }) => {
  describeAuditRepository(target, () => auditFixture(db()));
  describeRetentionRepository(target, () => retentionFixture(db()));
  describeConsentRepository(target, () => consentFixture(db()));
  describeUserDataRepository(target, () => userDataFixture(db()));

  describe("audit log written by triggers", () => {
    it("records a key's life as it happened: created, updated, revoked, rotated by the system, deleted", async () => {
      const user = await createUser(db());
      const oldHash = hex(32);
      const newHash = hex(32);
      const keyId = await db().asUser(user, async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          "INSERT INTO api_keys (user_id, name, key_prefix, key_hash) VALUES ($1, 'prod', 'vx_abcdefg', $2) RETURNING id",
          [user, oldHash],
        );
        return rows[0]!.id;
      });
      await db().asUser(user, (tx) => tx.query("UPDATE api_keys SET name = 'production' WHERE id = $1", [keyId]));
      await db().asUser(user, (tx) => tx.query("UPDATE api_keys SET enabled = false WHERE id = $1", [keyId]));
      await db().transaction(async (tx) => {
        await tx.query("SELECT set_config('vx.audit_action', 'api_key.rotated', true)");
        await tx.query("UPDATE api_keys SET key_hash = $2, key_prefix = 'vx_hijklmn' WHERE id = $1", [keyId, newHash]);
      });
      await db().asUser(user, (tx) => tx.query("DELETE FROM api_keys WHERE id = $1", [keyId]));

      const rows = await trail(db(), user);
      expect(rows.map((r) => [r.action, r.actor_id, r.resource_type, r.resource_id])).toEqual([
        ["api_key.created", user, "api_key", keyId],
        ["api_key.updated", user, "api_key", keyId],
        ["api_key.revoked", user, "api_key", keyId],
        ["api_key.rotated", null, "api_key", keyId],
        ["api_key.deleted", user, "api_key", keyId],
      ]);
      expect(rows[1]!.metadata).toEqual({ name: "production", key_prefix: "vx_abcdefg", changed: ["name"] });
      expect(rows[3]!.metadata).toEqual({
        name: "production",
        key_prefix: "vx_hijklmn",
        changed: ["key_hash", "key_prefix"],
      });
      const json = JSON.stringify(rows);
      expect(json).not.toContain(oldHash);
      expect(json).not.toContain(newHash);
    });

    it("writes nothing for bookkeeping: counting key usage and recording deliveries are not changes", async () => {
      const user = await seedUser(db());
      const before = await trail(db(), user.userId);
      await db().query("UPDATE api_keys SET usage_count = usage_count + 1, last_used_at = now() WHERE user_id = $1", [
        user.userId,
      ]);
      await db().query(
        "UPDATE webhooks SET last_triggered_at = now(), last_status = 500, last_error = 'boom' WHERE user_id = $1",
        [user.userId],
      );
      expect(await trail(db(), user.userId)).toEqual(before);
    });

    it("writes nothing for verifications that spend credits and named limits, and records an owner's credit change", async () => {
      const user = await createUser(db());
      const keys = new ApiKeyService({ repository: new PgApiKeyRepository(db()) });
      const { apiKey, plainKey } = await keys.createApiKey({
        user_id: user,
        name: "metered",
        ratelimits: [{ name: "second", limit: 100, duration_ms: 1000, auto_apply: true }],
        credits: { remaining: 50, refill: { interval: "monthly", amount: 50 } },
      });
      const before = await trail(db(), user);
      // One at a time (the one-statement path) and several at once (one micro-batched statement).
      for (let i = 0; i < 3; i++) expect((await keys.verifyApiKey(plainKey)).valid).toBe(true);
      const together = await Promise.all(Array.from({ length: 5 }, () => keys.verifyApiKey(plainKey)));
      expect(together.every((result) => result.valid)).toBe(true);
      expect(await trail(db(), user)).toEqual(before);

      await keys.changeCredits(apiKey.id, user, { op: "increment", amount: 10 });
      const after = await trail(db(), user);
      expect(after.slice(before.length).map((r) => [r.action, r.metadata.changed])).toEqual([
        ["api_key.updated", ["credits_remaining"]],
      ]);
    });

    it("records a settings change made in the same update as a usage count, and a later owner's change of a new kind", async () => {
      const user = await createUser(db());
      const keys = new ApiKeyService({ repository: new PgApiKeyRepository(db()) });
      const { apiKey } = await keys.createApiKey({ user_id: user, name: "counted" });
      const before = await trail(db(), user);
      // Migration 019 compares a verification (usage_count moves) on the settings columns only: a setting changed in
      // the same statement must still be audited.
      await db().query("UPDATE api_keys SET usage_count = usage_count + 1, name = 'renamed' WHERE id = $1", [
        apiKey.id,
      ]);
      await db().query("UPDATE api_keys SET usage_count = usage_count + 1, last_used_at = now() WHERE id = $1", [
        apiKey.id,
      ]);
      // Without a usage change, the whole row (minus bookkeeping) is compared, whatever the column.
      await db().query(`UPDATE api_keys SET meta = '{"plan": "pro"}' WHERE id = $1`, [apiKey.id]);
      const after = await trail(db(), user);
      expect(after.slice(before.length).map((r) => [r.action, r.metadata.changed])).toEqual([
        ["api_key.updated", ["name"]],
        ["api_key.updated", ["meta"]],
      ]);
    });

    it("is part of the change's transaction: a rolled-back change leaves no entry", async () => {
      const user = await createUser(db());
      const failed = db().asUser(user, async (tx) => {
        await tx.query("INSERT INTO agents (user_id, name) VALUES ($1, 'doomed')", [user]);
        throw new Error("abort");
      });
      await expect(failed).rejects.toThrow("abort");
      expect(await trail(db(), user)).toEqual([]);
    });

    it("names webhook changes as the service asks, only for webhooks, and never copies the secret", async () => {
      const user = await createUser(db());
      const secrets = ["whsec_first_0123456789", "whsec_second_0123456789"];
      const webhookId = await db().asUser(user, async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          "INSERT INTO webhooks (user_id, url, events, secret) VALUES ($1, 'https://example.com/w?token=abc', '{call.started}', $2) RETURNING id",
          [user, secrets[0]],
        );
        return rows[0]!.id;
      });
      await db().asUser(user, async (tx) => {
        await tx.query("SELECT set_config('vx.audit_action', 'webhook.secret_rotated', true)");
        await tx.query("UPDATE webhooks SET secret = $2 WHERE id = $1", [webhookId, secrets[1]]);
      });
      await db().transaction(async (tx) => {
        await tx.query("SELECT set_config('vx.audit_action', 'webhook.auto_disabled', true)");
        await tx.query("UPDATE webhooks SET enabled = false, last_status = 500 WHERE id = $1", [webhookId]);
      });
      await db().asUser(user, async (tx) => {
        // A name for another resource type does not rename this change.
        await tx.query("SELECT set_config('vx.audit_action', 'api_key.rotated', true)");
        await tx.query("UPDATE webhooks SET events = '{call.ended}' WHERE id = $1", [webhookId]);
      });

      const rows = await trail(db(), user);
      expect(rows.map((r) => [r.action, r.actor_id, r.metadata])).toEqual([
        ["webhook.created", user, {}],
        ["webhook.secret_rotated", user, { changed: ["secret"] }],
        ["webhook.auto_disabled", null, { changed: ["enabled"] }],
        ["webhook.updated", user, { changed: ["events"] }],
      ]);
      const json = JSON.stringify(rows);
      for (const secret of secrets) expect(json).not.toContain(secret);
      expect(json).not.toContain("token=abc");
    });

    it("records menus, agents and consents too", async () => {
      const user = await createUser(db());
      const consents = (tx: Parameters<Parameters<Database["asUser"]>[1]>[0]) =>
        new ConsentService({ repository: new PgConsentRepository(tx), now: () => new Date() });
      await db().asUser(user, async (tx) => {
        const menu = await tx.query<{ id: string }>(
          "INSERT INTO ivr_menus (user_id, name, prompt) VALUES ($1, 'Main', 'Press 1') RETURNING id",
          [user],
        );
        await tx.query("UPDATE ivr_menus SET prompt = 'Press 2' WHERE id = $1", [menu.rows[0]!.id]);
        await tx.query("DELETE FROM ivr_menus WHERE id = $1", [menu.rows[0]!.id]);
        await tx.query("INSERT INTO agents (user_id, name) VALUES ($1, 'Ava')", [user]);
      });
      await db().asUser(user, (tx) => consents(tx).setConsents(user, [{ purpose: "call_recording", granted: true }]));
      await db().asUser(user, (tx) => consents(tx).setConsents(user, [{ purpose: "call_recording", granted: false }]));

      const rows = await trail(db(), user);
      expect(rows.map((r) => r.action).sort()).toEqual(
        [
          "agent.created",
          "consent.granted",
          "consent.withdrawn",
          "ivr_menu.created",
          "ivr_menu.deleted",
          "ivr_menu.updated",
        ].sort(),
      );
      expect(rows.find((r) => r.action === "ivr_menu.updated")!.metadata).toEqual({
        name: "Main",
        changed: ["prompt"],
      });
      expect(rows.find((r) => r.action === "consent.withdrawn")!.metadata).toEqual({
        purpose: "call_recording",
        changed: ["granted"],
      });
    });

    it("lets a user read only their own entries, and nobody write them", async () => {
      const alice = await seedUser(db());
      const bob = await createUser(db());
      const asBob = <T>(work: (tx: Parameters<Parameters<Database["asUser"]>[1]>[0]) => Promise<T>) =>
        db().asUser(bob, work);

      const seen = await asBob((tx) =>
        new AuditService({ repository: new PgAuditRepository(tx), now: () => new Date() }).listLogs(alice.userId),
      );
      expect(seen.entries).toEqual([]);
      const all = await asBob((tx) => tx.query<{ user_id: string }>("SELECT user_id FROM audit_logs"));
      expect(all.rows.every((r) => r.user_id === bob)).toBe(true);

      expect(
        await sqlState(
          asBob((tx) =>
            tx.query(
              "INSERT INTO audit_logs (user_id, action, resource_type) VALUES ($1, 'api_key.created', 'api_key')",
              [bob],
            ),
          ),
        ),
      ).toBe("42501");
      expect(await sqlState(db().asUser(alice.userId, (tx) => tx.query("DELETE FROM audit_logs")))).toBe("42501");
      expect(await sqlState(db().asUser(alice.userId, (tx) => tx.query("UPDATE audit_logs SET action = 'x.y'")))).toBe(
        "42501",
      );
    });

    it("lets Supabase delete a user: the account's rows and audit entries go with the auth.users row", async () => {
      const user = await seedUser(db());
      await db().query("DELETE FROM auth.users WHERE id = $1", [user.userId]);
      const counts = await countRows(db(), user.userId);
      expect(Object.values(counts).every((n) => n === 0)).toBe(true);
    });
  });

  describe("GDPR export and erasure", () => {
    it("exports every table holding the user's data, read as the user, without hashes or secrets", async () => {
      const user = await seedUser(db());
      const doc = await exportUserData(db(), user.userId);

      expect(Object.keys(doc.tables)).toEqual(expect.arrayContaining(user.tables));
      expect(doc.tables.api_keys).toEqual([expect.objectContaining({ key_prefix: "vx_abcdefg", name: "k" })]);
      expect(doc.tables.api_keys![0]).not.toHaveProperty("key_hash");
      expect(doc.tables.webhooks![0]).not.toHaveProperty("secret");
      expect(doc.tables.webhooks![0]).toHaveProperty("url", "https://example.com/h");
      expect(doc.tables.webhook_logs).toHaveLength(1);
      expect(doc.tables.ivr_menus).toHaveLength(2);
      expect(doc.tables.api_key_usage_hourly).toEqual([expect.objectContaining({ request_count: 3 })]);
      expect(doc.tables.consents).toEqual([expect.objectContaining({ purpose: "marketing_email", granted: true })]);
      expect((doc.tables.audit_logs ?? []).map((e) => e.action)).toEqual(
        expect.arrayContaining(["api_key.created", "webhook.created", "ivr_menu.created", "consent.granted"]),
      );
      expect((await trail(db(), user.userId)).at(-1)).toMatchObject({
        action: "user_data.exported",
        actor_id: user.userId,
      });
    });

    it("erases all of it in one transaction, keeps the auth account, and records it under a hash", async () => {
      const user = await seedUser(db());
      const report = await eraseUserData(db(), user.userId);

      expect(Object.values(await countRows(db(), user.userId)).every((n) => n === 0)).toBe(true);
      expect((await db().query("SELECT 1 FROM auth.users WHERE id = $1", [user.userId])).rowCount).toBe(1);
      expect(report.subjectSha256).toBe(subjectSha256(user.userId));
      expect(report.deleted).toMatchObject({ api_keys: 1, webhooks: 1, webhook_logs: 1, ivr_menus: 2, consents: 1 });
      const { rows } = await db().query<{ user_id: string | null; actor_id: string | null; metadata: object }>(
        "SELECT user_id, actor_id, metadata FROM audit_logs WHERE action = 'user_data.erased' AND metadata ->> 'subject_sha256' = $1",
        [report.subjectSha256],
      );
      expect(rows).toEqual([
        { user_id: null, actor_id: null, metadata: { subject_sha256: report.subjectSha256, deleted: report.deleted } },
      ]);
    });

    it("erases nothing when any part of the erasure fails", async () => {
      const user = await seedUser(db());
      const before = await countRows(db(), user.userId);
      await db().query(`
        CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'refused'; END $$`);
      await db().query(
        "CREATE TABLE erasure_blocker (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid NOT NULL)",
      );
      await db().query(
        "CREATE TRIGGER refuse BEFORE DELETE ON erasure_blocker FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse()",
      );
      try {
        await db().query("INSERT INTO erasure_blocker (user_id) VALUES ($1)", [user.userId]);
        await expect(eraseUserData(db(), user.userId)).rejects.toThrow("refused");
        const after = await countRows(db(), user.userId);
        expect(after).toEqual({ ...before, erasure_blocker: 1 });
      } finally {
        await db().query("DROP TABLE erasure_blocker");
      }
    });
  });

  describe("consents through row level security", () => {
    it("lets a user set and read only their own consents", async () => {
      const alice = await createUser(db());
      const bob = await createUser(db());
      const service = (tx: Parameters<Parameters<Database["asUser"]>[1]>[0]) =>
        new ConsentService({ repository: new PgConsentRepository(tx), now: () => new Date("2030-05-01T00:00:00Z") });

      const set = await db().asUser(alice, (tx) =>
        service(tx).setConsents(alice, [{ purpose: "analytics", granted: true }]),
      );
      expect(set).toEqual([
        {
          purpose: "analytics",
          granted: true,
          grantedAt: new Date("2030-05-01T00:00:00Z"),
          withdrawnAt: null,
          updatedAt: new Date("2030-05-01T00:00:00Z"),
        },
      ]);
      expect(await db().asUser(bob, (tx) => service(tx).getConsents(alice))).toEqual([]);
      expect(
        await sqlState(
          db().asUser(bob, (tx) => service(tx).setConsents(alice, [{ purpose: "analytics", granted: false }])),
        ),
      ).toBe("42501");
    });
  });

  describe("retention", () => {
    // A clock in 1975: every row other tests made is newer than any cutoff here.
    const NOW = new Date("1975-06-01T00:00:00Z");
    const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 60 * 60 * 1000);

    it("runCleanup keeps audit logs a year, webhook logs 90 days, ended sessions 30 days, and API-key usage", async () => {
      const fx = await retentionFixture(db());
      const user = await seedUser(db());
      const expired = {
        audit_logs: await fx.add("audit_logs", daysAgo(366)),
        webhook_logs: await fx.add("webhook_logs", daysAgo(91)),
        ivr_sessions: await fx.add("ivr_sessions", daysAgo(31)),
      };
      const kept = {
        audit_logs: await fx.add("audit_logs", daysAgo(364)),
        webhook_logs: await fx.add("webhook_logs", daysAgo(89)),
        ivr_sessions: await fx.add("ivr_sessions", daysAgo(29)),
      };
      const active = await fx.add("ivr_sessions", null);
      await db().query("UPDATE api_key_usage_hourly SET hour = '1970-01-01T00:00:00Z' WHERE user_id = $1", [
        user.userId,
      ]);

      const report = await runCleanup(db(), { now: () => NOW, batchSize: 1 });

      for (const [table, id] of Object.entries(expired)) expect(await fx.exists(table as never, id), table).toBe(false);
      for (const [table, id] of Object.entries(kept)) expect(await fx.exists(table as never, id), table).toBe(true);
      expect(await fx.exists("ivr_sessions", active)).toBe(true);
      expect(await countRows(db(), user.userId)).toMatchObject({ api_key_usage_hourly: 1 });
      expect(report.complete).toBe(true);
      expect(report.targets.map((t) => [t.target, t.cutoff])).toEqual([
        ["audit_logs", daysAgo(365)],
        ["webhook_logs", daysAgo(90)],
        ["ivr_sessions", daysAgo(30)],
      ]);
    });

    it("auditService.cleanupOldLogs(365) deletes entries over a year old and returns the count", async () => {
      const fx = auditFixture(db());
      const user = await createUser(db());
      const old = await fx.addEntry({
        userId: user,
        action: "api_key.created",
        resourceType: "api_key",
        createdAt: daysAgo(400),
      });
      const recent = await fx.addEntry({
        userId: user,
        action: "api_key.created",
        resourceType: "api_key",
        createdAt: daysAgo(10),
      });

      const auditService = new AuditService({ repository: new PgAuditRepository(db()), now: () => NOW });
      expect(await auditService.cleanupOldLogs(365)).toBeGreaterThanOrEqual(1);
      const ids = (await auditService.listLogs(user)).entries.map((e) => e.id);
      expect(ids).toEqual([recent]);
      expect(ids).not.toContain(old);
    });
  });
});
