// How a call moves through menus: what the caller hears, when keys count, and how every session ends.
import { describe, expect, it } from "vitest";
import type { IvrAction } from "./actions.js";
import type { IvrEvent } from "./events.js";
import { defineMenu, type Menu, type MenuDefinition } from "./menu.js";
import type { SessionState } from "./session-state.js";
import { step } from "./step.js";

function graph(...definitions: MenuDefinition[]): Map<string, Menu> {
  return new Map(definitions.map((d) => [d.id, defineMenu(d)]));
}

const main: MenuDefinition = {
  id: "main",
  name: "Main Menu",
  prompt: "Press 1 for sales, 2 for support, 3 for billing",
  items: [
    { digit: "1", label: "Sales", action: "submenu", target: "sales" },
    { digit: "2", label: "Support", action: "agent", target: "support-queue" },
    { digit: "3", label: "Billing", action: "transfer", target: "+1234567890" },
  ],
  timeout: 30_000,
  maxRetries: 2,
  invalidPrompt: "Invalid.",
  timeoutPrompt: "Nothing heard.",
};
const sales: MenuDefinition = {
  id: "sales",
  name: "Sales",
  prompt: "Press 1 for new orders",
  items: [
    { digit: "1", action: "agent", target: "sales-new" },
    { digit: "9", action: "submenu", target: "main" },
  ],
};
const menus = graph(main, sales);

/** Runs events from the start and returns every step's result. */
function run(g: Map<string, Menu>, entry: string, ...events: IvrEvent[]) {
  const results = [step(g, null, { type: "start", menuId: entry })];
  for (const event of events) results.push(step(g, results[results.length - 1]!.state, event));
  return results;
}
const last = <T>(list: T[]) => list[list.length - 1]!;
const says = (actions: IvrAction[]) => actions.filter((a) => a.type === "say").map((a) => (a as { text: string }).text);

describe("entering a menu", () => {
  it("says the prompt and gathers one key with the menu's timeout and # to finish", () => {
    const [started] = run(menus, "main");
    expect(started!.actions).toEqual([
      { type: "say", text: main.prompt },
      { type: "gather", num_digits: 1, timeout_ms: 30_000, finish_on_key: "#" },
    ]);
    expect(started!.state).toMatchObject({ status: "active", stack: ["main"], invalidCount: 0, timeoutCount: 0 });
  });

  it("says a submenu's prompt on entry and the parent's again on the way back", () => {
    const [, toSales, back] = run(menus, "main", { type: "digits", digits: "1" }, { type: "back" });
    expect(says(toSales!.actions)).toEqual(["Press 1 for new orders"]);
    expect(toSales!.state.stack).toEqual(["main", "sales"]);
    expect(says(back!.actions)).toEqual([main.prompt]);
    expect(back!.state.stack).toEqual(["main"]);
  });

  it("repeats the prompt when the caller goes back at the top menu, as a valid entry", () => {
    const result = last(
      run(menus, "main", { type: "digits", digits: "7" }, { type: "timeout" }, { type: "digits", digits: "*" }),
    );
    expect(result.state).toMatchObject({ stack: ["main"], status: "active", invalidCount: 0, timeoutCount: 1 });
    expect(says(result.actions)).toEqual([main.prompt]);
  });

  it("unwinds to a menu already on the stack instead of stacking it twice", () => {
    const result = last(run(menus, "main", { type: "digits", digits: "1" }, { type: "digits", digits: "9" }));
    expect(result.state.stack).toEqual(["main"]);
    expect(says(result.actions)).toEqual([main.prompt]);
  });

  it("refuses to go deeper than twelve menus, counting it as an invalid entry", () => {
    const chain = Array.from({ length: 14 }, (_, i) =>
      defineMenu({
        id: `m${i}`,
        name: `M${i}`,
        prompt: `Menu ${i}`,
        items: [{ digit: "1", action: "submenu", target: `m${i + 1}` }],
      }),
    );
    const g = new Map(chain.map((m) => [m.id, m]));
    const results = run(g, "m0", ...Array.from({ length: 12 }, () => ({ type: "digits", digits: "1" }) as const));
    expect(results[11]!.state.stack).toHaveLength(12);
    expect(last(results).state.stack).toHaveLength(12);
    expect(last(results).state.invalidCount).toBe(1);
  });
});

describe("choosing an item", () => {
  it("hands the call to an agent and completes the session", () => {
    const result = last(run(menus, "main", { type: "digits", digits: "2" }));
    expect(result.actions).toEqual([{ type: "agent", target: "support-queue" }]);
    expect(result.state).toMatchObject({
      status: "completed",
      endReason: "agent",
      handOff: { action: "agent", target: "support-queue" },
    });
  });

  it("transfers the call to a number and completes the session", () => {
    const result = last(run(menus, "main", { type: "digits", digits: "3" }));
    expect(result.actions).toEqual([{ type: "transfer", target: "+1234567890" }]);
    expect(result.state).toMatchObject({ status: "completed", endReason: "transfer" });
  });

  it("reaches the operator with 0 only when the menu names one", () => {
    const withOperator = graph({ ...main, operator: { action: "transfer", target: "+15550000000" } });
    expect(last(run(withOperator, "main", { type: "digits", digits: "0" })).state).toMatchObject({
      status: "completed",
      endReason: "operator",
      handOff: { action: "transfer", target: "+15550000000" },
    });
    expect(last(run(menus, "main", { type: "digits", digits: "0" })).state).toMatchObject({
      status: "active",
      invalidCount: 1,
    });
  });

  it("never lets a built-in key shadow an item the menu defines", () => {
    const g = graph({
      ...main,
      operator: { action: "agent", target: "operator" },
      items: [
        ...main.items,
        { digit: "*", action: "agent", target: "star" },
        { digit: "0", action: "agent", target: "zero" },
      ],
    });
    expect(last(run(g, "main", { type: "digits", digits: "*" })).actions).toEqual([{ type: "agent", target: "star" }]);
    expect(last(run(g, "main", { type: "digits", digits: "0" })).actions).toEqual([{ type: "agent", target: "zero" }]);
  });

  it("uses the keys a menu configures instead of * and 0, or none", () => {
    const g = graph(
      { ...main, backKey: null, operatorKey: "9", operator: { action: "agent", target: "op" } },
      { ...sales, id: "sales", backKey: "#" },
    );
    expect(last(run(g, "main", { type: "digits", digits: "9" })).state.endReason).toBe("operator");
    expect(last(run(g, "main", { type: "digits", digits: "*" })).state.invalidCount).toBe(1);
    const back = last(run(g, "main", { type: "digits", digits: "1" }, { type: "digits", digits: "#", partial: true }));
    expect(back.state.stack).toEqual(["main"]);
  });

  it("treats a choice of a missing submenu as an invalid entry", () => {
    const result = last(run(graph(main), "main", { type: "digits", digits: "1" }));
    expect(result.state).toMatchObject({ stack: ["main"], invalidCount: 1, status: "active" });
  });
});

describe("invalid entries and silence", () => {
  it("says the invalid prompt, then the menu's prompt, and counts the entry", () => {
    const result = last(run(menus, "main", { type: "digits", digits: "7" }));
    expect(says(result.actions)).toEqual(["Invalid.", main.prompt]);
    expect(last(result.actions)).toMatchObject({ type: "gather" });
    expect(result.state.invalidCount).toBe(1);
  });

  it("says the timeout prompt, then the menu's prompt, on no input", () => {
    const result = last(run(menus, "main", { type: "timeout" }));
    expect(says(result.actions)).toEqual(["Nothing heard.", main.prompt]);
    expect(result.state).toMatchObject({ timeoutCount: 1, invalidCount: 0 });
  });

  it("reads empty digits (Twilio's silence, or a lone #) as no input", () => {
    expect(last(run(menus, "main", { type: "digits", digits: "" })).state.timeoutCount).toBe(1);
    expect(last(run(menus, "main", { type: "digits", digits: "#" })).state.timeoutCount).toBe(1);
  });

  it("counts invalid entries and timeouts separately, and a valid entry resets the invalid count", () => {
    const results = run(
      menus,
      "main",
      { type: "digits", digits: "7" },
      { type: "timeout" },
      { type: "digits", digits: "7" },
      { type: "timeout" },
      { type: "digits", digits: "1" },
      { type: "back" },
    );
    expect(results[4]!.state).toMatchObject({ invalidCount: 2, timeoutCount: 2, status: "active" });
    expect(last(results).state).toMatchObject({ invalidCount: 0, timeoutCount: 0 });
  });

  it("hangs up with reason max_retries and status failed after too many invalid entries", () => {
    const results = run(menus, "main", ...Array.from({ length: 3 }, () => ({ type: "digits", digits: "7" }) as const));
    expect(results[2]!.state).toMatchObject({ status: "active", invalidCount: 2 });
    expect(last(results).actions).toEqual([
      { type: "say", text: "Invalid." },
      { type: "hangup", reason: "max_retries" },
    ]);
    expect(last(results).state).toMatchObject({ status: "failed", endReason: "max_retries", invalidCount: 2 });
  });

  it("ends with status timeout after too many silences", () => {
    const result = last(run(menus, "main", { type: "timeout" }, { type: "timeout" }, { type: "timeout" }));
    expect(result.actions).toEqual([
      { type: "say", text: "Nothing heard." },
      { type: "hangup", reason: "max_retries" },
    ]);
    expect(result.state).toMatchObject({ status: "timeout", endReason: "max_timeouts", timeoutCount: 2 });
  });

  it("sends the call to the menu's escape past the limit, when it has one", () => {
    const g = graph({ ...main, maxRetries: 0, onMaxRetries: { action: "agent", target: "front-desk" } });
    const result = last(run(g, "main", { type: "digits", digits: "7" }));
    expect(result.actions).toEqual([
      { type: "say", text: "Invalid." },
      { type: "agent", target: "front-desk" },
    ]);
    expect(result.state).toMatchObject({ status: "completed", endReason: "max_retries" });
  });
});

describe("multi-digit entries", () => {
  const extensions: MenuDefinition = {
    id: "ext",
    name: "Extensions",
    prompt: "Dial an extension, or 1 for the front desk",
    items: [
      { digit: "1", action: "agent", target: "front-desk" },
      { digit: "101", action: "transfer", target: "+15550000101" },
      { digit: "102", action: "transfer", target: "+15550000102" },
    ],
    interDigitTimeout: 2_000,
  };
  const g = graph(extensions);

  it("gathers up to the longest item", () => {
    expect(last(run(g, "ext").map((r) => r.actions))).toContainEqual({
      type: "gather",
      num_digits: 3,
      timeout_ms: 10_000,
      finish_on_key: "#",
    });
  });

  it("matches a whole gathered entry, with or without the closing #", () => {
    expect(last(run(g, "ext", { type: "digits", digits: "101" })).actions).toEqual([
      { type: "transfer", target: "+15550000101" },
    ]);
    expect(last(run(g, "ext", { type: "digits", digits: "1#" })).actions).toEqual([
      { type: "agent", target: "front-desk" },
    ]);
  });

  it("waits for more keys while a partial entry could still grow, with the inter-digit timeout", () => {
    const [, one, ten, done] = run(
      g,
      "ext",
      { type: "digits", digits: "1", partial: true },
      { type: "digits", digits: "0", partial: true },
      { type: "digits", digits: "2", partial: true },
    );
    expect(one!.actions).toEqual([{ type: "gather", num_digits: 2, timeout_ms: 2_000, finish_on_key: "#" }]);
    expect(ten!.state.buffer).toBe("10");
    expect(done!.actions).toEqual([{ type: "transfer", target: "+15550000102" }]);
  });

  it("takes a partial entry as complete on # or on the inter-digit timeout", () => {
    expect(
      last(
        run(g, "ext", { type: "digits", digits: "1", partial: true }, { type: "digits", digits: "#", partial: true }),
      ).actions,
    ).toEqual([{ type: "agent", target: "front-desk" }]);
    expect(last(run(g, "ext", { type: "digits", digits: "1", partial: true }, { type: "timeout" })).actions).toEqual([
      { type: "agent", target: "front-desk" },
    ]);
    const stray = last(run(g, "ext", { type: "digits", digits: "10", partial: true }, { type: "timeout" }));
    expect(stray.state).toMatchObject({ invalidCount: 1, buffer: "" });
  });

  it("does not finish on # when a menu uses # itself", () => {
    const hashMenu = graph({
      ...extensions,
      items: [...extensions.items, { digit: "#", action: "agent", target: "hash" }],
    });
    expect(last(run(hashMenu, "ext")).actions).toContainEqual(
      expect.objectContaining({ type: "gather", finish_on_key: "" }),
    );
    expect(last(run(hashMenu, "ext", { type: "digits", digits: "#" })).actions).toEqual([
      { type: "agent", target: "hash" },
    ]);
  });
});

describe("the end of a session", () => {
  it("ends as abandoned when the caller hangs up, and as timeout when swept idle", () => {
    expect(last(run(menus, "main", { type: "end" }))).toMatchObject({
      state: { status: "abandoned", endReason: "caller_hangup" },
      actions: [],
    });
    expect(last(run(menus, "main", { type: "end", reason: "idle" })).state).toMatchObject({
      status: "timeout",
      endReason: "idle",
    });
  });

  it("refuses any event after the end", () => {
    const ended = last(run(menus, "main", { type: "digits", digits: "2" })).state;
    for (const event of [
      { type: "digits", digits: "1" },
      { type: "back" },
      { type: "timeout" },
      { type: "end" },
    ] as IvrEvent[]) {
      expect(() => step(menus, ended, event)).toThrow(expect.objectContaining({ code: "session_ended" }));
    }
  });

  it("hangs up when the menu the caller is in has been deleted", () => {
    const started = run(menus, "main", { type: "digits", digits: "1" });
    const result = step(graph(main), last(started).state, { type: "timeout" });
    expect(result.actions).toEqual([{ type: "hangup", reason: "menu_unavailable" }]);
    expect(result.state).toMatchObject({ status: "failed", endReason: "menu_unavailable" });
  });
});

describe("misuse", () => {
  it("refuses a start on a started session, events before a start, unknown menus and non-DTMF keys", () => {
    const started = run(menus, "main")[0]!.state;
    expect(() => step(menus, started, { type: "start", menuId: "main" })).toThrow(
      expect.objectContaining({ code: "invalid_event" }),
    );
    expect(() => step(menus, null, { type: "timeout" })).toThrow(expect.objectContaining({ code: "invalid_event" }));
    expect(() => step(menus, null, { type: "start", menuId: "nope" })).toThrow(
      expect.objectContaining({ code: "menu_not_found" }),
    );
    expect(() => step(menus, started, { type: "digits", digits: "1a" })).toThrow(
      expect.objectContaining({ code: "invalid_digits" }),
    );
  });

  it("never changes the state it is given", () => {
    const state: SessionState = Object.freeze({ ...run(menus, "main")[0]!.state, stack: Object.freeze(["main"]) });
    expect(() => step(menus, state, { type: "digits", digits: "1" })).not.toThrow();
    expect(state.stack).toEqual(["main"]);
  });
});
