// A process keeps few verification statements in flight (bigger batches, fewer commits). So a batch that waits, here
// for a key row that a long transaction holds, must not hold up the other keys' verifications of the process: after
// stalledAfterMs (100 ms) one more statement goes out beside it. With maxInFlight 1, so that no other slot is free
// and only the stalled one's extra slot can answer. Postgres only: PGlite runs one session at a time.
import { ApiKeyService, RateLimiter } from "@vx/api-keys";
import { openDatabase, PgApiKeyRepository, PgRateLimitRepository } from "@vx/db";
import { createPostgresTestDatabase, createUser, type TestDatabase, testPostgresUrl } from "@vx/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const server = testPostgresUrl();
describe.skipIf(!server)("micro-batching beside a stalled statement, on Postgres", () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createPostgresTestDatabase(server!);
  });
  afterAll(() => test.drop());

  /** Holds `sql` locked in an open transaction on its own connection until the returned release() is called. */
  async function holdLock(sql: string, params: unknown[]) {
    const locker = await openDatabase({ url: test.db.url, migrate: false, poolSize: 1 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const held = new Promise<void>((resolve) => (locked = resolve));
    const done = locker.transaction(async (tx) => {
      await tx.query(sql, params);
      locked();
      await released;
    });
    await held;
    return async () => {
      release();
      await done;
      await locker.close();
    };
  }

  it("answers another key while one key's row is locked, and the locked key once the lock goes", async () => {
    const keys = new ApiKeyService({ repository: new PgApiKeyRepository(test.db), batching: { maxInFlight: 1 } });
    const owner = await createUser(test.db);
    const locked = await keys.createApiKey({ user_id: owner, name: "locked" });
    const free = await keys.createApiKey({ user_id: owner, name: "free" });
    const release = await holdLock("SELECT 1 FROM public.api_keys WHERE id = $1 FOR UPDATE", [locked.apiKey.id]);
    let lockedAnswered = false;
    const waiting = keys.verifyApiKey(locked.plainKey).then((result) => {
      lockedAnswered = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await keys.verifyApiKey(free.plainKey)).code).toBe("VALID");
    expect(lockedAnswered).toBe(false);
    await release();
    expect((await waiting).code).toBe("VALID");
    expect((await keys.getApiKey(locked.apiKey.id, owner))!.usage_count).toBe(1);
  });

  it("answers another identifier of the standalone limiter while one identifier's state is locked", async () => {
    const owner = await createUser(test.db);
    const repository = new PgRateLimitRepository(test.db);
    const limiter = new RateLimiter({ repository, owner, batching: { maxInFlight: 1 } });
    const options = { limit: 10, duration_ms: 60_000 };
    expect((await limiter.limit("sms", "+15550100", options)).success).toBe(true);
    const release = await holdLock(
      "SELECT 1 FROM public.ratelimit_states WHERE user_id = $1 AND identifier = $2 FOR UPDATE",
      [owner, "+15550100"],
    );
    const waiting = limiter.limit("sms", "+15550100", options);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await limiter.limit("sms", "+15550199", options)).success).toBe(true);
    await release();
    expect((await waiting).remaining).toBe(8);
  });
});
