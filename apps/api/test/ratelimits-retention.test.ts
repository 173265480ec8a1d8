// The worker's hourly retention pass prunes the standalone rate limiter's identifiers once idle for an hour, so a
// limiter keyed by IP address does not keep a row for every address it ever saw; active limits are untouched.
import { randomUUID } from "node:crypto";
import { describeDatabases } from "@vx/db/testing";
import { manualClock } from "@vx/webhooks/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import ratelimitRoutes from "../src/routes/ratelimits/index.js";
import { createTestApp, type TestApp } from "../src/testing.js";
import { startRetention } from "../src/workers/retention.js";

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;

describeDatabases("rate limiter retention in the worker", ({ db }) => {
  const clock = manualClock(new Date("2030-03-01T12:00:00Z"));
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ db: db(), now: clock.now, routes: [ratelimitRoutes] });
  });
  afterAll(async () => {
    await t.close();
  });

  it("prunes identifiers idle for an hour and keeps one whose window still runs, which stays limited", async () => {
    const userId = randomUUID();
    // A token per call: the clock moves past a token's lifetime.
    const limit = async (identifier: string, duration_ms: number) =>
      (
        await t.app.inject({
          method: "POST",
          url: "/v1/ratelimits/limit",
          headers: await t.authHeaders(userId),
          payload: { namespace: "login", identifier, limit: 1, duration_ms },
        })
      ).json() as { success: boolean };
    const identifiers = async () =>
      (
        await db().query<{ identifier: string }>(
          "SELECT identifier FROM ratelimit_states WHERE user_id = $1 ORDER BY identifier",
          [userId],
        )
      ).rows.map((r) => r.identifier);
    const retentionPass = async () => {
      const retention = startRetention(t.ctx);
      await retention.runNow();
      await retention.stop();
    };

    for (const ip of ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) {
      expect((await limit(ip, MINUTE)).success).toBe(true);
    }
    expect((await limit("203.0.113.9", DAY)).success).toBe(true);

    // Idle for less than an hour: nothing goes yet.
    clock.advance(50 * MINUTE);
    await retentionPass();
    expect(await identifiers()).toHaveLength(4);

    clock.advance(20 * MINUTE);
    await retentionPass();
    expect(await identifiers()).toEqual(["203.0.113.9"]);
    expect((await limit("203.0.113.9", DAY)).success).toBe(false);
    expect((await limit("198.51.100.1", MINUTE)).success).toBe(true);
  });
});
