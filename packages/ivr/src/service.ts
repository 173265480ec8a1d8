// The persisted IVR: menus validated as a graph before they are saved, sessions stepped by the pure engine.

import { randomUUID } from "node:crypto";
import type { IvrAction } from "./actions.js";
import { definedOnly } from "./defined-only.js";
import { IvrError } from "./errors.js";
import type { IvrEvent } from "./events.js";
import type { Menu } from "./menu.js";
import {
  type IvrMenu,
  type IvrMenuFields,
  type IvrMenuUpdate,
  type IvrSession,
  menuDefaults,
  sessionColumns,
  toMenu,
  toSessionState,
} from "./records.js";
import type { IvrMenuRepository, IvrSessionRepository } from "./repository.js";
import { step } from "./step.js";
import { type MenuIssue, type ValidationReport, validateMenuGraph } from "./validation.js";
import { dispatchEvents, type EmittedEvent, eventsForStep, type IvrEmit } from "./webhook-events.js";

export interface IvrServiceOptions {
  menus: IvrMenuRepository;
  sessions: IvrSessionRepository;
  now?: () => Date;
  newId?: () => string;
  /** Receives `ivr.session.started`, `call.transferred` and `ivr.session.ended` after each write. */
  emit?: IvrEmit;
  onEmitError?: (error: unknown, event: EmittedEvent) => void;
  /**
   * Tries per event when concurrent events on one session keep winning the race (default 32). Every lost try
   * means another event was applied, so a burst of n events at once all apply when this is at least n.
   */
  maxAttempts?: number;
}

/** A session after a step, and what the telephony layer must now do. */
export interface IvrTurn {
  session: IvrSession;
  actions: IvrAction[];
}

export interface MenuWriteResult {
  menu: IvrMenu;
  /** Advice that did not stop the write, e.g. more than five options, or a menu nothing leads to. */
  warnings: MenuIssue[];
}

export interface SessionScope {
  /** When given, only this user's sessions and menus are found. */
  userId?: string;
}

export class IvrService {
  private readonly menus: IvrMenuRepository;
  private readonly sessions: IvrSessionRepository;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly maxAttempts: number;

  constructor(private readonly options: IvrServiceOptions) {
    this.menus = options.menus;
    this.sessions = options.sessions;
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
    this.maxAttempts = options.maxAttempts ?? 32;
  }

  listMenus(userId: string): Promise<IvrMenu[]> {
    return this.menus.getIVRMenus(userId);
  }

  async getMenu(userId: string, id: string): Promise<IvrMenu> {
    const menu = await this.menus.getIVRMenuById(id, userId);
    if (!menu) throw IvrError.menuNotFound();
    return menu;
  }

  /** All of the user's menus checked together. */
  async validateMenus(userId: string): Promise<ValidationReport> {
    return validateMenuGraph((await this.menus.getIVRMenus(userId)).map(toMenu));
  }

  /** Throws `invalid_menu` listing every problem; warnings come back with the saved menu. */
  async createMenu(userId: string, fields: IvrMenuFields): Promise<MenuWriteResult> {
    const existing = await this.menus.getIVRMenus(userId);
    const id = this.newId();
    const candidate: IvrMenu = {
      ...stamp(),
      ...menuDefaults(),
      ...definedOnly(fields),
      name: fields.name,
      prompt: fields.prompt,
      id,
      user_id: userId,
    };
    const warnings = checkChange(existing, candidate);
    const menu = await this.menus.createIVRMenu({ ...fields, id, user_id: userId });
    return { menu, warnings };
  }

  async updateMenu(userId: string, id: string, updates: IvrMenuUpdate): Promise<MenuWriteResult> {
    const existing = await this.menus.getIVRMenus(userId);
    const current = existing.find((m) => m.id === id);
    if (!current) throw IvrError.menuNotFound();
    const warnings = checkChange(existing, { ...current, ...definedOnly(updates) });
    const menu = await this.menus.updateIVRMenu(id, updates, userId);
    if (!menu) throw IvrError.menuNotFound();
    return { menu, warnings };
  }

  /** Refused (`menu_in_use`) while another menu's item or child menu points at it. */
  async deleteMenu(userId: string, id: string): Promise<void> {
    const existing = await this.menus.getIVRMenus(userId);
    if (!existing.some((m) => m.id === id)) throw IvrError.menuNotFound();
    const users = existing.filter((m) => m.id !== id && m.items.some((i) => i.action === "submenu" && i.target === id));
    if (users.length > 0) {
      const names = users.map((m) => `"${m.name}"`).join(", ");
      throw new IvrError("menu_in_use", `the menu is a submenu of ${names}: remove those items first`);
    }
    if (!(await this.menus.deleteIVRMenu(id, userId))) throw IvrError.menuNotFound();
  }

  /** One session per call: `sessionId` is the telephony call id. Two round trips: read the menus, insert. */
  async startSession(sessionId: string, menuId: string, scope: SessionScope = {}): Promise<IvrTurn> {
    const records = await this.menus.getIVRMenuWithSubmenus(menuId);
    const entry = records[0];
    if (!entry || (scope.userId !== undefined && entry.user_id !== scope.userId)) throw IvrError.menuNotFound();
    const { state, actions } = step(graphOf(records), null, { type: "start", menuId: entry.id });
    const at = this.now();
    const session = await this.sessions.createIVRSession({
      session_id: sessionId,
      user_id: entry.user_id,
      ...sessionColumns(state, at),
      start_time: at,
    });
    await this.emit(eventsForStep(sessionId, null, state, at, at), session.user_id);
    return { session, actions };
  }

  processMenuInput(
    sessionId: string,
    digits: string,
    scope: SessionScope & { partial?: boolean } = {},
  ): Promise<IvrTurn> {
    return this.send(sessionId, { type: "digits", digits, partial: scope.partial }, scope);
  }

  handleTimeout(sessionId: string, scope: SessionScope = {}): Promise<IvrTurn> {
    return this.send(sessionId, { type: "timeout" }, scope);
  }

  goBack(sessionId: string, scope: SessionScope = {}): Promise<IvrTurn> {
    return this.send(sessionId, { type: "back" }, scope);
  }

  /** The caller hung up. Ending an ended session changes nothing and returns no actions. */
  endSession(sessionId: string, scope: SessionScope = {}): Promise<IvrTurn> {
    return this.send(sessionId, { type: "end" }, scope);
  }

  async getSession(sessionId: string, scope: SessionScope = {}): Promise<IvrSession> {
    const session = await this.sessions.getIVRSession(sessionId);
    if (!session || (scope.userId !== undefined && session.user_id !== scope.userId)) throw IvrError.sessionNotFound();
    return session;
  }

  /**
   * One read and one conditional write per event. If another event on the same session wrote first, the write
   * finds a newer version and this event is applied again on top of it, so racing inputs apply one after the
   * other and never interleave inside a step.
   */
  async send(
    sessionId: string,
    event: Exclude<IvrEvent, { type: "start" }>,
    scope: SessionScope = {},
  ): Promise<IvrTurn> {
    for (let attempt = 1; ; attempt++) {
      const context = await this.sessions.getIVRSessionContext(sessionId);
      if (!context || (scope.userId !== undefined && context.session.user_id !== scope.userId)) {
        throw IvrError.sessionNotFound();
      }
      const before = toSessionState(context.session);
      if (event.type === "end" && before.status !== "active") return { session: context.session, actions: [] };
      const { state, actions } = step(graphOf(context.menus), before, event);
      const at = this.now();
      const saved = await this.sessions.updateIVRSession(sessionId, sessionColumns(state, at), {
        expectedVersion: context.session.version,
      });
      if (saved) {
        await this.emit(eventsForStep(sessionId, before, state, at, saved.start_time), saved.user_id);
        return { session: saved, actions };
      }
      if (attempt >= this.maxAttempts) {
        throw new IvrError("session_conflict", `IVR session "${sessionId}" kept changing under ${attempt} attempts`);
      }
    }
  }

  /** Closes sessions whose call went silent (see `closeIdleIVRSessions`); run it every minute or so. */
  async sweepIdleSessions(options: { graceMs?: number } = {}): Promise<IvrSession[]> {
    const at = this.now();
    const closed = await this.sessions.closeIdleIVRSessions(at, options.graceMs ?? 30_000);
    for (const session of closed) {
      const after = toSessionState(session);
      const events = eventsForStep(session.session_id, { ...after, status: "active" }, after, at, session.start_time);
      await this.emit(events, session.user_id);
    }
    return closed;
  }

  private emit(events: EmittedEvent[], userId: string): Promise<void> {
    return dispatchEvents(this.options.emit, events, userId, this.options.onEmitError);
  }
}

function graphOf(records: readonly IvrMenu[]): Map<string, Menu> {
  return new Map(records.map((record) => [record.id, toMenu(record)]));
}

/**
 * A change may not add errors to the user's graph. Errors that were already there elsewhere (from data written
 * before these checks) do not block an unrelated change; errors in the changed menu always do.
 */
function checkChange(existing: readonly IvrMenu[], candidate: IvrMenu): MenuIssue[] {
  const before = validateMenuGraph(existing.map(toMenu));
  const after = validateMenuGraph([...existing.filter((m) => m.id !== candidate.id), candidate].map(toMenu));
  const known = new Set(before.errors.map(issueKey));
  const errors = after.errors.filter((e) => e.menuId === candidate.id || !known.has(issueKey(e)));
  if (errors.length > 0) throw IvrError.invalidMenu(errors);
  const knownWarnings = new Set(before.warnings.map(issueKey));
  return after.warnings.filter((w) => w.menuId === candidate.id || !knownWarnings.has(issueKey(w)));
}

function issueKey(issue: MenuIssue): string {
  return `${issue.code}\u0000${issue.menuId}\u0000${issue.digit ?? ""}`;
}

function stamp(): Pick<IvrMenu, "created_at" | "updated_at"> {
  const epoch = new Date(0);
  return { created_at: epoch, updated_at: epoch };
}
