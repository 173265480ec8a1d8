// The state of one call in the menus: what the pure engine reads and returns, and what is persisted per session.
import type { HandOff } from "./menu.js";

/** Deeper menus than this are refused: a caller should never be more than 12 menus from the top. */
export const MAX_MENU_DEPTH = 12;

export type SessionStatus = "active" | "completed" | "abandoned" | "failed" | "timeout";

/**
 * Why a session ended. `completed`: `agent`, `transfer`, `operator`, or an escape after `max_retries` /
 * `max_timeouts`; `abandoned`: `caller_hangup`; `failed`: `max_retries`, `menu_unavailable`;
 * `timeout`: `max_timeouts`, `idle`.
 */
export type EndReason =
  | "agent"
  | "transfer"
  | "operator"
  | "max_retries"
  | "max_timeouts"
  | "caller_hangup"
  | "idle"
  | "menu_unavailable";

export interface SessionState {
  readonly status: SessionStatus;
  /** Menu ids from the entry menu to the current one (last). Never empty. */
  readonly stack: readonly string[];
  /** Invalid entries in the current menu since the last valid one. Never above the menu's `maxRetries`. */
  readonly invalidCount: number;
  /** No-input timeouts in the current menu. Never above the menu's `maxRetries`. */
  readonly timeoutCount: number;
  /** Keys of a multi-digit entry still being typed (partial input only). */
  readonly buffer: string;
  readonly endReason: EndReason | null;
  /** Where the call was handed off when it ended with `completed`. */
  readonly handOff: HandOff | null;
}

export function currentMenuId(state: SessionState): string {
  return state.stack[state.stack.length - 1]!;
}

export function isEnded(state: SessionState): boolean {
  return state.status !== "active";
}

/** The retry count shown on a session: how far the caller is into the current menu's allowance. */
export function retryCount(state: SessionState): number {
  return Math.max(state.invalidCount, state.timeoutCount);
}
