// The compliance services wired to this database, and the one-call jobs the CLI and the worker run.

import {
  AuditService,
  type BatchOptions,
  type CleanupReport,
  ConsentService,
  type ErasureReport,
  GdprService,
  type RetentionPolicy,
  RetentionService,
  type UserDataExport,
} from "@vx/compliance";
import type { Database } from "../database.js";
import type { Queryable } from "../queryable.js";
import { createMonthPartitions } from "./partitions.js";
import { PgAuditRepository } from "./pg-audit-repository.js";
import { PgConsentRepository } from "./pg-consent-repository.js";
import { PgRetentionRepository } from "./pg-retention-repository.js";
import { PgUserDataRepository } from "./pg-user-data-repository.js";

export interface ComplianceClock {
  /** Default: the system clock. */
  now?: () => Date;
}

const systemClock = () => new Date();

/**
 * `auditService.cleanupOldLogs(365)` as the specification shows. Listing through it on the Database is
 * system work; to list as a user (RLS), build `new AuditService({ repository: new PgAuditRepository(tx), now })`
 * inside `db.asUser`.
 */
export function createAuditService(db: Queryable, options: ComplianceClock = {}): AuditService {
  return new AuditService({ repository: new PgAuditRepository(db), now: options.now ?? systemClock });
}

/** Consents through `db` (pass a `db.asUser` transaction to go through RLS). */
export function createConsentService(db: Queryable, options: ComplianceClock = {}): ConsentService {
  return new ConsentService({ repository: new PgConsentRepository(db), now: options.now ?? systemClock });
}

export function createGdprService(db: Database, options: ComplianceClock = {}): GdprService {
  return new GdprService({ repository: new PgUserDataRepository(db), now: options.now ?? systemClock });
}

/** Everything stored about the user as one JSON document, read as the user; the export is audited. */
export function exportUserData(db: Database, userId: string, options: ComplianceClock = {}): Promise<UserDataExport> {
  return createGdprService(db, options).exportUserData(userId);
}

/** Deletes everything stored about the user in one transaction (not the auth.users row); the erasure is audited. */
export function eraseUserData(db: Database, userId: string, options: ComplianceClock = {}): Promise<ErasureReport> {
  return createGdprService(db, options).eraseUserData(userId);
}

export interface CleanupOptions extends ComplianceClock, BatchOptions {
  /** Days to keep each target; `null` keeps it forever. Default DEFAULT_RETENTION (365 / 90 / 30). */
  policy?: Partial<RetentionPolicy>;
}

/**
 * One retention pass (`vx cleanup`, the worker's schedule): creates the coming months' partitions of webhook_logs,
 * then deletes expired audit logs, webhook logs (whole expired months) and ended IVR sessions in bounded batches,
 * each its own short statement on the pool. API-key usage is kept.
 */
export async function runCleanup(db: Database, options: CleanupOptions = {}): Promise<CleanupReport> {
  await createMonthPartitions(db, "webhook_logs", (options.now ?? systemClock)());
  return new RetentionService({
    repository: new PgRetentionRepository(db),
    now: options.now ?? systemClock,
    policy: options.policy,
    batchSize: options.batchSize,
    maxBatches: options.maxBatches,
  }).cleanup();
}
