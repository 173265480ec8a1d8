// Verification and the rate limiter run thousands of times a second: on Postgres they go as named prepared
// statements, parsed and planned once per connection (about a tenth of a 12-key batch's server time). Through a
// transaction pooler, or on PGlite whose pooled connections share one session, they stay unnamed; and a server that
// refuses the name gets the statement again unnamed, counted once.
import { randomBytes } from "node:crypto";
import { ApiKeyService, hashKey, RateLimiter } from "@vx/api-keys";
import { Database, openDatabase, PgApiKeyRepository, PgRateLimitRepository } from "@vx/db";
import { createUser, runOnServer, testPostgresUrl, withDatabase } from "@vx/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("prepared statements", () => {
  it("are off on embedded PGlite and through a transaction pooler, on elsewhere unless turned off", async () => {
    const direct = "postgresql://u@127.0.0.1:1/app";
    const cases: [Database, boolean][] = [
      [new Database({ kind: "postgres", url: direct }), true],
      [new Database({ kind: "postgres", url: direct, preparedStatements: false }), false],
      [new Database({ kind: "postgres", url: "postgresql://u@pooler.example.com:6543/app" }), false],
      [new Database({ kind: "postgres", url: `${direct}?pgbouncer=true` }), false],
      [new Database({ kind: "pglite", url: direct }), false],
    ];
    try {
      expect(cases.map(([db]) => db.preparesStatements)).toEqual(cases.map(([, expected]) => expected));
    } finally {
      await Promise.all(cases.map(([db]) => db.close()));
    }
  });

  const server = testPostgresUrl();
  describe.skipIf(!server)("on Postgres", () => {
    const name = `vx_test_prepared_${randomBytes(4).toString("hex")}`;
    let url: string;
    beforeAll(async () => {
      await runOnServer(server!, `CREATE DATABASE ${name}`);
      url = withDatabase(server!, name);
      (await openDatabase({ url })).close();
    });
    afterAll(() => runOnServer(server!, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

    /** One pooled connection, so pg_prepared_statements shows the session that verified. */
    async function oneConnection(options: { preparedStatements?: boolean; pooled?: boolean } = {}) {
      const db = await openDatabase({
        url: options.pooled ? `${url}?pgbouncer=true` : url,
        migrate: false,
        poolSize: 1,
        preparedStatements: options.preparedStatements,
      });
      const keys = new ApiKeyService({ repository: new PgApiKeyRepository(db), batching: false });
      const limiter = new RateLimiter({ repository: new PgRateLimitRepository(db), owner: await createUser(db) });
      const { plainKey, apiKey } = await keys.createApiKey({
        user_id: await createUser(db),
        name: "hot",
        usage_quota: 10,
      });
      const prepared = async () =>
        (await db.query<{ name: string }>("SELECT name FROM pg_prepared_statements ORDER BY name")).rows.map(
          (r) => r.name,
        );
      const usage = async () => (await keys.getApiKey(apiKey.id, apiKey.user_id))!.usage_count;
      return { db, keys, limiter, plainKey, prepared, usage };
    }

    it("sends one verification, a batch and the limiter as named statements, prepared once per connection", async () => {
      const { db, keys, limiter, plainKey, prepared, usage } = await oneConnection();
      try {
        const batch = new PgApiKeyRepository(db);
        for (let i = 0; i < 3; i++) {
          expect((await keys.verifyApiKey(plainKey)).code).toBe("VALID");
          const hashes = [plainKey, plainKey].map((k) => ({ keyHash: hashKey(k), scopes: [], cost: 1 }));
          expect((await batch.verifyApiKeys(hashes, new Date())).map((o) => o.code)).toEqual(["VALID", "VALID"]);
          expect((await limiter.limit("sms", "+15550100", { limit: 100, duration_ms: 60_000 })).success).toBe(true);
        }
        expect(await prepared()).toEqual(["vx_api_key_verify", "vx_api_key_verify_batch", "vx_ratelimit_batch"]);
        expect(db.preparesStatements).toBe(true);
        expect(await usage()).toBe(9);
      } finally {
        await db.close();
      }
    });

    it("sends them unnamed through a transaction pooler's URL, or when turned off", async () => {
      for (const options of [{ pooled: true }, { preparedStatements: false }]) {
        const { db, keys, plainKey, prepared, usage } = await oneConnection(options);
        try {
          expect((await keys.verifyApiKey(plainKey)).code).toBe("VALID");
          expect(db.preparesStatements).toBe(false);
          expect(await prepared()).toEqual([]);
          expect(await usage()).toBe(1);
        } finally {
          await db.close();
        }
      }
    });

    it("sends a statement the server no longer knows again unnamed, counting it once, and prepares no more", async () => {
      const { db, keys, plainKey, prepared, usage } = await oneConnection();
      try {
        expect((await keys.verifyApiKey(plainKey)).code).toBe("VALID");
        // What a pooler does when it hands the next statement to another server connection: the name is unknown there.
        await db.query("DEALLOCATE ALL");
        const result = await keys.verifyApiKey(plainKey);
        expect(result.code).toBe("VALID");
        expect(result.remaining).toBe(8);
        expect(db.preparesStatements).toBe(false);
        expect((await keys.verifyApiKey(plainKey)).remaining).toBe(7);
        expect(await prepared()).toEqual([]);
        expect(await usage()).toBe(3);
      } finally {
        await db.close();
      }
    });
  });
});
