// The contract every IVR repository pair keeps, run against the in-memory, PGlite and Postgres adapters alike.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { IvrError } from "../errors.js";
import type { MenuItem } from "../menu.js";
import type { IvrMenu, NewIvrSession } from "../records.js";
import type { IvrMenuRepository, IvrSessionRepository } from "../repository.js";

export interface IvrRepositoryFixture {
  menus: IvrMenuRepository;
  sessions: IvrSessionRepository;
  /** A new user (an `auth.users` row where there is a database). */
  createUser(): Promise<string>;
}

const T0 = new Date("2026-01-01T10:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
// Each test's calls get fresh ids: the adapters under test may share one database.
const callId = () => `CA${randomUUID().replaceAll("-", "")}`;

export function describeIvrRepositories(
  name: string,
  factory: () => IvrRepositoryFixture | Promise<IvrRepositoryFixture>,
): void {
  describe(`IVR repositories: ${name}`, () => {
    async function withMenus() {
      const f = await factory();
      const userId = await f.createUser();
      const sales = await f.menus.createIVRMenu({ user_id: userId, name: "Sales", prompt: "Press 1 for new orders" });
      const main = await f.menus.createIVRMenu({
        user_id: userId,
        name: "Main Menu",
        prompt: "Press 1 for sales, 2 for support, 3 for billing",
        items: [
          { digit: "1", label: "Sales", action: "submenu", target: sales.id },
          { digit: "2", label: "Support", action: "agent", target: "support-queue" },
          { digit: "3", label: "Billing", action: "transfer", target: "+1234567890" },
        ],
        timeout: 30_000,
        max_retries: 3,
      });
      return { ...f, userId, sales, main };
    }

    function newSession(userId: string, menu: IvrMenu, overrides: Partial<NewIvrSession> = {}): NewIvrSession {
      return {
        session_id: callId(),
        user_id: userId,
        current_menu_id: menu.id,
        menu_stack: [menu.id],
        start_time: T0,
        last_activity: T0,
        ...overrides,
      };
    }

    describe("menus", () => {
      it("creates a menu with the column defaults and returns it as stored", async () => {
        const f = await factory();
        const userId = await f.createUser();
        const menu = await f.menus.createIVRMenu({ user_id: userId, name: "Hours", prompt: "We are open 9 to 5" });
        expect(menu).toMatchObject({
          user_id: userId,
          name: "Hours",
          prompt: "We are open 9 to 5",
          items: [],
          timeout: 10_000,
          max_retries: 3,
          invalid_prompt: "Sorry, that is not a valid option.",
          timeout_prompt: "Sorry, we did not receive your selection.",
          parent_menu_id: null,
          on_max_retries: null,
          operator: null,
          back_key: "*",
          operator_key: "0",
          inter_digit_timeout: 3_000,
        });
        expect(menu.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(menu.created_at).toBeInstanceOf(Date);
        expect(await f.menus.getIVRMenuById(menu.id, userId)).toEqual(menu);
      });

      it("keeps items, hand-offs and keys exactly as given", async () => {
        const { menus, userId, sales } = await withMenus();
        const items: MenuItem[] = [
          { digit: "101", label: "Extension 101", action: "transfer", target: "+15550000101" },
          { digit: "#", action: "agent", target: "front-desk" },
        ];
        const menu = await menus.createIVRMenu({
          user_id: userId,
          name: "Extensions",
          prompt: "Dial an extension",
          items,
          on_max_retries: { action: "agent", target: "front-desk" },
          operator: { action: "transfer", target: "+15550000000" },
          back_key: null,
          operator_key: "9",
          inter_digit_timeout: 1_500,
          parent_menu_id: sales.id,
        });
        const stored = await menus.getIVRMenuById(menu.id);
        expect(stored).toMatchObject({
          items,
          on_max_retries: { action: "agent", target: "front-desk" },
          operator: { action: "transfer", target: "+15550000000" },
          back_key: null,
          operator_key: "9",
          inter_digit_timeout: 1_500,
          parent_menu_id: sales.id,
        });
      });

      it("takes the id it is given, so a graph can be checked before the insert", async () => {
        const f = await factory();
        const userId = await f.createUser();
        const id = randomUUID();
        const menu = await f.menus.createIVRMenu({ id, user_id: userId, name: "Chosen", prompt: "Hello" });
        expect(menu.id).toBe(id);
      });

      it("lists only the user's own menus, oldest first", async () => {
        const { menus, userId, sales, main, createUser } = await withMenus();
        const other = await createUser();
        await menus.createIVRMenu({ user_id: other, name: "Other", prompt: "Not yours" });
        const listed = await menus.getIVRMenus(userId);
        expect(listed.map((m) => m.id)).toEqual([sales.id, main.id]);
        expect(await menus.getIVRMenus(other)).toHaveLength(1);
      });

      it("finds a menu by id only for its owner when a user is given, and nothing for unknown ids", async () => {
        const { menus, main, userId, createUser } = await withMenus();
        const other = await createUser();
        expect((await menus.getIVRMenuById(main.id, userId))?.id).toBe(main.id);
        expect(await menus.getIVRMenuById(main.id, other)).toBeNull();
        expect(await menus.getIVRMenuById("00000000-0000-4000-8000-000000000000")).toBeNull();
        expect(await menus.getIVRMenuById("not-a-uuid")).toBeNull();
      });

      it("updates the given fields, leaves the rest, and moves updated_at forward", async () => {
        const { menus, main, userId } = await withMenus();
        const updated = await menus.updateIVRMenu(main.id, { name: "Main", max_retries: 1, operator: null }, userId);
        expect(updated).toMatchObject({ name: "Main", max_retries: 1, prompt: main.prompt, items: main.items });
        expect(updated!.updated_at.getTime()).toBeGreaterThanOrEqual(main.updated_at.getTime());
        expect(await menus.getIVRMenuById(main.id)).toEqual(updated);
      });

      it("does not update or delete another user's menu", async () => {
        const { menus, main, createUser } = await withMenus();
        const other = await createUser();
        expect(await menus.updateIVRMenu(main.id, { name: "Taken" }, other)).toBeNull();
        expect(await menus.deleteIVRMenu(main.id, other)).toBe(false);
        expect((await menus.getIVRMenuById(main.id))?.name).toBe("Main Menu");
      });

      it("deletes a menu once, and answers false for unknown ids", async () => {
        const { menus, main, userId } = await withMenus();
        expect(await menus.deleteIVRMenu(main.id, userId)).toBe(true);
        expect(await menus.deleteIVRMenu(main.id, userId)).toBe(false);
        expect(await menus.getIVRMenuById(main.id)).toBeNull();
        expect(await menus.deleteIVRMenu("not-a-uuid")).toBe(false);
      });

      it("refuses to delete a parent menu while it has children", async () => {
        const { menus, main, userId } = await withMenus();
        const child = await menus.createIVRMenu({
          user_id: userId,
          name: "Child",
          prompt: "Hi",
          parent_menu_id: main.id,
        });
        await expect(menus.deleteIVRMenu(main.id, userId)).rejects.toMatchObject({ code: "menu_in_use" });
        expect(await menus.deleteIVRMenu(child.id, userId)).toBe(true);
        expect(await menus.deleteIVRMenu(main.id, userId)).toBe(true);
      });

      it("refuses a parent that belongs to another user", async () => {
        const { menus, main, createUser } = await withMenus();
        const other = await createUser();
        const attempt = menus.createIVRMenu({ user_id: other, name: "Sneaky", prompt: "Hi", parent_menu_id: main.id });
        await expect(attempt).rejects.toBeInstanceOf(IvrError);
        await expect(attempt).rejects.toMatchObject({ code: "invalid_menu" });
      });

      it("loads a menu with the submenus its items lead to, in one call", async () => {
        const { menus, main, sales, userId } = await withMenus();
        await menus.createIVRMenu({ user_id: userId, name: "Unrelated", prompt: "Hi" });
        const loaded = await menus.getIVRMenuWithSubmenus(main.id);
        expect(loaded[0]?.id).toBe(main.id);
        expect(loaded.map((m) => m.id).sort()).toEqual([main.id, sales.id].sort());
        expect(await menus.getIVRMenuWithSubmenus("00000000-0000-4000-8000-000000000000")).toEqual([]);
        expect(await menus.getIVRMenuWithSubmenus("not-a-uuid")).toEqual([]);
      });
    });

    describe("sessions", () => {
      it("creates a session keyed by the call id and reads it back", async () => {
        const { sessions, main, userId } = await withMenus();
        const created = await sessions.createIVRSession(newSession(userId, main));
        expect(created).toMatchObject({
          user_id: userId,
          current_menu_id: main.id,
          menu_stack: [main.id],
          retry_count: 0,
          status: "active",
          end_reason: null,
          version: 0,
          ended_at: null,
          start_time: T0,
          last_activity: T0,
        });
        expect(await sessions.getIVRSession(created.session_id)).toEqual(created);
        expect(await sessions.getIVRSession("CA-unknown")).toBeNull();
      });

      it("refuses a second session for the same call", async () => {
        const { sessions, main, userId } = await withMenus();
        const data = newSession(userId, main);
        await sessions.createIVRSession(data);
        await expect(sessions.createIVRSession(data)).rejects.toMatchObject({ code: "session_exists" });
      });

      it("refuses a session on another user's menu", async () => {
        const { sessions, main, createUser } = await withMenus();
        const other = await createUser();
        await expect(sessions.createIVRSession(newSession(other, main))).rejects.toMatchObject({
          code: "menu_not_found",
        });
      });

      it("writes a step and bumps the version", async () => {
        const { sessions, main, sales, userId } = await withMenus();
        const created = await sessions.createIVRSession(newSession(userId, main));
        const state = { invalid_count: 1, timeout_count: 0, buffer: "1", hand_off: null };
        const updated = await sessions.updateIVRSession(created.session_id, {
          current_menu_id: sales.id,
          menu_stack: [main.id, sales.id],
          retry_count: 1,
          state,
          last_activity: at(5_000),
        });
        expect(updated).toMatchObject({
          current_menu_id: sales.id,
          menu_stack: [main.id, sales.id],
          retry_count: 1,
          state,
          last_activity: at(5_000),
          version: 1,
        });
        expect(await sessions.getIVRSession(created.session_id)).toEqual(updated);
      });

      it("writes only on the expected version, so a racing step loses instead of corrupting the stack", async () => {
        const { sessions, main, sales, userId } = await withMenus();
        const created = await sessions.createIVRSession(newSession(userId, main));
        const first = await sessions.updateIVRSession(
          created.session_id,
          { menu_stack: [main.id, sales.id], current_menu_id: sales.id },
          { expectedVersion: 0 },
        );
        const second = await sessions.updateIVRSession(
          created.session_id,
          { menu_stack: [main.id], retry_count: 1 },
          { expectedVersion: 0 },
        );
        expect(first?.version).toBe(1);
        expect(second).toBeNull();
        expect(await sessions.getIVRSession(created.session_id)).toMatchObject({
          menu_stack: [main.id, sales.id],
          version: 1,
        });
        expect(await sessions.updateIVRSession("CA-unknown", { retry_count: 1 })).toBeNull();
      });

      it("records the end of a session", async () => {
        const { sessions, main, userId } = await withMenus();
        const created = await sessions.createIVRSession(newSession(userId, main));
        const ended = await sessions.updateIVRSession(created.session_id, {
          status: "completed",
          end_reason: "transfer",
          ended_at: at(9_000),
          state: {
            invalid_count: 0,
            timeout_count: 0,
            buffer: "",
            hand_off: { action: "transfer", target: "+1234567890" },
          },
        });
        expect(ended).toMatchObject({ status: "completed", end_reason: "transfer", ended_at: at(9_000) });
        expect(ended?.state.hand_off).toEqual({ action: "transfer", target: "+1234567890" });
      });

      it("loads a session with its stack's menus and the current menu's submenus, and nothing else", async () => {
        const { menus, sessions, main, sales, userId } = await withMenus();
        const deeper = await menus.createIVRMenu({ user_id: userId, name: "Deeper", prompt: "Deeper" });
        await menus.updateIVRMenu(sales.id, { items: [{ digit: "1", action: "submenu", target: deeper.id }] });
        await menus.createIVRMenu({ user_id: userId, name: "Unrelated", prompt: "Hi" });
        const atMain = await sessions.createIVRSession(newSession(userId, main));
        const context = await sessions.getIVRSessionContext(atMain.session_id);
        expect(context?.session).toEqual(atMain);
        expect(context?.menus.map((m) => m.id).sort()).toEqual([main.id, sales.id].sort());

        const atSales = await sessions.createIVRSession(
          newSession(userId, sales, { menu_stack: [main.id, sales.id], current_menu_id: sales.id }),
        );
        const deeperContext = await sessions.getIVRSessionContext(atSales.session_id);
        expect(deeperContext?.menus.map((m) => m.id).sort()).toEqual([main.id, sales.id, deeper.id].sort());
        expect(await sessions.getIVRSessionContext("CA-unknown")).toBeNull();
      });

      it("keeps a session when its current menu is deleted, with no current menu", async () => {
        const { menus, sessions, userId } = await withMenus();
        const lonely = await menus.createIVRMenu({ user_id: userId, name: "Lonely", prompt: "Hi" });
        const created = await sessions.createIVRSession(newSession(userId, lonely));
        expect(await menus.deleteIVRMenu(lonely.id, userId)).toBe(true);
        const after = await sessions.getIVRSession(created.session_id);
        expect(after).toMatchObject({ current_menu_id: null, menu_stack: [lonely.id] });
        const written = await sessions.updateIVRSession(created.session_id, {
          current_menu_id: lonely.id,
          retry_count: 1,
        });
        expect(written).toMatchObject({ current_menu_id: null, retry_count: 1 });
      });

      it("closes sessions silent past their menu's timeout plus grace, and only those", async () => {
        const { sessions, main, userId } = await withMenus();
        // main's timeout is 30 s; grace 10 s: idle after 40 s of silence.
        const stale = await sessions.createIVRSession(newSession(userId, main, { last_activity: at(0) }));
        const fresh = await sessions.createIVRSession(newSession(userId, main, { last_activity: at(20_000) }));
        const ended = await sessions.createIVRSession(
          newSession(userId, main, { status: "completed", end_reason: "agent", ended_at: at(1_000) }),
        );
        const closed = await sessions.closeIdleIVRSessions(at(50_000), 10_000);
        const mine = closed.filter((s) =>
          [stale.session_id, fresh.session_id, ended.session_id].includes(s.session_id),
        );
        expect(mine.map((s) => s.session_id)).toEqual([stale.session_id]);
        expect(mine[0]).toMatchObject({ status: "timeout", end_reason: "idle", ended_at: at(50_000), version: 1 });
        expect(await sessions.getIVRSession(fresh.session_id)).toMatchObject({ status: "active", ended_at: null });
        expect(await sessions.getIVRSession(ended.session_id)).toMatchObject({
          status: "completed",
          end_reason: "agent",
        });
      });
    });
  });
}
