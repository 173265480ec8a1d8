// Compliance fixtures shared by the pg and Supabase adapter tests: users seeded with a row in every table, row
// counts and audit reads found independently of the adapter (plain SQL as the system).
import { randomBytes, randomUUID } from "node:crypto";
import type { AuditRepository, ConsentRepository, RetentionRepository, UserDataRepository } from "@vx/compliance";
import type {
  AuditRepositoryFixture,
  ConsentRepositoryFixture,
  RetentionRepositoryFixture,
  SeededUser,
  UserDataRepositoryFixture,
} from "@vx/compliance/testing";
import { createUser } from "@vx/db/testing";
import {
  type Database,
  PgAuditRepository,
  PgConsentRepository,
  PgRetentionRepository,
  PgUserDataRepository,
} from "../../src/index.js";

export const hex = (bytes: number) => randomBytes(bytes).toString("hex");

export async function one(db: Database, text: string, params: unknown[]): Promise<string> {
  return (await db.query<{ id: string }>(text, params)).rows[0]!.id;
}

/** A user with a row in every table that holds user data (as the system writes them: no RLS). */
export async function seedUser(db: Database): Promise<SeededUser> {
  const userId = await createUser(db);
  const keyHash = hex(32);
  const secret = `whsec_${hex(16)}`;
  const keyId = await one(
    db,
    "INSERT INTO api_keys (user_id, name, key_prefix, key_hash) VALUES ($1, 'k', 'vx_abcdefg', $2) RETURNING id",
    [userId, keyHash],
  );
  const agentId = await one(db, "INSERT INTO agents (user_id, name) VALUES ($1, 'agent') RETURNING id", [userId]);
  const webhookId = await one(
    db,
    "INSERT INTO webhooks (user_id, agent_id, url, events, secret) VALUES ($1, $2, 'https://example.com/h', '{call.started}', $3) RETURNING id",
    [userId, agentId, secret],
  );
  const logId = await one(db, "INSERT INTO webhook_logs (webhook_id, event) VALUES ($1, 'call.started') RETURNING id", [
    webhookId,
  ]);
  const parentMenuId = await one(
    db,
    "INSERT INTO ivr_menus (user_id, name, prompt) VALUES ($1, 'Main', 'Press 1') RETURNING id",
    [userId],
  );
  const childMenuId = await one(
    db,
    "INSERT INTO ivr_menus (user_id, name, prompt, parent_menu_id) VALUES ($1, 'Sales', 'Press 2', $2) RETURNING id",
    [userId, parentMenuId],
  );
  const sessionId = await one(
    db,
    "INSERT INTO ivr_sessions (session_id, user_id, current_menu_id) VALUES ($1, $2, $3) RETURNING id",
    [`call-${randomUUID()}`, userId, childMenuId],
  );
  const consentId = await one(
    db,
    "INSERT INTO consents (user_id, purpose, granted, granted_at) VALUES ($1, 'marketing_email', true, now()) RETURNING id",
    [userId],
  );
  // Tables of later migrations (004, 005) are found by the adapter without being named in it.
  const eventId = await one(
    db,
    "INSERT INTO webhook_events (user_id, event, body) VALUES ($1, 'call.started', '{\"call\":1}') RETURNING id",
    [userId],
  );
  const previousSecret = `whsec_${hex(16)}`;
  await db.query(
    "INSERT INTO webhook_previous_secrets (webhook_id, secret, expires_at) VALUES ($1, $2, now() + interval '1 day')",
    [webhookId, previousSecret],
  );
  await db.query(
    "INSERT INTO api_key_usage_hourly (key_id, user_id, hour, request_count) VALUES ($1, $2, date_trunc('hour', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 3)",
    [keyId, userId],
  );
  return {
    userId,
    ids: [keyId, agentId, webhookId, logId, parentMenuId, childMenuId, sessionId, consentId, eventId],
    secrets: [keyHash, secret, previousSecret],
    tables: [
      "agents",
      "api_key_usage_hourly",
      "api_keys",
      "audit_logs",
      "consents",
      "ivr_menus",
      "ivr_sessions",
      "webhook_events",
      "webhook_logs",
      "webhooks",
    ],
  };
}

/** Rows about the user per table, found independently of the adapter: every `user_id` column, plus webhook logs. */
export async function countRows(db: Database, userId: string): Promise<Record<string, number>> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'user_id' ORDER BY 1",
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM public."${table_name}" WHERE user_id = $1`,
      [userId],
    );
    counts[table_name] = rows[0]!.n;
  }
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM webhook_logs l JOIN webhooks w ON w.id = l.webhook_id WHERE w.user_id = $1",
    [userId],
  );
  counts.webhook_logs = rows[0]!.n;
  return counts;
}

export function auditFixture(
  db: Database,
  repository: AuditRepository = new PgAuditRepository(db),
): AuditRepositoryFixture {
  return {
    repository,
    createUser: () => createUser(db),
    addEntry: (e) =>
      one(
        db,
        "INSERT INTO audit_logs (user_id, action, resource_type, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        [e.userId, e.action, e.resourceType, e.createdAt],
      ),
  };
}

export async function retentionFixture(
  db: Database,
  repository: RetentionRepository = new PgRetentionRepository(db),
): Promise<RetentionRepositoryFixture> {
  const userId = await createUser(db);
  const webhookId = await one(
    db,
    "INSERT INTO webhooks (user_id, url, events, secret) VALUES ($1, 'https://example.com/r', '{call.ended}', 'whsec_0123456789abcdef') RETURNING id",
    [userId],
  );
  return {
    repository,
    add: (target, at) => {
      if (target === "audit_logs") {
        return one(
          db,
          "INSERT INTO audit_logs (user_id, action, resource_type, created_at) VALUES ($1, 'api_key.created', 'api_key', $2) RETURNING id",
          [userId, at],
        );
      }
      if (target === "webhook_logs") {
        return one(
          db,
          "INSERT INTO webhook_logs (webhook_id, event, created_at) VALUES ($1, 'call.ended', $2) RETURNING id",
          [webhookId, at],
        );
      }
      return one(
        db,
        // Migration 006's status must agree with ended_at.
        `INSERT INTO ivr_sessions (session_id, user_id, start_time, ended_at, status)
         VALUES ($1, $2, '1970-01-01T00:00:00Z', $3, CASE WHEN $3::timestamptz IS NULL THEN 'active' ELSE 'completed' END)
         RETURNING id`,
        [`call-${randomUUID()}`, userId, at],
      );
    },
    exists: async (target, id) => (await db.query(`SELECT 1 FROM public.${target} WHERE id = $1`, [id])).rowCount === 1,
  };
}

export function consentFixture(
  db: Database,
  repository: ConsentRepository = new PgConsentRepository(db),
): ConsentRepositoryFixture {
  return { repository, createUser: () => createUser(db) };
}

export function userDataFixture(
  db: Database,
  repository: UserDataRepository = new PgUserDataRepository(db),
): UserDataRepositoryFixture {
  return {
    repository,
    seedUser: () => seedUser(db),
    countRows: (userId) => countRows(db, userId),
    auditActions: async (userId) =>
      (
        await db.query<{ action: string }>("SELECT action FROM audit_logs WHERE user_id = $1 ORDER BY created_at, id", [
          userId,
        ])
      ).rows.map((r) => r.action),
    erasures: async () =>
      (
        await db.query<{
          userId: string | null;
          actorId: string | null;
          action: string;
          metadata: Record<string, unknown>;
        }>(
          `SELECT user_id AS "userId", actor_id AS "actorId", action, metadata FROM audit_logs WHERE action = 'user_data.erased'`,
        )
      ).rows,
  };
}
