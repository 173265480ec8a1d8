// PgRetentionRepository: one bounded delete per call, per retention target. System work: build it on the Database.
import type { RetentionRepository, RetentionTarget } from "@vx/compliance";
import type { Queryable } from "../queryable.js";
import * as sql from "./queries.js";

const DELETE_BATCH: Record<RetentionTarget, string> = {
  audit_logs: sql.deleteAuditBatch,
  webhook_logs: sql.deleteWebhookLogBatch,
  ivr_sessions: sql.deleteIvrSessionBatch,
};

export class PgRetentionRepository implements RetentionRepository {
  /** Give it the Database (each batch its own short transaction), never one long transaction. */
  constructor(private readonly db: Queryable) {}

  async deleteExpiredBatch(target: RetentionTarget, cutoff: Date, limit: number): Promise<number> {
    return (await this.db.query(DELETE_BATCH[target], [cutoff, limit])).rowCount;
  }
}
