// The persisted IVR service over the in-memory repositories: graph checks on save, sessions, events, races.
import { describe, expect, it } from "vitest";
import type { IvrMenuFields } from "./records.js";
import type { IvrSessionRepository } from "./repository.js";
import { IvrService } from "./service.js";
import { createMemoryIvrRepositories } from "./testing/memory-repositories.js";

const ALICE = "00000000-0000-4000-8000-00000000000a";
const BOB = "00000000-0000-4000-8000-00000000000b";

function setup(overrides: Partial<ConstructorParameters<typeof IvrService>[0]> = {}) {
  let now = new Date("2026-04-01T08:00:00Z");
  const clock = { advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
  const events: { event: string; payload: Record<string, unknown>; userId: string }[] = [];
  const repos = createMemoryIvrRepositories({ now: () => now });
  const service = new IvrService({
    ...repos,
    now: () => now,
    emit: (event, payload, { userId }) => {
      events.push({ event, payload, userId });
    },
    ...overrides,
  });
  return { service, repos, events, clock };
}

async function exampleMenus(service: IvrService, userId = ALICE) {
  const sales = await service.createMenu(userId, {
    name: "Sales",
    prompt: "Press 1 for new orders",
    items: [{ digit: "1", label: "New orders", action: "agent", target: "sales-new" }],
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
    max_retries: 3,
  });
  return { main: main.menu, sales: sales.menu };
}

describe("saving menus", () => {
  it("saves a valid menu and returns advice as warnings", async () => {
    const { service } = setup();
    const items = ["1", "2", "3", "4", "5", "6"].map((digit) => ({ digit, action: "agent" as const, target: "q" }));
    const { menu, warnings } = await service.createMenu(ALICE, { name: "Big", prompt: "Many options", items });
    expect(menu).toMatchObject({ user_id: ALICE, name: "Big", max_retries: 3 });
    expect(warnings.map((w) => w.code)).toEqual(["too_many_options"]);
  });

  it("refuses a submenu that is not one of the user's menus", async () => {
    const { service } = setup();
    const { main } = await exampleMenus(service, BOB);
    const attempt = service.createMenu(ALICE, {
      name: "Steal",
      prompt: "Hi",
      items: [{ digit: "1", action: "submenu", target: main.id }],
    });
    await expect(attempt).rejects.toMatchObject({
      code: "invalid_menu",
      issues: [expect.objectContaining({ code: "unknown_submenu", digit: "1", menuName: "Steal" })],
    });
    expect(await service.listMenus(ALICE)).toEqual([]);
  });

  it("refuses an update that would trap callers in a cycle", async () => {
    const { service } = setup();
    const a = await service.createMenu(ALICE, { name: "A", prompt: "A" });
    const b = await service.createMenu(ALICE, {
      name: "B",
      prompt: "B",
      items: [{ digit: "1", action: "submenu", target: a.menu.id }],
    });
    const closing = service.updateMenu(ALICE, a.menu.id, {
      items: [{ digit: "1", action: "submenu", target: b.menu.id }],
    });
    await expect(closing).rejects.toMatchObject({
      code: "invalid_menu",
      issues: [expect.objectContaining({ code: "submenu_cycle" })],
    });
    const withExit: IvrMenuFields["items"] = [
      { digit: "1", action: "submenu", target: b.menu.id },
      { digit: "2", action: "agent", target: "desk" },
    ];
    expect((await service.updateMenu(ALICE, a.menu.id, { items: withExit })).menu.items).toEqual(withExit);
  });

  it("does not let another user's menu be read, changed or deleted", async () => {
    const { service } = setup();
    const { main } = await exampleMenus(service);
    await expect(service.getMenu(BOB, main.id)).rejects.toMatchObject({ code: "menu_not_found" });
    await expect(service.updateMenu(BOB, main.id, { name: "x" })).rejects.toMatchObject({ code: "menu_not_found" });
    await expect(service.deleteMenu(BOB, main.id)).rejects.toMatchObject({ code: "menu_not_found" });
  });

  it("refuses to delete a menu another menu leads to, until that item is gone", async () => {
    const { service } = setup();
    const { main, sales } = await exampleMenus(service);
    await expect(service.deleteMenu(ALICE, sales.id)).rejects.toMatchObject({ code: "menu_in_use" });
    await service.updateMenu(ALICE, main.id, { items: main.items.filter((i) => i.action !== "submenu") });
    await service.deleteMenu(ALICE, sales.id);
    await expect(service.getMenu(ALICE, sales.id)).rejects.toMatchObject({ code: "menu_not_found" });
  });

  it("lets a change through when the graph already had an unrelated problem", async () => {
    const { service, repos } = setup();
    // Written straight to storage, as older data might be: a submenu that does not exist.
    await repos.menus.createIVRMenu({
      user_id: ALICE,
      name: "Legacy",
      prompt: "Old",
      items: [{ digit: "1", action: "submenu", target: "gone" }],
    });
    expect((await service.createMenu(ALICE, { name: "New", prompt: "New" })).menu.name).toBe("New");
    expect((await service.validateMenus(ALICE)).errors.map((e) => e.code)).toEqual(["unknown_submenu"]);
  });
});

describe("sessions", () => {
  it("walks a call through the example menu and keeps the session current", async () => {
    const { service, clock } = setup();
    const { main, sales } = await exampleMenus(service);
    const started = await service.startSession("CA1", main.id, { userId: ALICE });
    expect(started.session).toMatchObject({
      session_id: "CA1",
      user_id: ALICE,
      current_menu_id: main.id,
      menu_stack: [main.id],
      status: "active",
      version: 0,
    });
    expect(started.actions[1]).toEqual({ type: "gather", num_digits: 1, timeout_ms: 30_000, finish_on_key: "#" });

    clock.advance(4_000);
    const invalid = await service.processMenuInput("CA1", "7");
    expect(invalid.session).toMatchObject({ retry_count: 1, last_activity: new Date("2026-04-01T08:00:04Z") });
    const toSales = await service.processMenuInput("CA1", "1");
    expect(toSales.session).toMatchObject({
      current_menu_id: sales.id,
      menu_stack: [main.id, sales.id],
      retry_count: 0,
    });
    await service.goBack("CA1");
    clock.advance(3_000);
    const billed = await service.processMenuInput("CA1", "3");
    expect(billed.actions).toEqual([{ type: "transfer", target: "+1234567890" }]);
    expect(billed.session).toMatchObject({
      status: "completed",
      end_reason: "transfer",
      ended_at: new Date("2026-04-01T08:00:07Z"),
      version: 4,
    });
    expect(billed.session.state.hand_off).toEqual({ action: "transfer", target: "+1234567890" });
  });

  it("emits started, transferred and ended events for the menu's owner", async () => {
    const { service, events, clock } = setup();
    const { main } = await exampleMenus(service);
    await service.startSession("CA2", main.id);
    clock.advance(12_000);
    await service.processMenuInput("CA2", "2");
    expect(events.map((e) => e.event)).toEqual(["ivr.session.started", "call.transferred", "ivr.session.ended"]);
    expect(events.every((e) => e.userId === ALICE)).toBe(true);
    expect(events[1]!.payload).toMatchObject({
      session_id: "CA2",
      action: "agent",
      target: "support-queue",
      reason: "agent",
    });
    expect(events[2]!.payload).toMatchObject({ status: "completed", duration_ms: 12_000 });
  });

  it("ends a session as abandoned once; a second end returns it unchanged with no actions", async () => {
    const { service, events } = setup();
    const { main } = await exampleMenus(service);
    await service.startSession("CA3", main.id);
    const ended = await service.endSession("CA3");
    expect(ended.session).toMatchObject({ status: "abandoned", end_reason: "caller_hangup" });
    const again = await service.endSession("CA3");
    expect(again).toEqual({ session: ended.session, actions: [] });
    expect(events.filter((e) => e.event === "ivr.session.ended")).toHaveLength(1);
    await expect(service.processMenuInput("CA3", "1")).rejects.toMatchObject({ code: "session_ended" });
  });

  it("keeps sessions to their owner when a user is given", async () => {
    const { service } = setup();
    const { main } = await exampleMenus(service);
    await expect(service.startSession("CA4", main.id, { userId: BOB })).rejects.toMatchObject({
      code: "menu_not_found",
    });
    await service.startSession("CA4", main.id, { userId: ALICE });
    await expect(service.processMenuInput("CA4", "1", { userId: BOB })).rejects.toMatchObject({
      code: "session_not_found",
    });
    await expect(service.getSession("CA4", { userId: BOB })).rejects.toMatchObject({ code: "session_not_found" });
    expect((await service.getSession("CA4", { userId: ALICE })).session_id).toBe("CA4");
  });

  it("refuses a second session for the same call and an unknown menu", async () => {
    const { service } = setup();
    const { main } = await exampleMenus(service);
    await service.startSession("CA5", main.id);
    await expect(service.startSession("CA5", main.id)).rejects.toMatchObject({ code: "session_exists" });
    await expect(service.startSession("CA6", "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({
      code: "menu_not_found",
    });
  });

  it("retries a step that lost a race, and gives up with conflict after maxAttempts", async () => {
    const { repos } = setup();
    let losses = 2;
    const flaky: IvrSessionRepository = {
      ...bind(repos.sessions),
      updateIVRSession: (id, updates, options) =>
        losses-- > 0 ? Promise.resolve(null) : repos.sessions.updateIVRSession(id, updates, options),
    };
    const service = new IvrService({ menus: repos.menus, sessions: flaky, maxAttempts: 3 });
    const { main } = await exampleMenus(service);
    await service.startSession("CA7", main.id);
    expect((await service.processMenuInput("CA7", "7")).session.retry_count).toBe(1);
    losses = 3;
    await expect(service.processMenuInput("CA7", "7")).rejects.toMatchObject({ code: "session_conflict" });
    expect((await service.getSession("CA7")).retry_count).toBe(1);
  });

  it("sweeps calls that went silent and emits their end", async () => {
    const { service, events, clock } = setup();
    const { main } = await exampleMenus(service);
    await service.startSession("CA8", main.id);
    clock.advance(30_000 + 5_000);
    expect(await service.sweepIdleSessions({ graceMs: 5_000 })).toEqual([]);
    clock.advance(1);
    const closed = await service.sweepIdleSessions({ graceMs: 5_000 });
    expect(closed.map((s) => [s.session_id, s.status, s.end_reason])).toEqual([["CA8", "timeout", "idle"]]);
    expect(events.at(-1)).toMatchObject({
      event: "ivr.session.ended",
      payload: { status: "timeout", end_reason: "idle" },
    });
  });
});

function bind(repo: IvrSessionRepository): IvrSessionRepository {
  return {
    createIVRSession: repo.createIVRSession.bind(repo),
    getIVRSession: repo.getIVRSession.bind(repo),
    updateIVRSession: repo.updateIVRSession.bind(repo),
    getIVRSessionContext: repo.getIVRSessionContext.bind(repo),
    closeIdleIVRSessions: repo.closeIdleIVRSessions.bind(repo),
  };
}
