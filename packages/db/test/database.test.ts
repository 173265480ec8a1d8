// The Database handle: RLS context per transaction, rollback on failure, health check.
import { Database, isDatabaseUnavailable, operationName } from "@vx/db";
import { createUser, describeDatabases } from "@vx/db/testing";
import { expect, it } from "vitest";

describeDatabases("database handle", ({ db, target }) => {
  it("runs user work as role authenticated with the user's claims", async () => {
    const userId = await createUser(db());
    const seen = await db().asUser(
      userId,
      async (tx) =>
        (
          await tx.query<{ role: string; uid: string; email: string }>(
            "SELECT current_user AS role, auth.uid() AS uid, auth.jwt() ->> 'email' AS email",
          )
        ).rows[0],
      { email: "a@example.com" },
    );
    expect(seen).toEqual({ role: "authenticated", uid: userId, email: "a@example.com" });
  });

  it("a claim cannot override the user id it was opened for", async () => {
    const userId = await createUser(db());
    const uid = await db().asUser(
      userId,
      async (tx) => (await tx.query<{ uid: string }>("SELECT auth.uid() AS uid")).rows[0]!.uid,
      {
        sub: "00000000-0000-0000-0000-000000000000",
      },
    );
    expect(uid).toBe(userId);
  });

  it("does not leak the role or claims to the next use of the connection", async () => {
    const userId = await createUser(db());
    await db().asUser(userId, async () => undefined);
    const after = await db().query<{ role: string; uid: string | null }>(
      "SELECT current_user AS role, auth.uid() AS uid",
    );
    expect(after.rows[0]).toEqual({ role: "postgres", uid: null });
  });

  it("rolls back everything when the work throws", async () => {
    const userId = await createUser(db());
    await expect(
      db().transaction(async (tx) => {
        await tx.query("INSERT INTO agents (user_id, name) VALUES ($1, 'temp')", [userId]);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect((await db().query("SELECT 1 FROM agents WHERE user_id = $1", [userId])).rowCount).toBe(0);
  });

  it("runs service work as service_role", async () => {
    const role = await db().asService(
      async (tx) => (await tx.query<{ r: string }>("SELECT current_user AS r")).rows[0]!.r,
    );
    expect(role).toBe("service_role");
  });

  it("reports healthy with a latency", async () => {
    expect(await db().healthCheck()).toBe(true);
    const health = await db().health();
    expect(health.healthy).toBe(true);
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
  });

  // A full pool is an outage to the caller (a 503), after connectTimeoutMs, not a request held forever.
  it.runIf(target === "postgres")("fails a statement queued behind a busy pool after connectTimeoutMs", async () => {
    const small = new Database({ kind: "postgres", url: db().url, poolSize: 1, connectTimeoutMs: 300 });
    try {
      let release!: () => void;
      const held = small.transaction(() => new Promise<void>((resolve) => (release = resolve)));
      const started = Date.now();
      const error = await small.query("SELECT 1").catch((e: unknown) => e);
      const waited = Date.now() - started;
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(waited).toBeGreaterThanOrEqual(250);
      release();
      await held;
      expect((await small.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await small.close();
    }
  });
});

describeDatabases("query observers", ({ db }) => {
  it("are told every statement's operation name, duration and outcome", async () => {
    const seen: { operation: string; failed: boolean }[] = [];
    db().observeQueries(({ operation, durationMs, failed }) => {
      expect(durationMs).toBeGreaterThanOrEqual(0);
      seen.push({ operation, failed });
    });
    const userId = await createUser(db());
    await db().asUser(userId, (tx) => tx.query("SELECT id FROM api_keys WHERE user_id = $1", [userId]));
    await db()
      .query("SELECT * FROM no_such_table")
      .catch(() => undefined);
    expect(seen).toEqual([
      { operation: "insert users", failed: false },
      { operation: "select api_keys", failed: false },
      { operation: "select no_such_table", failed: true },
    ]);
  });
});

it.each([
  ["SELECT * FROM vx_verify_api_keys($1, $2, $3, $4)", "vx_verify_api_keys"],
  ["select id from public.api_keys where key_hash = $1", "select api_keys"],
  ["INSERT INTO webhook_logs (webhook_id) VALUES ($1)", "insert webhook_logs"],
  ["UPDATE ivr_sessions SET retry_count = 1", "update ivr_sessions"],
  ["WITH x AS (SELECT 1) DELETE FROM audit_logs WHERE id IN (SELECT 1)", "delete audit_logs"],
  ["SELECT 1", "select"],
  ["COMMIT", "commit"],
])("names %s as %s", (sql, name) => {
  expect(operationName(sql)).toBe(name);
});
