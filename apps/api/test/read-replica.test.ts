// DATABASE_READ_URL: listings and stats read from the replica; writes, verifications and single reads never do.
import { randomUUID } from "node:crypto";
import { type Database, openDatabase, type QueryTarget } from "@vx/db";
import { createReplicaStandIn, describeDatabases, describeStandby, type ReplicaStandIn } from "@vx/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPLICA_READ_ROUTES } from "../src/http/replica-routes.js";
import { createTestApp, type TestApp } from "../src/testing.js";

describeDatabases("read replica routes", ({ db, target }) => {
  it("names only routes the app has, each a GET", async () => {
    const t = await createTestApp({ db: db() });
    try {
      for (const route of REPLICA_READ_ROUTES) {
        const [method, url] = route.split(" ") as ["GET", string];
        expect(method, route).toBe("GET");
        expect(t.app.hasRoute({ method, url }), route).toBe(true);
      }
    } finally {
      await t.close();
    }
  });

  if (target !== "postgres") return;

  describe("with DATABASE_READ_URL", () => {
    let replica: ReplicaStandIn;
    let withReplica: Database;
    let t: TestApp;
    beforeAll(async () => {
      replica = await createReplicaStandIn(db());
      withReplica = await openDatabase({ url: db().url, readUrl: replica.url, migrate: false, poolSize: 4 });
      t = await createTestApp({ db: withReplica });
    });
    afterAll(async () => {
      await t?.close();
      await withReplica?.close();
      await replica?.drop();
    });

    const targetsOf = (table: string, work: () => Promise<unknown>) => targetsOn(withReplica, table, work);

    it("creates on the primary, lists and counts from the replica, verifies keys on the primary", async () => {
      const user = await t.authHeaders(randomUUID());
      let plainKey = "";
      let keyId = "";
      const created = await targetsOf("api_keys", async () => {
        const res = await t.app.inject({
          method: "POST",
          url: "/v1/api-keys",
          headers: user,
          payload: { name: "replica", scopes: ["webhooks:read"] },
        });
        expect(res.statusCode, res.body).toBe(201);
        ({
          plain_key: plainKey,
          api_key: { id: keyId },
        } = res.json());
      });
      expect(created).toEqual(new Set(["primary"]));

      const listed = await targetsOf("api_keys", async () => {
        const res = await t.app.inject({ method: "GET", url: "/v1/api-keys", headers: user });
        expect(res.json().data.map((k: { id: string }) => k.id)).toEqual([keyId]);
      });
      expect(listed).toEqual(new Set(["replica"]));

      // The key's verification writes its usage: primary. The listing behind it: replica.
      const viaKey = await targetsOf("webhooks", async () => {
        const res = await t.app.inject({ method: "GET", url: "/v1/webhooks", headers: { "x-api-key": plainKey } });
        expect(res.statusCode, res.body).toBe(200);
      });
      expect(viaKey).toEqual(new Set(["primary", "replica"]));

      const single = await targetsOf("api_keys", () =>
        t.app.inject({ method: "GET", url: `/v1/api-keys/${keyId}`, headers: user }),
      );
      expect(single).toEqual(new Set(["primary"]));

      const stats = await t.app.inject({ method: "GET", url: `/v1/api-keys/${keyId}/stats`, headers: user });
      expect(stats.statusCode, stats.body).toBe(200);
      expect(stats.json()).toMatchObject({ total_requests: 1 });
    });

    it("reports the replica on /ready without making the app unready", async () => {
      const res = await t.app.inject({ method: "GET", url: "/ready" });
      expect(res.statusCode).toBe(200);
      expect(res.json().checks.replica).toMatchObject({ ok: true });
    });
  });

  describeStandby("on a real streaming standby", db, (standby) => {
    let withStandby: Database;
    let t: TestApp;
    beforeAll(async () => {
      // Past 500 ms a listing reads the primary: long enough for a busy machine's replay, short for a paused one.
      withStandby = await openDatabase({ url: db().url, readUrl: standby().url, readMaxWaitMs: 500, migrate: false });
      t = await createTestApp({ db: withStandby });
    });
    afterAll(async () => {
      await t?.close();
      await withStandby?.close();
    });

    const createKey = async (user: Record<string, string>, name: string) => {
      const res = await t.app.inject({ method: "POST", url: "/v1/api-keys", headers: user, payload: { name } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().api_key.id as string;
    };
    const listKeys = async (user: Record<string, string>) => {
      const res = await t.app.inject({ method: "GET", url: "/v1/api-keys", headers: user });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data.map((k: { id: string }) => k.id);
    };

    it("lists a key created a moment before, from the standby", async () => {
      const running = await standby().shared();
      try {
        const user = await t.authHeaders(randomUUID());
        const id = await createKey(user, "fresh");
        const targets = await targetsOn(withStandby, "api_keys", async () => {
          expect(await listKeys(user)).toEqual([id]);
        });
        expect(targets).toEqual(new Set(["replica"]));
      } finally {
        await running.release();
      }
    });

    it("while the standby's replay is paused, lists the key just created from the primary and reports the lag", async () => {
      const user = await t.authHeaders(randomUUID());
      await standby().whileReplayPaused(async () => {
        const id = await createKey(user, "during the pause");
        const targets = await targetsOn(withStandby, "api_keys", async () => {
          expect(await listKeys(user)).toEqual([id]);
        });
        expect(targets).toEqual(new Set(["primary"]));
        const ready = await t.app.inject({ method: "GET", url: "/ready" });
        expect(ready.statusCode).toBe(200);
        expect(ready.json().checks.replica).toMatchObject({ ok: true, lag_seconds: expect.any(Number) });
        expect(ready.json().checks.replica.lag_bytes).toBeGreaterThan(0);
        const metrics = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
        expect(Number(/^vx_db_replica_lag_bytes (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
        expect(metrics).toMatch(/^vx_db_replica_lag_seconds \d/m);
        expect(metrics).toMatch(/^vx_db_replica_reads_total\{outcome="lagging"\} 1$/m);
      });
    });
  });
});

/** The servers that ran the statements on `table` while `work` ran. */
async function targetsOn(db: Database, table: string, work: () => Promise<unknown>): Promise<Set<QueryTarget>> {
  const seen = new Set<QueryTarget>();
  const stop = db.observeQueries(({ operation, target }) => {
    if (operation.endsWith(` ${table}`) || operation.startsWith("vx_")) seen.add(target);
  });
  try {
    await work();
  } finally {
    stop();
  }
  return seen;
}
