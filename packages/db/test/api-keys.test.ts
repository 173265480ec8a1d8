// The api-keys repository contract, its concurrency proof and the RLS path, on PGlite and on Postgres.
import { ApiKeyService, type CreditsRefill, hashKey } from "@vx/api-keys";
import { describeApiKeyRepository, describeRateLimitRepository } from "@vx/api-keys/testing";
import { createUser, describeDatabases, TEST_CONNECT_TIMEOUT_MS } from "@vx/db/testing";
import { describe, expect, it } from "vitest";
import { Database, PgApiKeyRepository, PgRateLimitRepository } from "../src/index.js";
import { expectMicrosecondKeysPagedExactly } from "./support/microsecond-keys.js";

describeDatabases("PgApiKeyRepository", ({ db, target }) => {
  describeApiKeyRepository(target, () => {
    // "Another API process": its own pool on the same database. PGlite's socket resets connections beyond
    // its limit, so the second pool stays small there.
    const peerDb = new Database({
      kind: db().kind,
      url: db().url,
      poolSize: target === "pglite" ? 4 : 10,
      connectTimeoutMs: TEST_CONNECT_TIMEOUT_MS,
    });
    return {
      repository: new PgApiKeyRepository(db()),
      peer: new PgApiKeyRepository(peerDb),
      createUser: () => createUser(db()),
      close: () => peerDb.close(),
    };
  });

  describeRateLimitRepository(target, () => {
    const peerDb = new Database({
      kind: db().kind,
      url: db().url,
      poolSize: target === "pglite" ? 4 : 10,
      connectTimeoutMs: TEST_CONNECT_TIMEOUT_MS,
    });
    return {
      repository: new PgRateLimitRepository(db()),
      peer: new PgRateLimitRepository(peerDb),
      createUser: () => createUser(db()),
      close: () => peerDb.close(),
    };
  });

  it("pages keys whose created_at differ only in microseconds without skipping or repeating one", async () => {
    await expectMicrosecondKeysPagedExactly(db(), new PgApiKeyRepository(db()), await createUser(db()));
  });

  describe("row level security", () => {
    it("lets a user see and change only their own keys and usage through db.asUser", async () => {
      const keys = new ApiKeyService({ repository: new PgApiKeyRepository(db()), batching: false });
      const alice = await createUser(db());
      const bob = await createUser(db());
      const { apiKey, plainKey } = await keys.createApiKey({ user_id: alice, name: "alice's key" });
      await keys.verifyApiKey(plainKey);
      const range = { from: new Date(0), to: new Date("2200-01-01T00:00:00Z") };

      await db().asUser(bob, async (tx) => {
        const repo = new PgApiKeyRepository(tx);
        // No owner filter passed: only the database's policies stand between bob and alice's key.
        expect(await repo.getApiKeyById(apiKey.id)).toBeNull();
        expect(await repo.getApiKeyByHash(hashKey(plainKey))).toBeNull();
        expect(await repo.getApiKeysByUserId(alice)).toEqual([]);
        expect(await repo.updateApiKey(apiKey.id, { name: "bob's now", enabled: false })).toBeNull();
        expect(await repo.rotateApiKey(apiKey.id, replacement())).toBeNull();
        expect(await repo.getApiKeyUsageStats(apiKey.id, range)).toEqual([]);
        expect(await repo.deleteApiKey(apiKey.id)).toBe(false);
      });

      await db().asUser(alice, async (tx) => {
        const repo = new PgApiKeyRepository(tx);
        expect((await repo.getApiKeyById(apiKey.id))?.name).toBe("alice's key");
        expect(await repo.getApiKeyUsageStats(apiKey.id, range)).toHaveLength(1);
        expect((await repo.updateApiKey(apiKey.id, { name: "renamed" }))?.name).toBe("renamed");
      });
      expect((await keys.getApiKey(apiKey.id, alice)).enabled).toBe(true);
    });

    it("runs the service's user calls inside a user's RLS transaction", async () => {
      const alice = await createUser(db());
      const created = await db().asUser(alice, (tx) =>
        new ApiKeyService({ repository: new PgApiKeyRepository(tx), batching: false }).createApiKey({
          user_id: alice,
          name: "made through RLS",
          scopes: ["webhooks:read"],
        }),
      );
      const stats = await db().asUser(alice, (tx) =>
        new ApiKeyService({ repository: new PgApiKeyRepository(tx) }).getApiKeyStats(created.apiKey.id, alice),
      );
      expect(stats.total_requests).toBe(0);
    });

    it("refuses a user who tries to count usage or verify keys directly", async () => {
      const alice = await createUser(db());
      await expect(
        db().asUser(alice, (tx) =>
          tx.query(
            "SELECT * FROM public.vx_api_key_verify_batch($1::text[], $2::text[], $3::integer[], $4::text[], now())",
            [[hashKey("x")], [""], [1], [""]],
          ),
        ),
      ).rejects.toThrow(/permission denied/);
      await expect(
        db().asUser(alice, (tx) =>
          tx.query(
            "INSERT INTO public.api_key_usage_hourly (key_id, user_id, hour) VALUES (gen_random_uuid(), $1, now())",
            [alice],
          ),
        ),
      ).rejects.toThrow(/permission denied/);
    });
  });

  describe("schema", () => {
    it("keeps updated_at for settings changes: counting a use does not move it", async () => {
      const keys = new ApiKeyService({ repository: new PgApiKeyRepository(db()), batching: false });
      const alice = await createUser(db());
      const { apiKey, plainKey } = await keys.createApiKey({ user_id: alice, name: "k" });
      await keys.verifyApiKey(plainKey);
      const used = await keys.getApiKey(apiKey.id, alice);
      expect(used.usage_count).toBe(1);
      expect(used.updated_at).toEqual(apiKey.updated_at);
      const renamed = await keys.updateApiKey(apiKey.id, alice, { name: "renamed" });
      expect(renamed.updated_at.getTime()).not.toBe(apiKey.updated_at.getTime());
    });

    it("moves updated_at when a statement changes any settings column, never for a count, credits or a no-op", async () => {
      // The trigger is considered only for statements that set a settings column (migration 022's UPDATE OF):
      // each of the 13 must still move updated_at, directly in SQL as a Supabase user would write.
      const keys = new ApiKeyService({ repository: new PgApiKeyRepository(db()), batching: false });
      const alice = await createUser(db());
      const bob = await createUser(db());
      const { apiKey, plainKey } = await keys.createApiKey({ user_id: alice, name: "k", credits: { remaining: 50 } });
      const identity = (
        await db().query<{ id: string }>(
          "INSERT INTO public.api_key_identities (user_id, external_id) VALUES ($1, 'customer') RETURNING id",
          [alice],
        )
      ).rows[0]!.id;
      const OLD = "2001-01-01T00:00:00.000Z";
      const updatedAfter = async (set: string, params: unknown[] = []) => {
        await db().query("UPDATE public.api_keys SET updated_at = $2 WHERE id = $1", [apiKey.id, OLD]);
        await db().query(`UPDATE public.api_keys SET ${set} WHERE id = $1`, [apiKey.id, ...params]);
        const { rows } = await db().query<{ updated_at: Date }>(
          "SELECT updated_at FROM public.api_keys WHERE id = $1",
          [apiKey.id],
        );
        return rows[0]!.updated_at.toISOString();
      };
      const changes: [string, unknown[]][] = [
        ["name = 'renamed'", []],
        ["key_prefix = 'vx_zzzzzzz'", []],
        ["key_hash = md5('a') || md5('b')", []],
        ["expires_at = '2200-01-01'", []],
        ["rate_limit = 5", []],
        ["usage_quota = 500", []],
        ["enabled = false", []],
        ["scopes = '{ivr:read}'", []],
        [`meta = '{"plan": "pro"}'`, []],
        [`ratelimits = '[{"name": "s", "limit": 9, "duration_ms": 1000, "auto_apply": false}]'`, []],
        [`credits_refill = '{"interval": "daily", "amount": 5}'`, []],
        ["identity_id = $2", [identity]],
        ["identity_id = NULL, user_id = $2", [bob]],
      ];
      for (const [set, params] of changes) expect([set, await updatedAfter(set, params)]).not.toEqual([set, OLD]);
      for (const set of [
        "name = name",
        "usage_count = usage_count + 1, last_used_at = now()",
        "credits_remaining = 7",
        "ratelimit_state = '{{0, 9, 1000, 9000, 1}}', credits_refilled_at = now()",
      ]) {
        expect([set, await updatedAfter(set)]).toEqual([set, OLD]);
      }
      await db().query("UPDATE public.api_keys SET enabled = true, user_id = $2, key_hash = $3 WHERE id = $1", [
        apiKey.id,
        alice,
        hashKey(plainKey),
      ]);
      await db().query("UPDATE public.api_keys SET updated_at = $2 WHERE id = $1", [apiKey.id, OLD]);
      expect((await keys.verifyApiKey(plainKey, { scopes: ["ivr:read"] })).code).toBe("VALID");
      expect((await keys.getApiKey(apiKey.id, alice)).updated_at.toISOString()).toBe(OLD);
    });

    it("refills credits in verification at the moment vx_credits_last_refill names, at every month edge", async () => {
      // The verification function computes the refill moment inline (migration 021); the owner's credit changes
      // call vx_credits_last_refill. A key refilled just at that moment must not refill again, and one refilled a
      // microsecond before it must: so the two agree to the microsecond, or this fails.
      const keys = new ApiKeyService({ repository: new PgApiKeyRepository(db()), batching: false });
      const alice = await createUser(db());
      const refills: CreditsRefill[] = [
        { interval: "daily", amount: 5 },
        { interval: "monthly", amount: 5 },
        ...[1, 15, 28, 29, 30, 31].map((refill_day) => ({ interval: "monthly" as const, amount: 5, refill_day })),
      ];
      const instants = [
        "2031-02-27T12:00:00Z",
        "2031-02-28T00:00:00Z",
        "2031-02-28T23:59:59.999Z",
        "2031-03-01T00:00:00Z",
        "2031-03-30T12:00:00Z",
        "2031-03-31T00:00:00Z",
        "2031-06-14T23:59:59Z",
        "2031-06-15T00:00:00Z",
        "2031-12-31T23:59:00Z",
        "2032-01-01T00:00:00Z",
        "2032-02-29T10:00:00Z",
      ];
      const verifyAt = async (hash: string, at: string) => {
        const { rows } = await db().query<{ code: string; credits_remaining: number }>(
          "SELECT code, credits_remaining FROM public.vx_api_key_verify_batch(ARRAY[$1], ARRAY[''], ARRAY[1], ARRAY[''], $2)",
          [hash, at],
        );
        return rows[0];
      };
      for (const refill of refills) {
        const { apiKey, plainKey } = await keys.createApiKey({
          user_id: alice,
          name: `refill ${JSON.stringify(refill)}`,
          credits: { remaining: 0, refill },
        });
        for (const at of instants) {
          for (const [before, expected] of [
            [0, { code: "USAGE_EXCEEDED", credits_remaining: 0 }],
            [1, { code: "VALID", credits_remaining: 4 }],
          ] as const) {
            await db().query(
              `UPDATE public.api_keys SET credits_remaining = 0,
                 credits_refilled_at = public.vx_credits_last_refill($2::jsonb, $3) - make_interval(secs => $4 / 1e6)
               WHERE id = $1`,
              [apiKey.id, JSON.stringify(refill), at, before],
            );
            expect({ refill, at, before, ...(await verifyAt(hashKey(plainKey), at)) }).toEqual({
              refill,
              at,
              before,
              ...expected,
            });
          }
        }
      }
    });

    it("refuses meta that is not an object or over 8192 bytes as text, as check_violation naming <table>_meta_check", async () => {
      // Migration 023 moved this rule from a CHECK constraint to a trigger on statements that set meta: callers
      // reading the SQLSTATE or the constraint name must see what the CHECK gave them.
      const alice = await createUser(db());
      // jsonb prints {"blob": "…"}: 12 bytes around the value.
      const fits = JSON.stringify({ blob: "x".repeat(8192 - 12) });
      const big = JSON.stringify({ blob: "x".repeat(8192 - 11) });
      for (const table of ["api_keys", "api_key_identities"] as const) {
        const insert =
          table === "api_keys"
            ? "INSERT INTO public.api_keys (user_id, name, key_prefix, key_hash, meta) VALUES ($1, 'k', 'vx_abcdefg', md5(random()::text) || md5(random()::text), $2) RETURNING id"
            : "INSERT INTO public.api_key_identities (user_id, external_id, meta) VALUES ($1, md5(random()::text), $2) RETURNING id";
        for (const meta of ["[1]", '"text"', big]) {
          await expect(db().query(insert, [alice, meta]), `${table} ${meta.slice(0, 10)}`).rejects.toMatchObject({
            code: "23514",
            constraint: `${table}_meta_check`,
            table,
            column: "meta",
          });
        }
        const id = (await db().query<{ id: string }>(insert, [alice, fits])).rows[0]!.id;
        await db().query(`UPDATE public.${table} SET meta = NULL WHERE id = $1`, [id]);
        await expect(db().query(`UPDATE public.${table} SET meta = $2 WHERE id = $1`, [id, big])).rejects.toMatchObject(
          {
            code: "23514",
            constraint: `${table}_meta_check`,
          },
        );
        const { rows } = await db().query<{ meta: unknown }>(`SELECT meta FROM public.${table} WHERE id = $1`, [id]);
        expect(rows).toEqual([{ meta: null }]);
      }
    });

    it("checks meta only in statements that set it: a verification never re-reads a key's meta", async () => {
      // Every CHECK runs on every UPDATE; migration 023's trigger runs only for statements that set meta. Proof
      // without a clock: a meta that breaks the rule, stored past the trigger, leaves verification and a rename in
      // SQL working (a CHECK would have refused both), while a statement that sets meta is still refused.
      const keys = new ApiKeyService({ repository: new PgApiKeyRepository(db()), batching: false });
      const alice = await createUser(db());
      const { apiKey, plainKey } = await keys.createApiKey({
        user_id: alice,
        name: "k",
        meta: { plan: "pro" },
        credits: { remaining: 5 },
        ratelimits: [{ name: "s", limit: 10, duration_ms: 1000, auto_apply: true }],
      });
      await db().transaction(async (tx) => {
        await tx.query("SET LOCAL session_replication_role = replica");
        await tx.query("UPDATE public.api_keys SET meta = '[\"not an object\"]' WHERE id = $1", [apiKey.id]);
      });
      const verified = await keys.verifyApiKey(plainKey);
      expect(verified).toMatchObject({ valid: true, meta: ["not an object"] });
      expect((await keys.getApiKey(apiKey.id, alice)).usage_count).toBe(1);
      await db().query("UPDATE public.api_keys SET name = 'renamed' WHERE id = $1", [apiKey.id]);
      expect((await keys.getApiKey(apiKey.id, alice)).name).toBe("renamed");
      await expect(
        db().query("UPDATE public.api_keys SET meta = meta WHERE id = $1", [apiKey.id]),
      ).rejects.toMatchObject({ code: "23514", constraint: "api_keys_meta_check" });
      const { rows } = await db().query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_constraint
           WHERE conrelid IN ('public.api_keys'::regclass, 'public.api_key_identities'::regclass)
             AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%meta%'`,
      );
      expect(rows[0]!.n).toBe(0);
    });

    it("removes a user's usage history with the user", async () => {
      const keys = new ApiKeyService({ repository: new PgApiKeyRepository(db()), batching: false });
      const alice = await createUser(db());
      const { plainKey } = await keys.createApiKey({ user_id: alice, name: "k" });
      await keys.verifyApiKey(plainKey);
      await db().query("DELETE FROM auth.users WHERE id = $1", [alice]);
      const { rows } = await db().query("SELECT 1 FROM public.api_key_usage_hourly WHERE user_id = $1", [alice]);
      expect(rows).toEqual([]);
    });
  });
});

function replacement() {
  const now = new Date();
  return { key_prefix: "vx_abcdefg", key_hash: hashKey(`r-${Math.random()}`), now, retire_at: now };
}
