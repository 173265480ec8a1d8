// PgUserDataRepository: a user's rows in every table for the GDPR export (read through RLS) and their erasure,
// both migration 010's functions: the tables holding a user's rows are found in the catalog there (vx_user_tables).
import type { ExportedTables, UserDataRepository } from "@vx/compliance";
import type { Database } from "../database.js";
import * as sql from "./queries.js";

export class PgUserDataRepository implements UserDataRepository {
  /** Needs the Database itself: the export runs as the user, the erasure as system work. */
  constructor(private readonly db: Database) {}

  /**
   * One statement, so one consistent snapshot, run as role authenticated with the user's claims: row level
   * security guarantees it can only ever return the user's own rows. Tables the role may not read are not
   * part of the user's visible data and are left out.
   */
  collect(userId: string): Promise<ExportedTables> {
    return this.db.asUser(userId, async (tx) => {
      const { rows } = await tx.query<{ tables: ExportedTables }>(sql.exportUserData, [userId]);
      return rows[0]!.tables;
    });
  }

  async recordExport(userId: string, at: Date): Promise<void> {
    await this.db.query(sql.insertAuditEntry, [userId, userId, "user_data.exported", "user", userId, {}, at]);
  }

  /** One statement: everything of the user goes, or (on any error) nothing does. */
  async erase(userId: string, record: { subjectSha256: string; at: Date }): Promise<Record<string, number>> {
    const { rows } = await this.db.query<{ deleted: Record<string, number> }>(sql.eraseUserData, [
      userId,
      record.subjectSha256,
      record.at,
    ]);
    return rows[0]!.deleted;
  }
}
