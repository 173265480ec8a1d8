// SupabaseIvrMenuRepository: @vx/ivr menus through PostgREST; a menu with its submenus is one rpc.
import {
  IvrError,
  type IvrMenu,
  type IvrMenuRepository,
  type IvrMenuUpdate,
  menuDefaults,
  type NewIvrMenu,
} from "@vx/ivr";
import { menuWriteError } from "../ivr/pg-errors.js";
import { isUuid } from "../ivr/pg-values.js";
import type { TablesInsert } from "./database.types.js";
import { counted, data, owned, SupabaseRequestError, type VxSupabaseClient, withDates } from "./postgrest.js";
import { afterRow, ascending, readAll } from "./read-all.js";

type Row = Record<string, unknown>;
export const toMenu = (row: Row) => withDates<IvrMenu>(row, ["created_at", "updated_at"]);

/** On a user's client RLS restricts every method to that user's menus as well; the service-role client sees all. */
export class SupabaseIvrMenuRepository implements IvrMenuRepository {
  constructor(private readonly client: VxSupabaseClient) {}

  async createIVRMenu(menu: NewIvrMenu): Promise<IvrMenu> {
    const defaults = menuDefaults();
    // Omitted fields take the defaults; null is a value (e.g. back_key null disables the back key).
    const values: Row = { ...defaults, ...Object.fromEntries(Object.entries(menu).filter(([, v]) => v !== undefined)) };
    if (values.id === null) delete values.id;
    try {
      // NewIvrMenu names the table's columns; the undefined-free copy above lost that type on the way.
      const row = values as TablesInsert<"ivr_menus">;
      return toMenu(await data<Row>(this.menus().insert(row).select("*").single()));
    } catch (error) {
      throw menuWriteError(error);
    }
  }

  async getIVRMenus(userId: string): Promise<IvrMenu[]> {
    if (!isUuid(userId)) return [];
    const rows = await readAll<Row>((last, want) => {
      const query = this.menus().select("*").eq("user_id", userId);
      const after = last ? query.or(afterRow(ascending("created_at", last), ascending("id", last))) : query;
      return after.order("created_at").order("id").limit(want);
    });
    return rows.map(toMenu);
  }

  async getIVRMenuById(id: string, userId?: string): Promise<IvrMenu | null> {
    if (!isUuid(id)) return null;
    const rows = await data<Row[]>(owned(this.menus().select("*").eq("id", id), userId));
    return rows[0] ? toMenu(rows[0]) : null;
  }

  async updateIVRMenu(id: string, updates: IvrMenuUpdate, userId?: string): Promise<IvrMenu | null> {
    if (!isUuid(id)) return null;
    const values = Object.fromEntries(Object.entries(updates).filter(([, v]) => v !== undefined));
    if (Object.keys(values).length === 0) return this.getIVRMenuById(id, userId);
    try {
      const rows = await data<Row[]>(owned(this.menus().update(values).eq("id", id), userId).select("*"));
      return rows[0] ? toMenu(rows[0]) : null;
    } catch (error) {
      throw menuWriteError(error);
    }
  }

  async deleteIVRMenu(id: string, userId?: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    try {
      return (await counted(owned(this.menus().delete({ count: "exact" }).eq("id", id), userId))) > 0;
    } catch (error) {
      // The parent foreign key is ON DELETE RESTRICT (23001): children are never orphaned.
      if (error instanceof SupabaseRequestError && (error.code === "23001" || error.code === "23503")) {
        throw new IvrError("menu_in_use", "the menu is the parent of other menus", { cause: error });
      }
      throw error;
    }
  }

  async getIVRMenuWithSubmenus(id: string): Promise<IvrMenu[]> {
    if (!isUuid(id)) return [];
    const rows = await data<Row[]>(this.client.rpc("vx_ivr_menu_with_submenus", { p_menu_id: id }));
    return rows.map(toMenu);
  }

  private menus() {
    return this.client.from("ivr_menus");
  }
}
