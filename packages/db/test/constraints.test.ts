// Bad data is refused by the database itself, and deletes cascade or refuse as users expect.
import type { Database } from "@vx/db";
import { createUser, describeDatabases } from "@vx/db/testing";
import { beforeAll, expect, it } from "vitest";

const CHECK = "23514";
const NOT_NULL = "23502";
const UNIQUE = "23505";
const FOREIGN_KEY = "23503";
const RESTRICT = "23001";

describeDatabases("constraints", ({ db }) => {
  let userId: string;
  beforeAll(async () => {
    userId = await createUser(db());
  });

  const key = (fields: Record<string, unknown>) =>
    insert(db(), "api_keys", { user_id: userId, name: "k", key_prefix: "vx_abcdefg", key_hash: hex(), ...fields });
  const webhook = (fields: Record<string, unknown>) =>
    insert(db(), "webhooks", {
      user_id: userId,
      url: "https://example.com/h",
      events: ["call.started"],
      secret: "whsec_0123456789abcdef",
      ...fields,
    });
  const menu = (fields: Record<string, unknown>) =>
    insert(db(), "ivr_menus", { user_id: userId, name: "Main", prompt: "Press 1", ...fields });

  it.each([
    ["a non-positive rate limit", { rate_limit: 0 }, CHECK],
    ["a non-positive usage quota", { usage_quota: -1 }, CHECK],
    ["a negative usage count", { usage_count: -1 }, CHECK],
    ["a blank name", { name: "  " }, CHECK],
    ["a prefix that is not 10 characters", { key_prefix: "vx_abc" }, CHECK],
    ["a hash that is not hex SHA-256", { key_hash: "nothex" }, CHECK],
    // Migration 029 derives the rate-limit plan from them in a trigger: the CHECK still names what is wrong.
    ["named limits that are not an array", { ratelimits: { name: "s" } }, CHECK],
    // Migration 026 rewrote this CHECK as a length and a character class (the counted regex cost ~7 µs per update):
    // the edges of the old rule must still be refused.
    ["a hex hash one character short", { key_hash: "a".repeat(63) }, CHECK],
    ["a hash in upper-case hex", { key_hash: "A".repeat(64) }, CHECK],
    ["a hash with one non-hex character", { key_hash: `${"a".repeat(63)}g` }, CHECK],
    ["a hash ending in a newline", { key_hash: `${"a".repeat(63)}\n` }, CHECK],
    ["an empty hash", { key_hash: "" }, CHECK],
    ["a missing name", { name: null }, NOT_NULL],
  ])("refuses an API key with %s", async (_what, fields, code) => {
    await expect(key(fields)).rejects.toMatchObject({ code });
  });

  it("refuses a rate-limit plan that is not one row per named limit (migration 029), and derives a right one", async () => {
    const limits = [{ name: "s", limit: 2, duration_ms: 1000, auto_apply: true }];
    const id = await key({ ratelimits: JSON.stringify(limits) });
    const plan = async () =>
      (await db().query<{ p: string }>("SELECT ratelimit_state::text AS p FROM api_keys WHERE id = $1", [id])).rows[0]!
        .p;
    expect(await plan()).toBe("{{1,2,1000,2000,NULL}}");
    const set = (state: string) => db().query("UPDATE api_keys SET ratelimit_state = $2 WHERE id = $1", [id, state]);
    await expect(set("{}")).rejects.toMatchObject({ code: CHECK });
    await expect(set("{{1,2,1000,2000,NULL},{1,2,1000,2000,NULL}}")).rejects.toMatchObject({ code: CHECK });
    await set("{{1,2,1000,2000,7}}");
    expect(await plan()).toBe("{{1,2,1000,2000,7}}");
  });

  it("refuses a second key with the same hash", async () => {
    const hash = hex();
    await key({ key_hash: hash });
    await expect(key({ key_hash: hash })).rejects.toMatchObject({ code: UNIQUE });
  });

  it.each([
    ["an empty url", { url: "" }, CHECK],
    ["a url that is not http(s)", { url: "ftp://example.com" }, CHECK],
    ["no events", { events: [] }, CHECK],
    ["a negative retry count", { retry_count: -1 }, CHECK],
    ["an impossible last status", { last_status: 42 }, CHECK],
  ])("refuses a webhook with %s", async (_what, fields, code) => {
    await expect(webhook(fields)).rejects.toMatchObject({ code });
  });

  it.each([
    ["a zero timeout", { timeout: 0 }, CHECK],
    ["negative max retries", { max_retries: -1 }, CHECK],
    ["items that are not an array", { items: { digit: "1" } }, CHECK],
    ["a blank prompt", { prompt: "" }, CHECK],
  ])("refuses an IVR menu with %s", async (_what, fields, code) => {
    await expect(menu(fields)).rejects.toMatchObject({ code });
  });

  it("refuses a session without a call id", async () => {
    await expect(insert(db(), "ivr_sessions", { session_id: " ", user_id: userId })).rejects.toMatchObject({
      code: CHECK,
    });
  });

  it("refuses to delete a parent menu that still has children", async () => {
    const parent = await menu({});
    await menu({ parent_menu_id: parent });
    const error = await db()
      .query("DELETE FROM ivr_menus WHERE id = $1", [parent])
      .catch((e: { code?: string }) => e);
    // Postgres 15 reports 23503; newer versions (PGlite's 18) report restrict_violation.
    expect([FOREIGN_KEY, RESTRICT]).toContain((error as { code?: string }).code);
  });

  it("deleting a webhook deletes its logs", async () => {
    const id = await webhook({});
    await insert(db(), "webhook_logs", { webhook_id: id, event: "call.started" });
    await db().query("DELETE FROM webhooks WHERE id = $1", [id]);
    expect((await db().query("SELECT 1 FROM webhook_logs WHERE webhook_id = $1", [id])).rowCount).toBe(0);
  });

  it("deleting a menu keeps its sessions and clears their current menu", async () => {
    const id = await menu({});
    const session = await insert(db(), "ivr_sessions", {
      session_id: `call-${hex()}`,
      user_id: userId,
      current_menu_id: id,
    });
    await db().query("DELETE FROM ivr_menus WHERE id = $1", [id]);
    const { rows } = await db().query("SELECT current_menu_id FROM ivr_sessions WHERE id = $1", [session]);
    expect(rows).toEqual([{ current_menu_id: null }]);
  });

  it("deleting a user deletes all of their rows", async () => {
    const doomed = await createUser(db());
    const fields = { user_id: doomed };
    await insert(db(), "api_keys", { ...fields, name: "k", key_prefix: "vx_abcdefg", key_hash: hex() });
    await insert(db(), "webhooks", {
      ...fields,
      url: "https://e.com",
      events: ["a"],
      secret: "whsec_0123456789abcdef",
    });
    await insert(db(), "ivr_menus", { ...fields, name: "m", prompt: "p" });
    await insert(db(), "agents", { ...fields, name: "a" });
    await db().query("DELETE FROM auth.users WHERE id = $1", [doomed]);
    for (const table of ["api_keys", "webhooks", "ivr_menus", "agents", "ivr_sessions"]) {
      expect((await db().query(`SELECT 1 FROM ${table} WHERE user_id = $1`, [doomed])).rowCount, table).toBe(0);
    }
  });

  it("keeps updated_at current on every update", async () => {
    const id = await menu({ created_at: "2000-01-01", updated_at: "2000-01-01" });
    await db().query("UPDATE ivr_menus SET name = 'Renamed' WHERE id = $1", [id]);
    const { rows } = await db().query<{ moved: boolean }>(
      "SELECT updated_at > created_at AS moved FROM ivr_menus WHERE id = $1",
      [id],
    );
    expect(rows[0]!.moved).toBe(true);
  });
});

let counter = 0;
function hex(): string {
  return (++counter).toString(16).padStart(64, "a");
}

async function insert(db: Database, table: string, fields: Record<string, unknown>): Promise<string> {
  const names = Object.keys(fields);
  const values = Object.values(fields).map((v) =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? JSON.stringify(v) : v,
  );
  const sql = `INSERT INTO ${table} (${names.join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING id`;
  return (await db.query<{ id: string }>(sql, values)).rows[0]!.id;
}
