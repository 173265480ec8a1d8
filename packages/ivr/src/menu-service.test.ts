// The specification's IVR Menu Service calls, exactly as its documentation shows them.
import { describe, expect, it } from "vitest";
import { IvrMenuService } from "./menu-service.js";

const mainMenu = {
  id: "main-menu",
  name: "Main Menu",
  prompt: "Press 1 for sales, 2 for support, 3 for billing",
  items: [
    { digit: "1", label: "Sales", action: "submenu" as const, target: "sales-menu" },
    { digit: "2", label: "Support", action: "agent" as const, target: "support-queue" },
    { digit: "3", label: "Billing", action: "transfer" as const, target: "+1234567890" },
  ],
  timeout: 30000,
  maxRetries: 3,
};
const salesMenu = {
  id: "sales-menu",
  name: "Sales",
  prompt: "Press 1 for new orders",
  items: [{ digit: "1", action: "agent" as const, target: "sales-new" }],
};

describe("IvrMenuService", () => {
  it("runs the specification's calls as shown, synchronously", () => {
    const ivrMenuService = new IvrMenuService();
    const sessionId = "call-1";
    ivrMenuService.registerMenu(mainMenu);
    ivrMenuService.registerMenu(salesMenu);

    const session = ivrMenuService.startSession(sessionId, "main-menu");
    expect(session).toMatchObject({
      sessionId,
      currentMenuId: "main-menu",
      menuStack: ["main-menu"],
      status: "active",
    });
    expect(session.actions[0]).toEqual({ type: "say", text: mainMenu.prompt });

    expect(ivrMenuService.processMenuInput(sessionId, "1").menuStack).toEqual(["main-menu", "sales-menu"]);
    expect(ivrMenuService.goBack(sessionId).currentMenuId).toBe("main-menu");
    const ended = ivrMenuService.endSession(sessionId);
    expect(ended).toMatchObject({ status: "abandoned", endReason: "caller_hangup" });
    expect(ended.endedAt).toBeInstanceOf(Date);
  });

  it("accepts a menu whose submenu is registered later, and reports it until then", () => {
    const service = new IvrMenuService();
    service.registerMenu(mainMenu);
    expect(service.validate().errors).toEqual([expect.objectContaining({ code: "unknown_submenu", digit: "1" })]);
    service.registerMenu(salesMenu);
    expect(service.validate().ok).toBe(true);
  });

  it("refuses a menu that is wrong on its own, with every problem listed", () => {
    const service = new IvrMenuService();
    const bad = {
      ...mainMenu,
      items: [...mainMenu.items, { digit: "3", action: "transfer" as const, target: "billing" }],
    };
    expect(() => service.registerMenu(bad)).toThrow(
      expect.objectContaining({
        code: "invalid_menu",
        issues: [
          expect.objectContaining({ code: "duplicate_digit" }),
          expect.objectContaining({ code: "invalid_target" }),
        ],
      }),
    );
    expect(service.getMenu("main-menu")).toBeUndefined();
  });

  it("keeps time with the injected clock and reports hand-offs", () => {
    let now = new Date("2026-03-01T09:00:00Z");
    const service = new IvrMenuService({ now: () => now });
    service.registerMenu(mainMenu);
    service.startSession("call-2", "main-menu");
    now = new Date("2026-03-01T09:00:07Z");
    const handed = service.processMenuInput("call-2", "3");
    expect(handed).toMatchObject({
      status: "completed",
      handOff: { action: "transfer", target: "+1234567890" },
      startTime: new Date("2026-03-01T09:00:00Z"),
      lastActivity: now,
      endedAt: now,
      actions: [{ type: "transfer", target: "+1234567890" }],
    });
  });

  it("emits session started, call transferred and session ended events", () => {
    const events: [string, Record<string, unknown>, { userId: string }][] = [];
    const service = new IvrMenuService({
      userId: "user-1",
      now: () => new Date("2026-03-01T09:00:00Z"),
      emit: (event, payload, context) => {
        events.push([event, payload, context]);
      },
    });
    service.registerMenu(mainMenu);
    service.startSession("call-3", "main-menu");
    service.processMenuInput("call-3", "2");
    expect(events.map(([event]) => event)).toEqual(["ivr.session.started", "call.transferred", "ivr.session.ended"]);
    expect(events[1]![1]).toMatchObject({ session_id: "call-3", action: "agent", target: "support-queue" });
    expect(events[2]![1]).toMatchObject({ status: "completed", end_reason: "agent", duration_ms: 0 });
    expect(events[0]![2]).toEqual({ userId: "user-1" });
  });

  it("keeps a call going when the event receiver throws", () => {
    const errors: unknown[] = [];
    const service = new IvrMenuService({
      emit: () => {
        throw new Error("receiver down");
      },
      onEmitError: (error) => errors.push(error),
    });
    service.registerMenu(mainMenu);
    expect(service.startSession("call-4", "main-menu").status).toBe("active");
    expect(errors).toHaveLength(1);
  });

  it("refuses unknown sessions, a second start, and input after the end; ending twice is harmless", () => {
    const service = new IvrMenuService();
    service.registerMenu(mainMenu);
    expect(() => service.processMenuInput("nope", "1")).toThrow(expect.objectContaining({ code: "session_not_found" }));
    service.startSession("call-5", "main-menu");
    expect(() => service.startSession("call-5", "main-menu")).toThrow(
      expect.objectContaining({ code: "session_exists" }),
    );
    service.endSession("call-5");
    expect(service.endSession("call-5")).toMatchObject({ status: "abandoned", actions: [] });
    expect(() => service.processMenuInput("call-5", "1")).toThrow(expect.objectContaining({ code: "session_ended" }));
    expect(service.getSession("nope")).toBeUndefined();
  });

  it("passes silence to the engine as a timeout", () => {
    const service = new IvrMenuService();
    service.registerMenu(mainMenu);
    service.startSession("call-6", "main-menu");
    expect(service.handleTimeout("call-6")).toMatchObject({ timeoutCount: 1, retryCount: 1, status: "active" });
  });
});
