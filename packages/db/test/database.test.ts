// The Database handle: RLS context per transaction, rollback on failure, health check.
import { createUser, describeDatabases } from "@vx/db/testing";
import { expect, it } from "vitest";

describeDatabases("database handle", ({ db }) => {
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
    const health = await db().healthCheck();
    expect(health.healthy).toBe(true);
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
  });
});
