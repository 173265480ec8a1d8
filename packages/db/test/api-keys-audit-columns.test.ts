// Migration 026 lets Postgres skip the api_keys audit triggers for statements that set only bookkeeping columns
// (a verification's counters), by naming the watched columns (`UPDATE OF`). What that must not change: every
// setting is still audited, once per change, and owners' credit changes too. The column list is checked against
// the table, so a column added later fails here until it is listed (audited) or named as bookkeeping.
import { ApiKeyService } from "@vx/api-keys";
import { createUser, describeDatabases } from "@vx/db/testing";
import { expect, it } from "vitest";
import { type Database, PgApiKeyRepository } from "../src/index.js";

/** Columns a verification writes: never audited, and not watched by the settings trigger. */
const BOOKKEEPING = [
  "last_used_at",
  "usage_count",
  "updated_at",
  "ratelimit_state",
  "credits_remaining",
  "credits_refilled_at",
];

async function watchedColumns(db: Database, trigger: string): Promise<string[]> {
  const { rows } = await db.query<{ column: string }>(
    `SELECT a.attname AS column FROM pg_trigger AS t
       JOIN pg_attribute AS a ON a.attrelid = t.tgrelid AND a.attnum = ANY (t.tgattr)
      WHERE t.tgname = $1 AND t.tgrelid = 'public.api_keys'::regclass`,
    [trigger],
  );
  return rows.map((r) => r.column).sort();
}

async function changes(db: Database, keyId: string): Promise<string[][]> {
  const { rows } = await db.query<{ changed: string[] }>(
    `SELECT metadata -> 'changed' AS changed FROM public.audit_logs
      WHERE resource_id = $1 AND action = 'api_key.updated' ORDER BY created_at, id`,
    [keyId],
  );
  return rows.map((r) => [...r.changed].sort());
}

describeDatabases("api_keys audit triggers", ({ db }) => {
  it("watches every api_keys column that is not bookkeeping, and credits apart", async () => {
    const { rows } = await db().query<{ column: string }>(
      `SELECT attname AS column FROM pg_attribute
        WHERE attrelid = 'public.api_keys'::regclass AND attnum > 0 AND NOT attisdropped`,
    );
    const settings = rows.map((r) => r.column).filter((c) => !BOOKKEEPING.includes(c));
    expect(await watchedColumns(db(), "api_keys_audit_update")).toEqual(settings.sort());
    expect(await watchedColumns(db(), "api_keys_audit_credits")).toEqual(["credits_remaining"]);
  });

  it("audits a setting and credits changed together once, an owner's credit change alone, and no no-op", async () => {
    const user = await createUser(db());
    const keys = new ApiKeyService({ repository: new PgApiKeyRepository(db()) });
    const { apiKey } = await keys.createApiKey({ user_id: user, name: "metered", credits: { remaining: 50 } });
    const update = (set: string) => db().query(`UPDATE public.api_keys SET ${set} WHERE id = $1`, [apiKey.id]);

    await update("name = 'renamed', credits_remaining = 10");
    await update("name = name, scopes = scopes");
    await update("credits_remaining = credits_remaining");
    await update("credits_remaining = 5");
    // A verification's shape: usage moves with the credits, so neither is a change to audit.
    await update("usage_count = usage_count + 1, credits_remaining = credits_remaining - 1, last_used_at = now()");

    expect(await changes(db(), apiKey.id)).toEqual([["credits_remaining", "name"], ["credits_remaining"]]);
  });

  it("does not move an identity's updated_at when a verification spends its credits, and does for a setting", async () => {
    const user = await createUser(db());
    const keys = new ApiKeyService({ repository: new PgApiKeyRepository(db()) });
    const identity = await keys.createIdentity({ user_id: user, external_id: "customer", credits: { remaining: 9 } });
    const { plainKey } = await keys.createApiKey({ user_id: user, name: "shared", identity_id: identity.id });
    const OLD = new Date("2001-01-01T00:00:00.000Z");
    await db().query("UPDATE public.api_key_identities SET updated_at = $2 WHERE id = $1", [identity.id, OLD]);
    const read = async () =>
      (
        await db().query<{ updated_at: Date; credits_remaining: number }>(
          "SELECT updated_at, credits_remaining FROM public.api_key_identities WHERE id = $1",
          [identity.id],
        )
      ).rows[0]!;

    expect((await keys.verifyApiKey(plainKey)).valid).toBe(true);
    expect(await read()).toEqual({ updated_at: OLD, credits_remaining: 8 });

    await db().query(`UPDATE public.api_key_identities SET meta = '{"plan": "pro"}' WHERE id = $1`, [identity.id]);
    expect((await read()).updated_at.getTime()).toBeGreaterThan(OLD.getTime());
  });
});
