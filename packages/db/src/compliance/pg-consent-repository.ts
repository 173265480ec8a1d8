// PgConsentRepository: consent records on Postgres or PGlite; on a `db.asUser` transaction RLS confines it to that user.
import type { Consent, ConsentChange, ConsentRepository } from "@vx/compliance";
import type { Queryable } from "../queryable.js";
import * as sql from "./queries.js";

interface ConsentRow {
  purpose: string;
  granted: boolean;
  granted_at: Date | null;
  withdrawn_at: Date | null;
  updated_at: Date;
}

export class PgConsentRepository implements ConsentRepository {
  constructor(private readonly db: Queryable) {}

  async list(userId: string): Promise<Consent[]> {
    const { rows } = await this.db.query<ConsentRow>(sql.selectConsents, [userId]);
    return rows.map((r) => ({
      purpose: r.purpose,
      granted: r.granted,
      grantedAt: r.granted_at,
      withdrawnAt: r.withdrawn_at,
      updatedAt: r.updated_at,
    }));
  }

  async apply(userId: string, changes: readonly ConsentChange[], at: Date): Promise<void> {
    await this.db.query(sql.applyConsents, [userId, changes.map((c) => c.purpose), changes.map((c) => c.granted), at]);
  }
}
