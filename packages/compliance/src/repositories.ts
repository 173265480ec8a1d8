// The ports: what the compliance services need from storage. Adapters live in @vx/db (Pg*) and in ./testing (Memory*).
import type { AuditEntry, AuditPosition } from "./audit-entry.js";
import type { Consent, ConsentChange } from "./consent.js";
import type { RetentionTarget } from "./retention-policy.js";
import type { ExportedTables } from "./user-data.js";

export interface AuditRepository {
  /** The user's entries newest first (createdAt, then id, descending), strictly after `after`; at most `limit`. */
  listByUser(userId: string, options: { limit: number; after?: AuditPosition }): Promise<AuditEntry[]>;
  /** Deletes at most `limit` entries created before `cutoff` (one short statement); returns how many. */
  deleteBatchOlderThan(cutoff: Date, limit: number): Promise<number>;
}

export interface RetentionRepository {
  /**
   * Deletes at most `limit` expired rows of one target (one short statement); returns how many.
   * Expired: audit and webhook logs created before `cutoff`, IVR sessions that ended before it.
   */
  deleteExpiredBatch(target: RetentionTarget, cutoff: Date, limit: number): Promise<number>;
}

export interface UserDataRepository {
  /** Every row stored about the user, by table, with secrets and hashes left out; read as the user (RLS). */
  collect(userId: string): Promise<ExportedTables>;
  /** Records that the user's data was exported (an audit entry of the user's). */
  recordExport(userId: string, at: Date): Promise<void>;
  /**
   * Deletes every row stored about the user, in one transaction with an audit entry that names nobody
   * (`user_data.erased`, user null, metadata `{ subject_sha256, deleted }`). Returns rows deleted per table.
   */
  erase(userId: string, record: { subjectSha256: string; at: Date }): Promise<Record<string, number>>;
}

export interface ConsentRepository {
  /** The user's consent records, by purpose. */
  list(userId: string): Promise<Consent[]>;
  /**
   * Applies the changes atomically at `at`: a grant sets grantedAt and clears withdrawnAt; a withdrawal sets
   * withdrawnAt and keeps grantedAt; a change to the state a purpose already has changes nothing.
   */
  apply(userId: string, changes: readonly ConsentChange[], at: Date): Promise<void>;
}
