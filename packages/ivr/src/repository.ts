// The ports: what @vx/ivr needs from storage. `PgIvr*Repository` (in @vx/db) and the in-memory ones implement them.
import type { IvrMenu, IvrMenuUpdate, IvrSession, IvrSessionUpdate, NewIvrMenu, NewIvrSession } from "./records.js";

/**
 * The specification's menu methods. `userId`, where optional, narrows to that user's menus (row level security
 * does the same when the adapter runs as the user). Adapters throw `IvrError`: `menu_in_use` when deleting a
 * parent of other menus, `invalid_menu` for a parent that is not the same user's menu.
 */
export interface IvrMenuRepository {
  createIVRMenu(data: NewIvrMenu): Promise<IvrMenu>;
  /** The user's menus, oldest first. */
  getIVRMenus(userId: string): Promise<IvrMenu[]>;
  getIVRMenuById(id: string, userId?: string): Promise<IvrMenu | null>;
  updateIVRMenu(id: string, updates: IvrMenuUpdate, userId?: string): Promise<IvrMenu | null>;
  deleteIVRMenu(id: string, userId?: string): Promise<boolean>;
  /** A menu and the menus its submenu items lead to (one round trip): what starting a session needs. */
  getIVRMenuWithSubmenus(id: string): Promise<IvrMenu[]>;
}

export interface IvrSessionContext {
  session: IvrSession;
  /** The menus on the session's stack and those the current menu's items lead to: all one step can touch. */
  menus: IvrMenu[];
}

/** The specification's session methods, plus what one engine step needs: one read, one conditional write. */
export interface IvrSessionRepository {
  /** Throws `IvrError` `session_exists` when the call already has a session, `menu_not_found` for a bad menu. */
  createIVRSession(data: NewIvrSession): Promise<IvrSession>;
  getIVRSession(sessionId: string): Promise<IvrSession | null>;
  /**
   * Writes the changes and bumps `version`. With `expectedVersion`, writes only if the stored version is still
   * that one, and returns null otherwise (or when there is no such session).
   */
  updateIVRSession(
    sessionId: string,
    updates: IvrSessionUpdate,
    options?: { expectedVersion?: number },
  ): Promise<IvrSession | null>;
  /** The session and the menus a step on it may touch, in one round trip. */
  getIVRSessionContext(sessionId: string): Promise<IvrSessionContext | null>;
  /**
   * Ends, as `timeout` / `idle`, active sessions silent for longer than their current menu's timeout plus
   * `graceMs` at `now` (a caller who hung up without us hearing of it). Returns the sessions it ended.
   */
  closeIdleIVRSessions(now: Date, graceMs: number): Promise<IvrSession[]>;
}
