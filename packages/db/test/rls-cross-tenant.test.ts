// User A, acting as `authenticated` with A's JWT claims, can neither see nor touch user B's rows; the service role can.
import type { Database, Queryable } from "@vx/db";
import { createUser, describeDatabases } from "@vx/db/testing";
import { beforeAll, describe, expect, it } from "vitest";

interface Tenant {
  userId: string;
  apiKeyId: string;
  agentId: string;
  webhookId: string;
  logId: string;
  menuId: string;
  sessionId: string;
}

let seq = 0;
async function seedTenant(db: Database): Promise<Tenant> {
  const userId = await createUser(db);
  const n = ++seq;
  const one = async (sql: string, params: unknown[]) => (await db.query<{ id: string }>(sql, params)).rows[0]!.id;
  const apiKeyId = await one(
    "INSERT INTO api_keys (user_id, name, key_prefix, key_hash) VALUES ($1, 'k', 'vx_abcdefg', $2) RETURNING id",
    [userId, `${n}`.padStart(64, "0")],
  );
  const agentId = await one("INSERT INTO agents (user_id, name) VALUES ($1, 'agent') RETURNING id", [userId]);
  const webhookId = await one(
    "INSERT INTO webhooks (user_id, agent_id, url, events, secret) VALUES ($1, $2, 'https://example.com/h', '{call.started}', 'whsec_0123456789abcdef') RETURNING id",
    [userId, agentId],
  );
  const logId = await one("INSERT INTO webhook_logs (webhook_id, event) VALUES ($1, 'call.started') RETURNING id", [
    webhookId,
  ]);
  const menuId = await one(
    "INSERT INTO ivr_menus (user_id, name, prompt) VALUES ($1, 'Main', 'Press 1') RETURNING id",
    [userId],
  );
  const sessionId = await one(
    "INSERT INTO ivr_sessions (session_id, user_id, current_menu_id) VALUES ($1, $2, $3) RETURNING id",
    [`call-${n}-${userId}`, userId, menuId],
  );
  return { userId, apiKeyId, agentId, webhookId, logId, menuId, sessionId };
}

// table → [id field of Tenant, a harmless update]
const tables: Record<string, [keyof Tenant, string]> = {
  api_keys: ["apiKeyId", "name = 'stolen'"],
  agents: ["agentId", "name = 'stolen'"],
  webhooks: ["webhookId", "enabled = false"],
  webhook_logs: ["logId", "error = 'stolen'"],
  ivr_menus: ["menuId", "name = 'stolen'"],
  ivr_sessions: ["sessionId", "retry_count = 9"],
};

async function count(tx: Queryable, table: string, id: string): Promise<number> {
  return (await tx.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id])).rowCount;
}

/** Runs as the user and returns how many rows the statement touched, or the SQLSTATE it was refused with. */
async function attempt(db: Database, userId: string, sql: string, params: unknown[]): Promise<number | string> {
  try {
    return await db.asUser(userId, async (tx) => (await tx.query(sql, params)).rowCount);
  } catch (error) {
    return (error as { code?: string }).code ?? "error";
  }
}

describeDatabases("row level security across tenants", ({ db }) => {
  let a: Tenant;
  let b: Tenant;
  beforeAll(async () => {
    a = await seedTenant(db());
    b = await seedTenant(db());
  });

  describe.each(Object.entries(tables))("%s", (table, [idField, update]) => {
    it("user A sees their own row and not user B's", async () => {
      const seen = await db().asUser(a.userId, async (tx) => ({
        own: await count(tx, table, a[idField]),
        other: await count(tx, table, b[idField]),
        all: (await tx.query(`SELECT 1 FROM ${table}`)).rowCount,
      }));
      expect(seen).toEqual({ own: 1, other: 0, all: 1 });
    });

    it("user A cannot update or delete user B's row", async () => {
      const updated = await attempt(db(), a.userId, `UPDATE ${table} SET ${update} WHERE id = $1`, [b[idField]]);
      const deleted = await attempt(db(), a.userId, `DELETE FROM ${table} WHERE id = $1`, [b[idField]]);
      // Either filtered out by a policy (0 rows) or refused outright by privileges (42501).
      expect([0, "42501"]).toContain(updated);
      expect([0, "42501"]).toContain(deleted);
      expect(await count(db(), table, b[idField])).toBe(1);
    });

    it("the service role sees every tenant's row", async () => {
      const seen = await db().asService(async (tx) => (await tx.query(`SELECT 1 FROM ${table}`)).rowCount);
      expect(seen).toBeGreaterThanOrEqual(2);
    });
  });

  it.each([
    [
      "api_keys",
      "INSERT INTO api_keys (user_id, name, key_prefix, key_hash) VALUES ($1, 'k', 'vx_abcdefg', repeat('f', 64))",
    ],
    ["agents", "INSERT INTO agents (user_id, name) VALUES ($1, 'x')"],
    [
      "webhooks",
      "INSERT INTO webhooks (user_id, url, events, secret) VALUES ($1, 'https://e.com', '{a}', 'whsec_0123456789abcdef')",
    ],
    ["ivr_menus", "INSERT INTO ivr_menus (user_id, name, prompt) VALUES ($1, 'm', 'p')"],
    ["ivr_sessions", "INSERT INTO ivr_sessions (session_id, user_id) VALUES ('forged-call', $1)"],
  ])("user A cannot create a %s row owned by user B", async (_table, sql) => {
    expect(await attempt(db(), a.userId, sql, [b.userId])).toBe("42501");
  });

  it("user A can create, update and delete their own API key", async () => {
    const result = await db().asUser(a.userId, async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        "INSERT INTO api_keys (user_id, name, key_prefix, key_hash) VALUES ($1, 'mine', 'vx_abcdefg', repeat('e', 64)) RETURNING id",
        [a.userId],
      );
      const id = rows[0]!.id;
      const updated = (await tx.query("UPDATE api_keys SET name = 'renamed' WHERE id = $1", [id])).rowCount;
      const deleted = (await tx.query("DELETE FROM api_keys WHERE id = $1", [id])).rowCount;
      return { updated, deleted };
    });
    expect(result).toEqual({ updated: 1, deleted: 1 });
  });

  it("a user cannot reset their own key's usage counter", async () => {
    const result = await attempt(db(), a.userId, "UPDATE api_keys SET usage_count = 0 WHERE id = $1", [a.apiKeyId]);
    expect(result).toBe("42501");
  });

  it("a user cannot write delivery logs, even for their own webhook", async () => {
    const sql = "INSERT INTO webhook_logs (webhook_id, event) VALUES ($1, 'forged')";
    expect(await attempt(db(), a.userId, sql, [a.webhookId])).toBe("42501");
  });

  it("a webhook cannot name another user's agent", async () => {
    const sql =
      "INSERT INTO webhooks (user_id, agent_id, url, events, secret) VALUES ($1, $2, 'https://e.com', '{a}', 'whsec_0123456789abcdef')";
    expect(await attempt(db(), a.userId, sql, [a.userId, b.agentId])).toBe("23503");
    await expect(db().query(sql, [a.userId, b.agentId])).rejects.toMatchObject({ code: "23503" });
  });

  it("without claims the authenticated role sees nothing", async () => {
    const seen = await db().transaction(async (tx) => {
      await tx.query("SELECT set_config('role', 'authenticated', true)");
      return (await tx.query("SELECT 1 FROM api_keys")).rowCount;
    });
    expect(seen).toBe(0);
  });
});
