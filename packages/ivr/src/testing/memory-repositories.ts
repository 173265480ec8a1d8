// In-memory IVR repositories that behave like the Postgres ones (defaults, foreign keys, versions): for tests and demos.

import { randomUUID } from "node:crypto";
import { definedOnly } from "../defined-only.js";
import { IvrError } from "../errors.js";
import {
  type IvrMenu,
  type IvrMenuUpdate,
  type IvrSession,
  type IvrSessionUpdate,
  menuDefaults,
  type NewIvrMenu,
  type NewIvrSession,
} from "../records.js";
import type { IvrMenuRepository, IvrSessionContext, IvrSessionRepository } from "../repository.js";

export interface MemoryRepositoryOptions {
  now?: () => Date;
}

export class MemoryIvrMenuRepository implements IvrMenuRepository {
  private readonly rows = new Map<string, IvrMenu>();
  private readonly deleteListeners: ((menuId: string) => void)[] = [];
  private readonly now: () => Date;

  constructor(options: MemoryRepositoryOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async createIVRMenu(data: NewIvrMenu): Promise<IvrMenu> {
    const id = data.id ?? randomUUID();
    if (this.rows.has(id)) throw new IvrError("invalid_menu", `IVR menu id "${id}" is taken`);
    const at = this.now();
    const row: IvrMenu = {
      ...menuDefaults(),
      ...definedOnly(data),
      id,
      user_id: data.user_id,
      name: data.name,
      prompt: data.prompt,
      created_at: at,
      updated_at: at,
    };
    this.checkParent(row);
    this.rows.set(id, structuredClone(row));
    return structuredClone(row);
  }

  async getIVRMenus(userId: string): Promise<IvrMenu[]> {
    return [...this.rows.values()].filter((m) => m.user_id === userId).map((m) => structuredClone(m));
  }

  async getIVRMenuById(id: string, userId?: string): Promise<IvrMenu | null> {
    const row = this.find(id, userId);
    return row ? structuredClone(row) : null;
  }

  async updateIVRMenu(id: string, updates: IvrMenuUpdate, userId?: string): Promise<IvrMenu | null> {
    const row = this.find(id, userId);
    if (!row) return null;
    const next: IvrMenu = { ...row, ...definedOnly(updates), updated_at: this.now() };
    this.checkParent(next);
    this.rows.set(id, structuredClone(next));
    return structuredClone(next);
  }

  async deleteIVRMenu(id: string, userId?: string): Promise<boolean> {
    if (!this.find(id, userId)) return false;
    if ([...this.rows.values()].some((m) => m.parent_menu_id === id)) {
      throw new IvrError("menu_in_use", "the menu is the parent of other menus");
    }
    this.rows.delete(id);
    for (const listener of this.deleteListeners) listener(id);
    return true;
  }

  async getIVRMenuWithSubmenus(id: string): Promise<IvrMenu[]> {
    const menu = this.rows.get(id);
    if (!menu) return [];
    return [menu, ...this.targetsOf(menu)].map((m) => structuredClone(m));
  }

  /** For the session repository: menus by id of one user, and the submenus a menu leads to. */
  menusOf(userId: string, ids: readonly string[]): IvrMenu[] {
    return ids.map((id) => this.rows.get(id)).filter((m): m is IvrMenu => m?.user_id === userId);
  }

  targetsOf(menu: IvrMenu): IvrMenu[] {
    const ids = menu.items.filter((i) => i.action === "submenu").map((i) => i.target);
    return this.menusOf(menu.user_id, ids);
  }

  onDelete(listener: (menuId: string) => void): void {
    this.deleteListeners.push(listener);
  }

  private find(id: string, userId?: string): IvrMenu | undefined {
    const row = this.rows.get(id);
    return row && (userId === undefined || row.user_id === userId) ? row : undefined;
  }

  private checkParent(row: IvrMenu): void {
    if (row.parent_menu_id === null) return;
    const parent = this.rows.get(row.parent_menu_id);
    if (row.parent_menu_id === row.id || !parent || parent.user_id !== row.user_id) {
      throw new IvrError("invalid_menu", "parent_menu_id must be another menu of the same user");
    }
  }
}

export class MemoryIvrSessionRepository implements IvrSessionRepository {
  private readonly rows = new Map<string, IvrSession>();
  private readonly now: () => Date;

  constructor(
    private readonly menus: MemoryIvrMenuRepository,
    options: MemoryRepositoryOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    // As the foreign key's ON DELETE SET NULL (current_menu_id): the call's history stays.
    menus.onDelete((menuId) => {
      for (const row of this.rows.values()) if (row.current_menu_id === menuId) row.current_menu_id = null;
    });
  }

  async createIVRSession(data: NewIvrSession): Promise<IvrSession> {
    if (this.rows.has(data.session_id)) {
      throw new IvrError("session_exists", `IVR session "${data.session_id}" already exists`);
    }
    if (data.current_menu_id !== null && this.menus.menusOf(data.user_id, [data.current_menu_id]).length === 0) {
      throw IvrError.menuNotFound();
    }
    const row: IvrSession = {
      id: randomUUID(),
      session_id: data.session_id,
      user_id: data.user_id,
      current_menu_id: data.current_menu_id,
      menu_stack: [...data.menu_stack],
      retry_count: data.retry_count ?? 0,
      status: data.status ?? "active",
      end_reason: data.end_reason ?? null,
      state: data.state ?? { invalid_count: 0, timeout_count: 0, buffer: "", hand_off: null },
      version: 0,
      start_time: data.start_time,
      last_activity: data.last_activity,
      ended_at: data.ended_at ?? null,
      created_at: this.now(),
    };
    this.rows.set(row.session_id, structuredClone(row));
    return structuredClone(row);
  }

  async getIVRSession(sessionId: string): Promise<IvrSession | null> {
    const row = this.rows.get(sessionId);
    return row ? structuredClone(row) : null;
  }

  async updateIVRSession(
    sessionId: string,
    updates: IvrSessionUpdate,
    options: { expectedVersion?: number } = {},
  ): Promise<IvrSession | null> {
    const row = this.rows.get(sessionId);
    if (!row) return null;
    if (options.expectedVersion !== undefined && row.version !== options.expectedVersion) return null;
    const next: IvrSession = { ...row, ...definedOnly(updates), version: row.version + 1 };
    // A menu deleted since the read is written as "no current menu", as the Postgres adapter does.
    if (next.current_menu_id !== null && this.menus.menusOf(next.user_id, [next.current_menu_id]).length === 0) {
      next.current_menu_id = null;
    }
    this.rows.set(sessionId, structuredClone(next));
    return structuredClone(next);
  }

  async getIVRSessionContext(sessionId: string): Promise<IvrSessionContext | null> {
    const session = this.rows.get(sessionId);
    if (!session) return null;
    const stack = this.menus.menusOf(session.user_id, session.menu_stack);
    const top = stack.find((m) => m.id === session.menu_stack[session.menu_stack.length - 1]);
    const byId = new Map([...stack, ...(top ? this.menus.targetsOf(top) : [])].map((m) => [m.id, m]));
    return { session: structuredClone(session), menus: [...byId.values()].map((m) => structuredClone(m)) };
  }

  async closeIdleIVRSessions(now: Date, graceMs: number): Promise<IvrSession[]> {
    const closed: IvrSession[] = [];
    for (const row of this.rows.values()) {
      if (row.status !== "active") continue;
      const menu = row.current_menu_id ? this.menus.menusOf(row.user_id, [row.current_menu_id])[0] : undefined;
      const deadline = row.last_activity.getTime() + (menu?.timeout ?? 0) + graceMs;
      if (deadline >= now.getTime()) continue;
      Object.assign(row, { status: "timeout", end_reason: "idle", ended_at: now, version: row.version + 1 });
      closed.push(structuredClone(row));
    }
    return closed;
  }
}

/** A menu and a session repository sharing one store, as one database would. */
export function createMemoryIvrRepositories(options: MemoryRepositoryOptions = {}): {
  menus: MemoryIvrMenuRepository;
  sessions: MemoryIvrSessionRepository;
} {
  const menus = new MemoryIvrMenuRepository(options);
  return { menus, sessions: new MemoryIvrSessionRepository(menus, options) };
}
