// The IVR engine: one pure transition from (menus, session state, event) to (new state, actions). No I/O, no clock.
import type { GatherAction, IvrAction } from "./actions.js";
import { compileMenu } from "./compiled-menu.js";
import { IvrError } from "./errors.js";
import type { IvrEvent } from "./events.js";
import type { HandOff, Menu, MenuGraph } from "./menu.js";
import {
  currentMenuId,
  type EndReason,
  MAX_MENU_DEPTH,
  type SessionState,
  type SessionStatus,
} from "./session-state.js";

export interface StepResult {
  state: SessionState;
  actions: IvrAction[];
}

const DTMF = /^[0-9*#]*$/;

/**
 * Applies one event. `state` is null only for `start`. Throws `IvrError` for events that cannot apply:
 * `invalid_event` (start twice, or anything before start), `session_ended`, `menu_not_found` (start), `invalid_digits`.
 */
export function step(graph: MenuGraph, state: SessionState | null, event: IvrEvent): StepResult {
  if (event.type === "start") return start(graph, state, event.menuId);
  if (!state) throw new IvrError("invalid_event", `a session must start before "${event.type}"`);
  if (state.status !== "active") throw new IvrError("session_ended", `the IVR session has ended (${state.status})`);
  if (event.type === "end")
    return end(state, event.reason === "idle" ? "timeout" : "abandoned", event.reason ?? "caller_hangup", []);

  const menu = graph.get(currentMenuId(state));
  if (!menu) return unavailable(state);
  switch (event.type) {
    case "digits":
      return digits(graph, menu, state, event.digits, event.partial === true);
    case "timeout":
      return state.buffer === "" ? noInput(menu, state) : select(graph, menu, state, state.buffer);
    case "back":
      return back(graph, menu, state);
    default:
      throw new IvrError("invalid_event", `unknown event "${(event as { type: string }).type}"`);
  }
}

function start(graph: MenuGraph, state: SessionState | null, menuId: string): StepResult {
  if (state) throw new IvrError("invalid_event", "the IVR session has already started");
  const menu = graph.get(menuId);
  if (!menu) throw IvrError.menuNotFound();
  const fresh: SessionState = {
    status: "active",
    stack: [menu.id],
    invalidCount: 0,
    timeoutCount: 0,
    buffer: "",
    endReason: null,
    handOff: null,
  };
  return { state: fresh, actions: promptActions(menu) };
}

function digits(graph: MenuGraph, menu: Menu, state: SessionState, keys: string, partial: boolean): StepResult {
  if (!DTMF.test(keys)) throw new IvrError("invalid_digits", "digits may only contain 0-9, * and #");
  const compiled = compileMenu(menu);
  const entry = state.buffer + keys;
  const finish = compiled.finishOnKey === "" ? -1 : entry.indexOf(compiled.finishOnKey);
  if (finish >= 0) return entryOrNoInput(graph, menu, state, entry.slice(0, finish));
  if (partial) {
    if (entry === "") return { state, actions: [] };
    // An entry that could still grow into a longer item waits for more keys (or "#", or the inter-digit timeout).
    if (entry.length < compiled.maxDigits && compiled.prefixes.has(entry)) {
      const gather: GatherAction = {
        type: "gather",
        num_digits: compiled.maxDigits - entry.length,
        timeout_ms: menu.interDigitTimeout,
        finish_on_key: compiled.finishOnKey,
      };
      return { state: { ...state, buffer: entry }, actions: [gather] };
    }
  }
  return entryOrNoInput(graph, menu, state, entry);
}

/** Twilio reports silence and a lone "#" as empty digits: both are no input. */
function entryOrNoInput(graph: MenuGraph, menu: Menu, state: SessionState, entry: string): StepResult {
  return entry === "" ? noInput(menu, { ...state, buffer: "" }) : select(graph, menu, state, entry);
}

/** A complete entry: a defined item first, then the built-in keys (which never shadow an item), else invalid. */
function select(graph: MenuGraph, menu: Menu, state: SessionState, entry: string): StepResult {
  const item = compileMenu(menu).byDigits.get(entry);
  if (item) {
    if (item.action === "submenu") return enter(graph, menu, state, item.target);
    return handOff(state, { action: item.action, target: item.target }, item.action, []);
  }
  if (entry === menu.backKey) return back(graph, menu, state);
  if (entry === menu.operatorKey && menu.operator) return handOff(state, menu.operator, "operator", []);
  return invalid(menu, state);
}

function enter(graph: MenuGraph, menu: Menu, state: SessionState, targetId: string): StepResult {
  const target = graph.get(targetId);
  if (!target) return invalid(menu, state);
  // Entering a menu already on the stack (e.g. "9 for the main menu") unwinds to it, so cycles never grow the stack.
  const onStack = state.stack.indexOf(target.id);
  if (onStack < 0 && state.stack.length >= MAX_MENU_DEPTH) return invalid(menu, state);
  const stack = onStack >= 0 ? state.stack.slice(0, onStack + 1) : [...state.stack, target.id];
  return { state: { ...state, stack, invalidCount: 0, timeoutCount: 0, buffer: "" }, actions: promptActions(target) };
}

function back(graph: MenuGraph, menu: Menu, state: SessionState): StepResult {
  // At the top, back repeats the prompt: a valid entry, so it clears the invalid count (silences still count).
  if (state.stack.length <= 1)
    return { state: { ...state, invalidCount: 0, buffer: "" }, actions: promptActions(menu) };
  const stack = state.stack.slice(0, -1);
  const parent = graph.get(stack[stack.length - 1]!);
  if (!parent) return unavailable(state);
  return { state: { ...state, stack, invalidCount: 0, timeoutCount: 0, buffer: "" }, actions: promptActions(parent) };
}

function invalid(menu: Menu, state: SessionState): StepResult {
  const count = state.invalidCount + 1;
  if (count > menu.maxRetries) return exhausted(menu, state, "max_retries", menu.invalidPrompt);
  return {
    state: { ...state, invalidCount: count, buffer: "" },
    actions: [{ type: "say", text: menu.invalidPrompt }, ...promptActions(menu)],
  };
}

function noInput(menu: Menu, state: SessionState): StepResult {
  const count = state.timeoutCount + 1;
  if (count > menu.maxRetries) return exhausted(menu, state, "max_timeouts", menu.timeoutPrompt);
  return {
    state: { ...state, timeoutCount: count, buffer: "" },
    actions: [{ type: "say", text: menu.timeoutPrompt }, ...promptActions(menu)],
  };
}

/** Past the limit: the menu's escape if it has one (the call is handed off), else hang up. */
function exhausted(
  menu: Menu,
  state: SessionState,
  reason: "max_retries" | "max_timeouts",
  notice: string,
): StepResult {
  const say: IvrAction = { type: "say", text: notice };
  if (menu.onMaxRetries) return handOff(state, menu.onMaxRetries, reason, [say]);
  const status: SessionStatus = reason === "max_retries" ? "failed" : "timeout";
  return end(state, status, reason, [say, { type: "hangup", reason: "max_retries" }]);
}

function handOff(state: SessionState, to: HandOff, reason: EndReason, before: IvrAction[]): StepResult {
  const ended: SessionState = { ...state, status: "completed", endReason: reason, handOff: to, buffer: "" };
  return { state: ended, actions: [...before, { type: to.action, target: to.target }] };
}

/** The current (or parent) menu was deleted while the call was in it: nothing sensible to say, so hang up. */
function unavailable(state: SessionState): StepResult {
  return end(state, "failed", "menu_unavailable", [{ type: "hangup", reason: "menu_unavailable" }]);
}

function end(state: SessionState, status: SessionStatus, reason: EndReason, actions: IvrAction[]): StepResult {
  return { state: { ...state, status, endReason: reason, buffer: "" }, actions };
}

function promptActions(menu: Menu): IvrAction[] {
  const compiled = compileMenu(menu);
  return [
    { type: "say", text: menu.prompt },
    { type: "gather", num_digits: compiled.maxDigits, timeout_ms: menu.timeout, finish_on_key: compiled.finishOnKey },
  ];
}
