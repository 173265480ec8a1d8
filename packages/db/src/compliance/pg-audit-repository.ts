// PgAuditRepository: @vx/compliance audit entries on Postgres or PGlite through any Queryable.
import type { AuditEntry, AuditPosition, AuditRepository } from "@vx/compliance";
import type { Queryable } from "../queryable.js";
import { deleteExpiredBatch } from "./pg-retention-repository.js";
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
    const { rows } = await this.db.query<AuditRow>(sql.selectAuditPage, [
      userId,
      limit,
      after?.createdAt ?? null,
      after?.id ?? null,
    ]);
    return rows.map(toEntry);
  }

  deleteBatchOlderThan(cutoff: Date, limit: number): Promise<number> {
    return deleteExpiredBatch(this.db, "audit_logs", cutoff, limit);
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
