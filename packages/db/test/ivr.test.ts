// The IVR adapters: the repository contract, row level security, round trips per input, racing inputs, and
// migration 006 going down and up, on PGlite and on Postgres.

import { createUser, describeDatabases } from "@vx/db/testing";
import { IvrService, menuDefaults } from "@vx/ivr";
import { describeIvrRepositories } from "@vx/ivr/testing";
import { describe, expect, it } from "vitest";
import {
  listMigrationFiles,
  migrate,
  PgIvrMenuRepository,
  PgIvrSessionRepository,
  type Queryable,
} from "../src/index.js";

/** Counts statements, to hold the service to its round-trip budget. */
function counting(db: Queryable): Queryable & { count: number } {
  const wrapper = {
    count: 0,
    query: <R>(text: string, params?: readonly unknown[]) => {
      wrapper.count++;
      return db.query<R>(text, params);
    },
  };
  return wrapper;
}

describeDatabases("IVR adapters", ({ db, target }) => {
  describeIvrRepositories(target, () => ({
    menus: new PgIvrMenuRepository(db()),
    sessions: new PgIvrSessionRepository(db()),
    createUser: () => createUser(db()),
  }));

  async function exampleMenus(userId: string) {
    const service = new IvrService({
      menus: new PgIvrMenuRepository(db()),
      sessions: new PgIvrSessionRepository(db()),
    });
    const sales = await service.createMenu(userId, {
      name: "Sales",
      prompt: "Press 1 for new orders, 2 for existing orders",
      items: [
        { digit: "1", label: "New orders", action: "agent", target: "sales-new" },
        { digit: "2", label: "Existing orders", action: "agent", target: "sales-existing" },
      ],
    });
    const main = await service.createMenu(userId, {
      name: "Main Menu",
      prompt: "Press 1 for sales, 2 for support, 3 for billing",
      items: [
        { digit: "1", label: "Sales", action: "submenu", target: sales.menu.id },
        { digit: "2", label: "Support", action: "agent", target: "support-queue" },
        { digit: "3", label: "Billing", action: "transfer", target: "+1234567890" },
      ],
      timeout: 30_000,
      max_retries: 10,
    });
    return { main: main.menu, sales: sales.menu };
  }

  describe("row level security", () => {
    it("lets a user see and change only their own menus through db.asUser", async () => {
      const alice = await createUser(db());
      const bob = await createUser(db());
      const { main } = await exampleMenus(alice);
      await db().asUser(bob, async (tx) => {
        const menus = new PgIvrMenuRepository(tx);
        // No owner filter passed: only the database's policies stand between bob and alice's menu.
        expect(await menus.getIVRMenuById(main.id)).toBeNull();
        expect(await menus.getIVRMenus(alice)).toEqual([]);
        expect(await menus.updateIVRMenu(main.id, { name: "bob's now" })).toBeNull();
        expect(await menus.deleteIVRMenu(main.id)).toBe(false);
        expect(await menus.getIVRMenuWithSubmenus(main.id)).toEqual([]);
      });
      const renamed = await db().asUser(alice, (tx) =>
        new PgIvrMenuRepository(tx).updateIVRMenu(main.id, { name: "Main" }),
      );
      expect(renamed?.name).toBe("Main");
    });

    it("lets a user read their sessions but never write them; other users see none", async () => {
      const alice = await createUser(db());
      const bob = await createUser(db());
      const { main } = await exampleMenus(alice);
      const service = new IvrService({
        menus: new PgIvrMenuRepository(db()),
        sessions: new PgIvrSessionRepository(db()),
      });
      const { session } = await service.startSession(`CA-rls-${main.id}`, main.id);

      const seen = await db().asUser(alice, (tx) => new PgIvrSessionRepository(tx).getIVRSession(session.session_id));
      expect(seen?.id).toBe(session.id);
      const write = db().asUser(alice, (tx) =>
        new PgIvrSessionRepository(tx).updateIVRSession(session.session_id, { retry_count: 3 }),
      );
      await expect(write).rejects.toMatchObject({ code: "42501" });
      expect(
        await db().asUser(bob, (tx) => new PgIvrSessionRepository(tx).getIVRSession(session.session_id)),
      ).toBeNull();
    });
  });

  describe("the persisted service", () => {
    it("spends two round trips to start a session and two per input", async () => {
      const userId = await createUser(db());
      const { main, sales } = await exampleMenus(userId);
      const conn = counting(db());
      const service = new IvrService({
        menus: new PgIvrMenuRepository(conn),
        sessions: new PgIvrSessionRepository(conn),
      });
      const callId = `CA-trips-${main.id}`;

      await service.startSession(callId, main.id, { userId });
      expect(conn.count).toBe(2);
      const toSales = await service.processMenuInput(callId, "1");
      expect(conn.count).toBe(4);
      expect(toSales.session.menu_stack).toEqual([main.id, sales.id]);
      await service.goBack(callId);
      expect(conn.count).toBe(6);
      const handed = await service.processMenuInput(callId, "2");
      expect(conn.count).toBe(8);
      expect(handed.actions).toEqual([{ type: "agent", target: "support-queue" }]);
      expect(handed.session).toMatchObject({ status: "completed", end_reason: "agent", current_menu_id: main.id });
      expect(handed.session.ended_at).toBeInstanceOf(Date);
    });

    it("applies racing inputs on one session one after the other, losing none", async () => {
      const userId = await createUser(db());
      const { main } = await exampleMenus(userId);
      const service = new IvrService({
        menus: new PgIvrMenuRepository(db()),
        sessions: new PgIvrSessionRepository(db()),
      });
      const callId = `CA-race-${main.id}`;
      await service.startSession(callId, main.id);
      // Four invalid entries at once: a lost update would leave fewer than four counted.
      await Promise.all(["7", "8", "9", "7"].map((digits) => service.processMenuInput(callId, digits)));
      const session = await service.getSession(callId);
      expect(session).toMatchObject({ version: 4, retry_count: 4, menu_stack: [main.id], status: "active" });
      expect(session.state.invalid_count).toBe(4);
    });

    it("closes a silent call with the sweep and reports it ended", async () => {
      const userId = await createUser(db());
      const { main } = await exampleMenus(userId);
      let now = new Date("2026-02-01T12:00:00Z");
      const emitted: string[] = [];
      const service = new IvrService({
        menus: new PgIvrMenuRepository(db()),
        sessions: new PgIvrSessionRepository(db()),
        now: () => now,
        emit: (event, payload) => {
          if (payload.session_id === callId) emitted.push(`${event}:${String(payload.status ?? "")}`);
        },
      });
      const callId = `CA-sweep-${main.id}`;
      await service.startSession(callId, main.id);
      now = new Date(now.getTime() + 30_000 + 10_000 + 1);
      const closed = await service.sweepIdleSessions({ graceMs: 10_000 });
      expect(closed.find((s) => s.session_id === callId)).toMatchObject({ status: "timeout", end_reason: "idle" });
      expect(emitted).toEqual(["ivr.session.started:", "ivr.session.ended:timeout"]);
      await expect(service.processMenuInput(callId, "1")).rejects.toMatchObject({ code: "session_ended" });
    });
  });

  it("gives a menu inserted with plain SQL the same defaults the engine assumes", async () => {
    const userId = await createUser(db());
    const { rows } = await db().query(
      "INSERT INTO public.ivr_menus (user_id, name, prompt) VALUES ($1, 'Plain', 'Hello') RETURNING *",
      [userId],
    );
    expect(rows[0]).toMatchObject(menuDefaults());
  });
});

describeDatabases("migration 006 (IVR engine columns)", ({ db }) => {
  it("goes down, dropping only its columns, and up again", async () => {
    const columns = async () =>
      (
        await db().query<{ c: string }>(
          "SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('ivr_menus', 'ivr_sessions') ORDER BY 1",
        )
      ).rows.map((r) => r.c);
    const before = await columns();
    expect(before).toEqual(
      expect.arrayContaining(["ivr_sessions.version", "ivr_sessions.status", "ivr_menus.operator"]),
    );
    const files = await listMigrationFiles();
    const fromOurs = files.filter((f) => f >= "006").length;
    await migrate({ databaseUrl: db().url, direction: "down", count: fromOurs });
    const down = await columns();
    expect(down).not.toContain("ivr_sessions.version");
    expect(down).not.toContain("ivr_menus.on_max_retries");
    expect(down).toContain("ivr_sessions.menu_stack");
    await migrate({ databaseUrl: db().url });
    expect(await columns()).toEqual(before);
  });
});
