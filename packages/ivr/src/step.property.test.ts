// Property tests over random menu graphs and random callers: the stack stays in bounds, counters stay within
// max_retries, a live session always waits on a gather, and every session ends.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IvrEvent } from "./events.js";
import { defineMenu, type HandOff, type Menu, type MenuItem } from "./menu.js";
import { MAX_MENU_DEPTH, type SessionState } from "./session-state.js";
import { step } from "./step.js";

const DIGITS = ["1", "2", "3", "4", "9", "0", "*", "#", "11", "12", "101", "123"];
const handOff: fc.Arbitrary<HandOff | null> = fc.option(
  fc.oneof(
    fc.constant<HandOff>({ action: "agent", target: "desk" }),
    fc.constant<HandOff>({ action: "transfer", target: "+15550000000" }),
  ),
);

/** A random graph of 1-20 menus; submenu items point anywhere, so cycles, self-loops and long chains all occur. */
const graphs: fc.Arbitrary<Map<string, Menu>> = fc.integer({ min: 1, max: 20 }).chain((size) => {
  const ids = Array.from({ length: size }, (_, i) => `m${i}`);
  const item = (digit: string): fc.Arbitrary<MenuItem> =>
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constantFrom(...ids).map((target) => ({ digit, action: "submenu" as const, target })),
      },
      { weight: 1, arbitrary: fc.constant({ digit, action: "agent" as const, target: "queue" }) },
      { weight: 1, arbitrary: fc.constant({ digit, action: "transfer" as const, target: "+15551234567" }) },
      // A dangling submenu, as after a menu was deleted.
      { weight: 1, arbitrary: fc.constant({ digit, action: "submenu" as const, target: "gone" }) },
    );
  const menu = (id: string, index: number) =>
    fc
      .record({
        digits: fc.uniqueArray(fc.constantFrom(...DIGITS), { maxLength: 6 }),
        maxRetries: fc.integer({ min: 0, max: 4 }),
        onMaxRetries: handOff,
        operator: handOff,
        backKey: fc.constantFrom("*", "#", null),
        operatorKey: fc.constantFrom("0", "9", null),
      })
      .chain((m) =>
        fc.tuple(...m.digits.map(item)).map((items) =>
          defineMenu({
            id,
            name: `Menu ${index}`,
            prompt: `Prompt ${index}`,
            items,
            maxRetries: m.maxRetries,
            onMaxRetries: m.onMaxRetries,
            operator: m.operator,
            backKey: m.backKey,
            operatorKey: m.backKey === m.operatorKey ? null : m.operatorKey,
          }),
        ),
      );
  return fc.tuple(...ids.map(menu)).map((menus) => new Map(menus.map((m) => [m.id, m])));
});

/** A long chain m0 → m1 → … so the depth limit is reached, not just possible. */
const chains: fc.Arbitrary<Map<string, Menu>> = fc.integer({ min: 12, max: 30 }).map((size) => {
  const menus = Array.from({ length: size }, (_, i) =>
    defineMenu({
      id: `m${i}`,
      name: `M${i}`,
      prompt: `P${i}`,
      items: [{ digit: "1", action: "submenu", target: `m${(i + 1) % size}` }],
    }),
  );
  return new Map(menus.map((m) => [m.id, m]));
});

const events: fc.Arbitrary<IvrEvent> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      type: fc.constant("digits" as const),
      digits: fc.stringMatching(/^[0-9*#]{0,4}$/),
      partial: fc.boolean(),
    }),
  },
  { weight: 6, arbitrary: fc.constant<IvrEvent>({ type: "digits", digits: "1" }) },
  { weight: 3, arbitrary: fc.constant<IvrEvent>({ type: "timeout" }) },
  { weight: 2, arbitrary: fc.constant<IvrEvent>({ type: "back" }) },
  { weight: 1, arbitrary: fc.constantFrom<IvrEvent>({ type: "end" }, { type: "end", reason: "idle" }) },
);

const TERMINAL = ["completed", "abandoned", "failed", "timeout"];

/** Checks every invariant after one step; returns whether the session is still live. */
function checkStep(
  graph: Map<string, Menu>,
  before: SessionState,
  state: SessionState,
  actions: ReturnType<typeof step>["actions"],
): boolean {
  expect(state.stack.length).toBeGreaterThanOrEqual(1);
  expect(state.stack.length).toBeLessThanOrEqual(MAX_MENU_DEPTH);
  expect(new Set(state.stack).size).toBe(state.stack.length);
  const menu = graph.get(state.stack[state.stack.length - 1]!)!;
  expect(menu).toBeDefined();
  expect(state.invalidCount).toBeLessThanOrEqual(menu.maxRetries);
  expect(state.timeoutCount).toBeLessThanOrEqual(menu.maxRetries);
  expect(state.invalidCount).toBeGreaterThanOrEqual(0);
  if (state.status === "active") {
    expect(state.endReason).toBeNull();
    // A live caller is always left waiting on a gather (a partial key with nothing new changes nothing).
    if (actions.length > 0) expect(actions[actions.length - 1]!.type).toBe("gather");
    else expect(state).toEqual(before);
    return true;
  }
  expect(TERMINAL).toContain(state.status);
  expect(state.endReason).not.toBeNull();
  const lastAction = actions[actions.length - 1];
  if (state.status === "completed") {
    expect(state.handOff).not.toBeNull();
    expect(lastAction).toEqual({ type: state.handOff!.action, target: state.handOff!.target });
  }
  if (state.status === "failed" || (state.status === "timeout" && state.endReason === "max_timeouts")) {
    expect(lastAction?.type).toBe("hangup");
  }
  return false;
}

function walk(graph: Map<string, Menu>, script: IvrEvent[]): SessionState {
  let { state } = step(graph, null, { type: "start", menuId: "m0" });
  for (const event of script) {
    if (state.status !== "active") {
      expect(() => step(graph, state, event)).toThrow(expect.objectContaining({ code: "session_ended" }));
      continue;
    }
    const result = step(graph, state, event);
    checkStep(graph, state, result.state, result.actions);
    state = result.state;
  }
  return state;
}

describe("the engine on random menus and callers", () => {
  it("keeps the stack within 1..12 without repeats, counters within max_retries, and live callers in a gather", () => {
    fc.assert(
      fc.property(fc.oneof(graphs, chains), fc.array(events, { maxLength: 60 }), (graph, script) => {
        walk(graph, script);
      }),
      { numRuns: 400 },
    );
  });

  it("reaches but never passes the depth limit on long chains", () => {
    fc.assert(
      fc.property(chains, fc.integer({ min: 12, max: 40 }), (graph, presses) => {
        const state = walk(
          graph,
          Array.from({ length: presses }, () => ({ type: "digits", digits: "1" }) as const),
        );
        expect(state.stack.length).toBeLessThanOrEqual(MAX_MENU_DEPTH);
        if (graph.size > MAX_MENU_DEPTH) expect(state.stack.length).toBe(MAX_MENU_DEPTH);
      }),
      { numRuns: 50 },
    );
  });

  it("ends every session: silence alone ends it within max_retries + 2 timeouts", () => {
    fc.assert(
      fc.property(graphs, fc.array(events, { maxLength: 40 }), (graph, script) => {
        let state = walk(graph, script);
        // One timeout may complete a half-typed entry; after that each one counts, up to max_retries (≤ 4) + 1.
        for (let i = 0; i < 4 + 2 && state.status === "active"; i++) {
          const result = step(graph, state, { type: "timeout" });
          checkStep(graph, state, result.state, result.actions);
          state = result.state;
        }
        expect(TERMINAL).toContain(state.status);
      }),
      { numRuns: 300 },
    );
  });

  it("ends every live session the moment the caller hangs up", () => {
    fc.assert(
      fc.property(graphs, fc.array(events, { maxLength: 40 }), (graph, script) => {
        const state = walk(graph, script);
        if (state.status !== "active") return;
        const { state: ended, actions } = step(graph, state, { type: "end" });
        expect(ended).toMatchObject({ status: "abandoned", endReason: "caller_hangup", stack: state.stack });
        expect(actions).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
