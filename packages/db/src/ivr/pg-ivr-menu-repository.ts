// PgIvrMenuRepository: @vx/ivr menus on Postgres or PGlite through any Queryable (pool, RLS transaction).
import {
  IvrError,
  type IvrMenu,
  type IvrMenuRepository,
  type IvrMenuUpdate,
  menuDefaults,
  type NewIvrMenu,
} from "@vx/ivr";
import type { Queryable } from "../queryable.js";
import { menuWriteError, sqlState } from "./pg-errors.js";
import { isUuid, json } from "./pg-values.js";
import * as sql from "./queries.js";

/**
 * Built on the connection role (system work, e.g. a telephony webhook) or on a `db.asUser` transaction,
 * where row level security restricts every method to that user's menus as well.
 */
export class PgIvrMenuRepository implements IvrMenuRepository {
  constructor(private readonly db: Queryable) {}

  async createIVRMenu(data: NewIvrMenu): Promise<IvrMenu> {
    const defaults = menuDefaults();
    // Omitted fields take the defaults; null is a value (e.g. back_key null disables the back key).
    const d = <K extends keyof typeof defaults>(field: K) =>
      (data[field] === undefined ? defaults[field] : data[field]) as (typeof defaults)[K];
    try {
      const { rows } = await this.db.query<IvrMenu>(sql.insertMenu, [
        data.id ?? null,
        data.user_id,
        data.name,
        data.prompt,
        json(d("items")),
        d("timeout"),
        d("max_retries"),
        d("invalid_prompt"),
        d("timeout_prompt"),
        d("parent_menu_id"),
        json(d("on_max_retries")),
        json(d("operator")),
        d("back_key"),
        d("operator_key"),
        d("inter_digit_timeout"),
      ]);
      return rows[0]!;
    } catch (error) {
      throw menuWriteError(error);
    }
  }

  async getIVRMenus(userId: string): Promise<IvrMenu[]> {
    if (!isUuid(userId)) return [];
    return (await this.db.query<IvrMenu>(sql.selectMenusByUser, [userId])).rows;
  }

  async getIVRMenuById(id: string, userId?: string): Promise<IvrMenu | null> {
    if (!isUuid(id)) return null;
    const { rows } = await this.db.query<IvrMenu>(sql.selectMenuById, [id, userId ?? null]);
    return rows[0] ?? null;
  }

  async updateIVRMenu(id: string, updates: IvrMenuUpdate, userId?: string): Promise<IvrMenu | null> {
    if (!isUuid(id)) return null;
    const given = (field: keyof IvrMenuUpdate, asJson = false) => {
      const value = updates[field];
      return [value !== undefined, value === undefined ? null : asJson ? json(value) : value];
    };
    try {
      const { rows } = await this.db.query<IvrMenu>(sql.updateMenu, [
        id,
        userId ?? null,
        ...given("name"),
        ...given("prompt"),
        ...given("items", true),
        ...given("timeout"),
        ...given("max_retries"),
        ...given("invalid_prompt"),
        ...given("timeout_prompt"),
        ...given("parent_menu_id"),
        ...given("on_max_retries", true),
        ...given("operator", true),
        ...given("back_key"),
        ...given("operator_key"),
        ...given("inter_digit_timeout"),
      ]);
      return rows[0] ?? null;
    } catch (error) {
      throw menuWriteError(error);
    }
  }

  async deleteIVRMenu(id: string, userId?: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    try {
      return (await this.db.query(sql.deleteMenu, [id, userId ?? null])).rowCount > 0;
    } catch (error) {
      // The parent foreign key is ON DELETE RESTRICT (23001): children are never orphaned.
      const state = sqlState(error);
      if (state === "23001" || state === "23503") {
        throw new IvrError("menu_in_use", "the menu is the parent of other menus", { cause: error });
      }
      throw error;
    }
  }

  async getIVRMenuWithSubmenus(id: string): Promise<IvrMenu[]> {
    if (!isUuid(id)) return [];
    return (await this.db.query<IvrMenu>(sql.selectMenuWithSubmenus, [id])).rows;
  }
}
