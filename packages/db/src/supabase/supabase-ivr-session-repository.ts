// SupabaseIvrSessionRepository: @vx/ivr sessions through PostgREST. A step is one rpc read (the context) and one
// rpc compare-and-set write: the same statements as the pg adapter.
import type { IvrSession, IvrSessionContext, IvrSessionRepository, IvrSessionUpdate, NewIvrSession } from "@vx/ivr";
import { sessionWriteError } from "../ivr/pg-errors.js";
import {
  jsonValues,
  parseDates,
  SESSION_DATES,
  type SessionContextJson,
  sessionChanges,
  sessionContextFromJson,
} from "../ivr/session-json.js";
import type { Json, TablesInsert } from "./database.types.js";
import { data, iso, rpc, type VxSupabaseClient } from "./postgrest.js";

type Row = Record<string, unknown>;
const toSession = (row: Row) => parseDates<IvrSession>(row, SESSION_DATES);

/** Sessions are system data (users may only read theirs): writes need the service-role client. */
export class SupabaseIvrSessionRepository implements IvrSessionRepository {
  constructor(private readonly client: VxSupabaseClient) {}

  async createIVRSession(session: NewIvrSession): Promise<IvrSession> {
    const values = jsonValues({
      retry_count: 0,
      status: "active",
      end_reason: null,
      state: { invalid_count: 0, timeout_count: 0, buffer: "", hand_off: null },
      ended_at: null,
      ...session,
    });
    try {
      // NewIvrSession names the table's columns, with Dates as ISO text (jsonValues): what PostgREST inserts.
      const row = values as TablesInsert<"ivr_sessions">;
      return toSession(await data<Row>(this.client.from("ivr_sessions").insert(row).select("*").single()));
    } catch (error) {
      // SupabaseRequestError carries the SQLSTATE as its code, as pg's errors do.
      throw sessionWriteError(error, session.session_id);
    }
  }

  async getIVRSession(sessionId: string): Promise<IvrSession | null> {
    const rows = await data<Row[]>(this.client.from("ivr_sessions").select("*").eq("session_id", sessionId));
    return rows[0] ? toSession(rows[0]) : null;
  }

  async updateIVRSession(
    sessionId: string,
    updates: IvrSessionUpdate,
    options: { expectedVersion?: number } = {},
  ): Promise<IvrSession | null> {
    const rows = await data<Row[]>(
      rpc(this.client, "vx_ivr_update_session", {
        p_session_id: sessionId,
        p_changes: sessionChanges(updates) as Json,
        p_expected_version: options.expectedVersion ?? null,
      }),
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  async getIVRSessionContext(sessionId: string): Promise<IvrSessionContext | null> {
    const context = await data<SessionContextJson | null>(
      this.client.rpc("vx_ivr_session_context", { p_session_id: sessionId }),
    );
    return context ? sessionContextFromJson(context) : null;
  }

  async closeIdleIVRSessions(now: Date, graceMs: number): Promise<IvrSession[]> {
    const rows = await data<Row[]>(
      this.client.rpc("vx_ivr_close_idle_sessions", { p_now: iso(now), p_grace_ms: graceMs }),
    );
    return rows.map(toSession);
  }
}
