// Menus and sessions as stored (the `ivr_menus` / `ivr_sessions` columns, snake_case), and their engine views.
import { defineMenu, type HandOff, type Menu, type MenuItem } from "./menu.js";
import { currentMenuId, type EndReason, retryCount, type SessionState, type SessionStatus } from "./session-state.js";

export interface IvrMenu {
  id: string;
  user_id: string;
  name: string;
  prompt: string;
  items: MenuItem[];
  /** Milliseconds. */
  timeout: number;
  max_retries: number;
  invalid_prompt: string;
  timeout_prompt: string;
  parent_menu_id: string | null;
  on_max_retries: HandOff | null;
  operator: HandOff | null;
  back_key: string | null;
  operator_key: string | null;
  inter_digit_timeout: number;
  created_at: Date;
  updated_at: Date;
}

/** The settable fields of a menu; omitted ones take the column defaults. */
export interface IvrMenuFields {
  name: string;
  prompt: string;
  items?: MenuItem[];
  timeout?: number;
  max_retries?: number;
  invalid_prompt?: string;
  timeout_prompt?: string;
  parent_menu_id?: string | null;
  on_max_retries?: HandOff | null;
  operator?: HandOff | null;
  back_key?: string | null;
  operator_key?: string | null;
  inter_digit_timeout?: number;
}

export interface NewIvrMenu extends IvrMenuFields {
  /** Chosen by the caller (so a graph can be validated before insert); generated when omitted. */
  id?: string;
  user_id: string;
}

export type IvrMenuUpdate = Partial<IvrMenuFields>;

/** Engine internals kept with the session: the counters and any half-typed entry. */
export interface IvrSessionEngineState {
  invalid_count: number;
  timeout_count: number;
  buffer: string;
  hand_off: HandOff | null;
}

export interface IvrSession {
  id: string;
  /** The telephony call id (e.g. Twilio's CallSid). */
  session_id: string;
  user_id: string;
  current_menu_id: string | null;
  menu_stack: string[];
  retry_count: number;
  status: SessionStatus;
  end_reason: EndReason | null;
  state: IvrSessionEngineState;
  /** Bumped by every write: the optimistic-concurrency token. */
  version: number;
  start_time: Date;
  last_activity: Date;
  ended_at: Date | null;
  created_at: Date;
}

export interface NewIvrSession {
  session_id: string;
  user_id: string;
  current_menu_id: string | null;
  menu_stack: string[];
  retry_count?: number;
  status?: SessionStatus;
  end_reason?: EndReason | null;
  state?: IvrSessionEngineState;
  start_time: Date;
  last_activity: Date;
  ended_at?: Date | null;
}

export type IvrSessionUpdate = Partial<
  Pick<
    IvrSession,
    "current_menu_id" | "menu_stack" | "retry_count" | "status" | "end_reason" | "state" | "last_activity" | "ended_at"
  >
>;

/** Fills an insert with the column defaults, for adapters that have no database to do it. */
export function menuDefaults(): Omit<IvrMenu, "id" | "user_id" | "name" | "prompt" | "created_at" | "updated_at"> {
  const base = defineMenu({ id: "", name: "", prompt: "", items: [] });
  return {
    items: [],
    timeout: base.timeout,
    max_retries: base.maxRetries,
    invalid_prompt: base.invalidPrompt,
    timeout_prompt: base.timeoutPrompt,
    parent_menu_id: null,
    on_max_retries: null,
    operator: null,
    back_key: base.backKey,
    operator_key: base.operatorKey,
    inter_digit_timeout: base.interDigitTimeout,
  };
}

/** A stored menu as the engine's `Menu` (camelCase, frozen). */
export function toMenu(record: Omit<IvrMenu, "user_id" | "created_at" | "updated_at">): Menu {
  return defineMenu({
    id: record.id,
    name: record.name,
    prompt: record.prompt,
    items: record.items,
    timeout: record.timeout,
    maxRetries: record.max_retries,
    invalidPrompt: record.invalid_prompt,
    timeoutPrompt: record.timeout_prompt,
    interDigitTimeout: record.inter_digit_timeout,
    onMaxRetries: record.on_max_retries,
    operator: record.operator,
    backKey: record.back_key,
    operatorKey: record.operator_key,
    parentId: record.parent_menu_id,
  });
}

export function toSessionState(session: IvrSession): SessionState {
  return {
    status: session.status,
    stack: session.menu_stack,
    invalidCount: session.state.invalid_count ?? 0,
    timeoutCount: session.state.timeout_count ?? 0,
    buffer: session.state.buffer ?? "",
    endReason: session.end_reason,
    handOff: session.state.hand_off ?? null,
  };
}

/** The columns a step changes. `at` is when it happened (last activity; the end if it ended). */
export function sessionColumns(state: SessionState, at: Date): Required<IvrSessionUpdate> {
  return {
    current_menu_id: currentMenuId(state),
    menu_stack: [...state.stack],
    retry_count: retryCount(state),
    status: state.status,
    end_reason: state.endReason,
    state: {
      invalid_count: state.invalidCount,
      timeout_count: state.timeoutCount,
      buffer: state.buffer,
      hand_off: state.handOff,
    },
    last_activity: at,
    ended_at: state.status === "active" ? null : at,
  };
}
