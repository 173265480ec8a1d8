// PgAuditRepository: @vx/compliance audit entries on Postgres or PGlite through any Queryable.
import type { AuditEntry, AuditPosition, AuditRepository } from "@vx/compliance";
import type { Queryable } from "../queryable.js";
import * as sql from "./queries.js";

interface AuditRow {
  id: string;
  user_id: string | null;
  actor_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
}

/**
 * On a `db.asUser` transaction RLS limits listing to that user's entries as well; clean-up is system work
 * (the connection role or `db.asService`), since users may not delete their trail.
 */
export class PgAuditRepository implements AuditRepository {
  constructor(private readonly db: Queryable) {}

  async listByUser(userId: string, options: { limit: number; after?: AuditPosition }): Promise<AuditEntry[]> {
    const { after, limit } = options;
    const { rows } = after
      ? await this.db.query<AuditRow>(sql.selectAuditPageAfter, [userId, limit, after.createdAt, after.id])
      : await this.db.query<AuditRow>(sql.selectAuditFirstPage, [userId, limit]);
    return rows.map(toEntry);
  }

  async deleteBatchOlderThan(cutoff: Date, limit: number): Promise<number> {
    return (await this.db.query(sql.deleteAuditBatch, [cutoff, limit])).rowCount;
  }
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    userId: row.user_id,
    actorId: row.actor_id,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    metadata: row.metadata,
    createdAt: row.created_at,
  };
}
