// PgIvrSessionRepository: @vx/ivr sessions on Postgres or PGlite; a step is one read and one compare-and-set write.
import type { IvrSession, IvrSessionContext, IvrSessionRepository, IvrSessionUpdate, NewIvrSession } from "@vx/ivr";
import type { Queryable } from "../queryable.js";
import { sessionWriteError } from "./pg-errors.js";
import { json } from "./pg-values.js";
import * as sql from "./queries.js";
import { type SessionContextJson, sessionChanges, sessionContextFromJson } from "./session-json.js";

/**
 * Sessions are system data: users may only read theirs (RLS), so writes run on the connection role or
 * `db.asService`. Keep it outside long transactions: each method is one statement.
 */
export class PgIvrSessionRepository implements IvrSessionRepository {
  constructor(private readonly db: Queryable) {}

  async createIVRSession(data: NewIvrSession): Promise<IvrSession> {
    try {
      const { rows } = await this.db.query<IvrSession>(sql.insertSession, [
        data.session_id,
        data.user_id,
        data.current_menu_id,
        json(data.menu_stack),
        data.retry_count ?? 0,
        data.status ?? "active",
        data.end_reason ?? null,
        json(data.state ?? { invalid_count: 0, timeout_count: 0, buffer: "", hand_off: null }),
        data.start_time,
        data.last_activity,
        data.ended_at ?? null,
      ]);
      return rows[0]!;
    } catch (error) {
      throw sessionWriteError(error, data.session_id);
    }
  }

  async getIVRSession(sessionId: string): Promise<IvrSession | null> {
    const { rows } = await this.db.query<IvrSession>(sql.selectSession, [sessionId]);
    return rows[0] ?? null;
  }

  async updateIVRSession(
    sessionId: string,
    updates: IvrSessionUpdate,
    options: { expectedVersion?: number } = {},
  ): Promise<IvrSession | null> {
    const { rows } = await this.db.query<IvrSession>(sql.updateSession, [
      sessionId,
      json(sessionChanges(updates)),
      options.expectedVersion ?? null,
    ]);
    return rows[0] ?? null;
  }

  async getIVRSessionContext(sessionId: string): Promise<IvrSessionContext | null> {
    const { rows } = await this.db.query<{ context: SessionContextJson | null }>(sql.selectSessionContext, [sessionId]);
    const context = rows[0]?.context;
    return context ? sessionContextFromJson(context) : null;
  }

  async closeIdleIVRSessions(now: Date, graceMs: number): Promise<IvrSession[]> {
    return (await this.db.query<IvrSession>(sql.closeIdleSessions, [now, graceMs])).rows;
  }
}
