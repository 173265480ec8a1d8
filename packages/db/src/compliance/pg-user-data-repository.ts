// PgUserDataRepository: a user's rows in every table for the GDPR export (read through RLS) and their erasure.
import type { ExportedTables, UserDataRepository } from "@vx/compliance";
import type { Database } from "../database.js";
import * as sql from "./queries.js";
import { deleteStatement, discoverUserTables, exportStatement } from "./user-tables.js";

const AUDIT_TABLE = "audit_logs";
const deleteTrail = "DELETE FROM public.audit_logs WHERE user_id = $1";

export class PgUserDataRepository implements UserDataRepository {
  /** Needs the Database itself: the export runs as the user, the erasure in its own system transaction. */
  constructor(private readonly db: Database) {}

  /**
   * One statement, so one consistent snapshot, run as role authenticated with the user's claims: row level
   * security guarantees it can only ever return the user's own rows. Tables the role may not read are not
   * part of the user's visible data and are left out.
   */
  async collect(userId: string): Promise<ExportedTables> {
    const tables = (await discoverUserTables(this.db)).filter((t) => t.readable);
    const statement = exportStatement([...tables].sort((a, b) => (a.name < b.name ? -1 : 1)));
    return this.db.asUser(userId, async (tx) => {
      const { rows } = await tx.query<{ tables: ExportedTables }>(statement, [userId]);
      return rows[0]!.tables;
    });
  }

  async recordExport(userId: string, at: Date): Promise<void> {
    await this.db.query(sql.insertAuditEntry, [userId, userId, "user_data.exported", "user", userId, {}, at]);
  }

  async erase(userId: string, record: { subjectSha256: string; at: Date }): Promise<Record<string, number>> {
    const tables = (await discoverUserTables(this.db)).filter((t) => t.name !== AUDIT_TABLE);
    return this.db.transaction(async (tx) => {
      // The trail first, so the count is of the user's entries; the audit triggers then write entries for
      // the rows erased next, which the second delete of the trail removes again.
      const deleted: Record<string, number> = { [AUDIT_TABLE]: (await tx.query(deleteTrail, [userId])).rowCount };
      for (const table of tables) deleted[table.name] = (await tx.query(deleteStatement(table), [userId])).rowCount;
      await tx.query(deleteTrail, [userId]);
      const metadata = { subject_sha256: record.subjectSha256, deleted };
      await tx.query(sql.insertAuditEntry, [null, null, "user_data.erased", "user", null, metadata, record.at]);
      return deleted;
    });
  }
}
