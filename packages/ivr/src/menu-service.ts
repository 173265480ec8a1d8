// The specification's synchronous IVR Menu Service: menus registered in memory, sessions walked by the pure engine.
import type { IvrAction } from "./actions.js";
import { IvrError } from "./errors.js";
import type { IvrEvent } from "./events.js";
import { defineMenu, type HandOff, type Menu, type MenuDefinition } from "./menu.js";
import { currentMenuId, type EndReason, retryCount, type SessionState, type SessionStatus } from "./session-state.js";
import { step } from "./step.js";
import { type ValidationReport, validateMenu, validateMenuGraph } from "./validation.js";
import { type EmittedEvent, eventsForStep, type IvrEmit } from "./webhook-events.js";

export interface IvrMenuServiceOptions {
  now?: () => Date;
  /** Receives `ivr.session.started`, `call.transferred` and `ivr.session.ended`. */
  emit?: IvrEmit;
  /** The user the events are emitted for. */
  userId?: string;
  onEmitError?: (error: unknown, event: EmittedEvent) => void;
}

/** A session as callers see it, with the actions of its latest step for the telephony layer to perform. */
export interface IvrSessionSnapshot {
  sessionId: string;
  currentMenuId: string;
  menuStack: string[];
  status: SessionStatus;
  endReason: EndReason | null;
  handOff: HandOff | null;
  retryCount: number;
  invalidCount: number;
  timeoutCount: number;
  startTime: Date;
  lastActivity: Date;
  endedAt: Date | null;
  actions: IvrAction[];
}

interface LiveSession {
  state: SessionState;
  startTime: Date;
  lastActivity: Date;
  endedAt: Date | null;
  actions: IvrAction[];
}

export class IvrMenuService {
  private readonly menus = new Map<string, Menu>();
  private readonly sessions = new Map<string, LiveSession>();
  private readonly now: () => Date;

  constructor(private readonly options: IvrMenuServiceOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Adds or replaces a menu. Its own fields are checked now (throws `IvrError` `invalid_menu`); submenus may be
   * registered later, so links between menus are checked by `validate()`.
   */
  registerMenu(definition: MenuDefinition): Menu {
    const menu = defineMenu(definition);
    const report = validateMenu(menu);
    if (!report.ok) throw IvrError.invalidMenu(report.errors);
    this.menus.set(menu.id, menu);
    return menu;
  }

  getMenu(menuId: string): Menu | undefined {
    return this.menus.get(menuId);
  }

  /** The whole registry checked as a graph: unknown submenus, trapping cycles, depth, unreachable menus. */
  validate(options: { roots?: readonly string[] } = {}): ValidationReport {
    return validateMenuGraph(this.menus.values(), options);
  }

  startSession(sessionId: string, menuId: string): IvrSessionSnapshot {
    if (this.sessions.has(sessionId)) throw new IvrError("session_exists", `IVR session "${sessionId}" already exists`);
    const at = this.now();
    const { state, actions } = step(this.menus, null, { type: "start", menuId });
    const live: LiveSession = { state, startTime: at, lastActivity: at, endedAt: null, actions };
    this.sessions.set(sessionId, live);
    this.emit(eventsForStep(sessionId, null, state, at, at));
    return snapshot(sessionId, live);
  }

  /** One entry of keys, e.g. "1", or "101#" for an extension. */
  processMenuInput(sessionId: string, digits: string): IvrSessionSnapshot {
    return this.apply(sessionId, { type: "digits", digits });
  }

  /** The caller's gather ran out without (complete) input. */
  handleTimeout(sessionId: string): IvrSessionSnapshot {
    return this.apply(sessionId, { type: "timeout" });
  }

  goBack(sessionId: string): IvrSessionSnapshot {
    return this.apply(sessionId, { type: "back" });
  }

  /** Ends the session as abandoned by the caller; ending an ended session changes nothing. */
  endSession(sessionId: string): IvrSessionSnapshot {
    const live = this.require(sessionId);
    if (live.state.status !== "active") return snapshot(sessionId, { ...live, actions: [] });
    return this.apply(sessionId, { type: "end" });
  }

  getSession(sessionId: string): IvrSessionSnapshot | undefined {
    const live = this.sessions.get(sessionId);
    return live ? snapshot(sessionId, live) : undefined;
  }

  private apply(sessionId: string, event: IvrEvent): IvrSessionSnapshot {
    const live = this.require(sessionId);
    const { state, actions } = step(this.menus, live.state, event);
    const at = this.now();
    const next: LiveSession = {
      state,
      startTime: live.startTime,
      lastActivity: at,
      endedAt: state.status === "active" ? null : at,
      actions,
    };
    this.sessions.set(sessionId, next);
    this.emit(eventsForStep(sessionId, live.state, state, at, live.startTime));
    return snapshot(sessionId, next);
  }

  private require(sessionId: string): LiveSession {
    const live = this.sessions.get(sessionId);
    if (!live) throw IvrError.sessionNotFound();
    return live;
  }

  private emit(events: EmittedEvent[]): void {
    const { emit, onEmitError = () => {} } = this.options;
    if (!emit) return;
    // The facade is synchronous: each event is handed over now, in order, and a failing or slow receiver
    // (a rejected promise) cannot hold up or break the call.
    for (const e of events) {
      try {
        const result = emit(e.event, e.payload, { userId: this.options.userId ?? "" });
        if (result instanceof Promise) result.catch((error: unknown) => onEmitError(error, e));
      } catch (error) {
        onEmitError(error, e);
      }
    }
  }
}

function snapshot(sessionId: string, live: LiveSession): IvrSessionSnapshot {
  const { state } = live;
  return {
    sessionId,
    currentMenuId: currentMenuId(state),
    menuStack: [...state.stack],
    status: state.status,
    endReason: state.endReason,
    handOff: state.handOff,
    retryCount: retryCount(state),
    invalidCount: state.invalidCount,
    timeoutCount: state.timeoutCount,
    startTime: live.startTime,
    lastActivity: live.lastActivity,
    endedAt: live.endedAt,
    actions: live.actions,
  };
}
