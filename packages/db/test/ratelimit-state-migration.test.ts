// Migration 029 turns the JSON GCRA state ({name: [TAT × limit, limit]}) into the typed plan (one row per limit).
// Keys and identities counted before it must go on exactly where they were, and so must they after its way down.
import { ApiKeyService } from "@vx/api-keys";
import { createUser, describeDatabases } from "@vx/db/testing";
import { expect, it } from "vitest";
import { migrate, PgApiKeyRepository } from "../src/index.js";

describeDatabases("migration 029: typed rate-limit state", ({ db }) => {
  it("carries every TAT counted before it by name, and back again on its way down", async () => {
    const t0 = Date.parse("2031-06-01T12:00:00Z");
    const keys = new ApiKeyService({
      repository: new PgApiKeyRepository(db()),
      now: () => new Date(t0),
      batching: false,
    });
    const second = (name: string, limit: number) => ({ name, limit, duration_ms: 1000, auto_apply: true });
    const remaining = async (key: string) =>
      (await keys.verifyApiKey(key)).ratelimits?.map((l) => [l.source, l.name, l.remaining]);
    const state = async () =>
      (await db().query<{ s: string }>("SELECT ratelimit_state::text AS s FROM public.api_keys WHERE name = 'k'"))
        .rows[0]!.s;

    await migrate({ databaseUrl: db().url, direction: "down", count: 1 });
    try {
      const user = await createUser(db());
      const identity = await keys.createIdentity({ user_id: user, external_id: "c-1", ratelimits: [second("s", 3)] });
      const { plainKey } = await keys.createApiKey({
        user_id: user,
        name: "k",
        identity_id: identity.id,
        ratelimits: [second("a", 4), { ...second("named", 2), auto_apply: false }, second("b", 5)],
      });
      expect(await remaining(plainKey)).toEqual([
        ["key", "a", 3],
        ["key", "b", 4],
        ["identity", "s", 2],
      ]);
      const before = JSON.parse(await state());
      expect(Object.keys(before).sort()).toEqual(["a", "b"]);

      await migrate({ databaseUrl: db().url });
      const tat = (n: number) => String((t0 + 1000 / n) * n);
      expect(await state()).toBe(`{{1,4,1000,4000,${tat(4)}},{0,2,1000,2000,NULL},{1,5,1000,5000,${tat(5)}}}`);
      expect(await remaining(plainKey)).toEqual([
        ["key", "a", 2],
        ["key", "b", 3],
        ["identity", "s", 1],
      ]);

      await migrate({ databaseUrl: db().url, direction: "down", count: 1 });
      expect(JSON.parse(await state())).toEqual({ a: [(t0 + 500) * 4, 4], b: [(t0 + 400) * 5, 5] });
      expect(await remaining(plainKey)).toEqual([
        ["key", "a", 1],
        ["key", "b", 2],
        ["identity", "s", 0],
      ]);
    } finally {
      await migrate({ databaseUrl: db().url });
    }
  });
});
