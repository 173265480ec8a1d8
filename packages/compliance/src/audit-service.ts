// AuditService: a user's audit trail page by page, and the specification's `cleanupOldLogs(days)`.
import type { AuditEntry, AuditPosition } from "./audit-entry.js";
import { type BatchOptions, deleteInBatches } from "./batches.js";
import { ComplianceError } from "./errors.js";
import type { AuditRepository } from "./repositories.js";
import { assertBatchOptions, assertDays, cutoffFor, DEFAULT_AUDIT_LOG_DAYS } from "./retention-policy.js";
import { isExactTimestamp } from "./timestamps.js";
import { assertUserId, isUuid } from "./user-id.js";

export interface AuditServiceOptions {
  repository: AuditRepository;
  now: () => Date;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `after` for the next page; null on the last page. */
  next: AuditPosition | null;
}

export const DEFAULT_AUDIT_PAGE_SIZE = 50;
export const MAX_AUDIT_PAGE_SIZE = 100;

export class AuditService {
  private readonly repository: AuditRepository;
  private readonly now: () => Date;

  constructor(options: AuditServiceOptions) {
    this.repository = options.repository;
    this.now = options.now;
  }

  /** The user's entries, newest first. */
  async listLogs(userId: string, options: { limit?: number; after?: AuditPosition } = {}): Promise<AuditPage> {
    assertUserId(userId);
    const limit = options.limit ?? DEFAULT_AUDIT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE_SIZE) {
      throw new ComplianceError("INVALID_PAGE", `limit must be an integer from 1 to ${MAX_AUDIT_PAGE_SIZE}`);
    }
    const after = options.after;
    if (after && !(isExactTimestamp(after.createdAt) && isUuid(after.id))) {
      throw new ComplianceError("INVALID_PAGE", "after must be the position of an entry this service listed");
    }
    // One row more than asked says whether another page exists.
    const rows = await this.repository.listByUser(userId, { limit: limit + 1, after });
    const entries = rows.slice(0, limit);
    const last = entries[entries.length - 1];
    const next = rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null;
    return { entries, next };
  }

  /** Deletes entries older than `days` days (default 365), in bounded batches; returns how many. */
  async cleanupOldLogs(days: number = DEFAULT_AUDIT_LOG_DAYS, options: BatchOptions = {}): Promise<number> {
    assertDays(days, "audit log retention");
    assertBatchOptions(options);
    const cutoff = cutoffFor(this.now(), days);
    const result = await deleteInBatches((limit) => this.repository.deleteBatchOlderThan(cutoff, limit), options);
    return result.deleted;
  }
}
