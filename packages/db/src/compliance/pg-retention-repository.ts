// PgRetentionRepository: one bounded delete per call, per retention target. System work: build it on the Database.
import type { RetentionRepository, RetentionTarget } from "@vx/compliance";
import type { Queryable } from "../queryable.js";
import * as sql from "./queries.js";

export class PgRetentionRepository implements RetentionRepository {
  /** Give it the Database (each batch its own short transaction), never one long transaction. */
  constructor(private readonly db: Queryable) {}

  deleteExpiredBatch(target: RetentionTarget, cutoff: Date, limit: number): Promise<number> {
    return deleteExpiredBatch(this.db, target, cutoff, limit);
  }
}

export async function deleteExpiredBatch(db: Queryable, target: string, cutoff: Date, limit: number): Promise<number> {
  const { rows } = await db.query<{ deleted: number }>(sql.deleteExpiredBatch, [target, cutoff, limit]);
  return rows[0]!.deleted;
}
