// PgAuditRepository: @vx/compliance audit entries on Postgres or PGlite through any Queryable.
import type { AuditEntry, AuditPosition, AuditRepository } from "@vx/compliance";
import type { Queryable } from "../queryable.js";
import { type AuditRow, toAuditEntry } from "./audit-row.js";
import { deleteExpiredBatch } from "./pg-retention-repository.js";
import * as sql from "./queries.js";

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
    return rows.map(toAuditEntry);
  }

  deleteBatchOlderThan(cutoff: Date, limit: number): Promise<number> {
    return deleteExpiredBatch(this.db, "audit_logs", cutoff, limit);
  }
}
