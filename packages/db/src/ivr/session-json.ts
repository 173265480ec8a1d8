// The JSON both IVR session adapters exchange with migration 010's functions: a step's changes as
// vx_ivr_update_session takes them, and vx_ivr_session_context's answer typed for @vx/ivr.
import type { IvrMenu, IvrSession, IvrSessionContext, IvrSessionUpdate } from "@vx/ivr";
import { isUuid } from "./pg-values.js";

type Row = Record<string, unknown>;

export const SESSION_DATES = ["start_time", "last_activity", "ended_at", "created_at"] as const;
const MENU_DATES = ["created_at", "updated_at"] as const;

/** Rows nested in JSON carry timestamps as text. */
export function parseDates<T>(row: Row, fields: readonly string[]): T {
  const out: Row = { ...row };
  for (const field of fields) if (typeof out[field] === "string") out[field] = new Date(out[field] as string);
  return out as T;
}

/** The fields given (undefined ones left out), timestamps as ISO text: values to go inside JSON. */
export function jsonValues(values: object): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) out[key] = value instanceof Date ? value.toISOString() : value;
  }
  return out;
}

/** vx_ivr_update_session's p_changes: it sets only the keys present. */
export function sessionChanges(updates: IvrSessionUpdate): Row {
  const changes = jsonValues(updates);
  // A menu id that cannot exist is written as "no current menu", like a deleted one.
  if (typeof changes.current_menu_id === "string" && !isUuid(changes.current_menu_id)) changes.current_menu_id = null;
  return changes;
}

export interface SessionContextJson {
  session: Row;
  menus: Row[];
}

export function sessionContextFromJson(context: SessionContextJson): IvrSessionContext {
  return {
    session: parseDates<IvrSession>(context.session, SESSION_DATES),
    menus: context.menus.map((m) => parseDates<IvrMenu>(m, MENU_DATES)),
  };
}
