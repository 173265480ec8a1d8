// @vx/compliance: audit log, retention clean-up, GDPR export and erasure, consent records. Storage is a port;
// the Postgres adapters are in @vx/db, in-memory ones and the contract suites in @vx/compliance/testing.
export { AUDIT_ACTIONS, type AuditAction, type AuditEntry, type AuditPosition } from "./audit-entry.js";
export {
  type AuditPage,
  AuditService,
  type AuditServiceOptions,
  DEFAULT_AUDIT_PAGE_SIZE,
  MAX_AUDIT_PAGE_SIZE,
} from "./audit-service.js";
export { type BatchOptions, type BatchResult, DEFAULT_BATCH_SIZE, deleteInBatches } from "./batches.js";
export {
  assertConsentChanges,
  CONSENT_PURPOSE_PATTERN,
  type Consent,
  type ConsentChange,
  MAX_CONSENT_CHANGES,
} from "./consent.js";
export { ConsentService, type ConsentServiceOptions } from "./consent-service.js";
export { ComplianceError, type ComplianceErrorCode, isComplianceError } from "./errors.js";
export { GdprService, type GdprServiceOptions } from "./gdpr-service.js";
export type { AuditRepository, ConsentRepository, RetentionRepository, UserDataRepository } from "./repositories.js";
export {
  cutoffFor,
  DEFAULT_AUDIT_LOG_DAYS,
  DEFAULT_RETENTION,
  RETENTION_TARGETS,
  type RetentionPolicy,
  type RetentionTarget,
  retentionPolicy,
} from "./retention-policy.js";
export {
  type CleanupReport,
  RetentionService,
  type RetentionServiceOptions,
  type TargetCleanup,
} from "./retention-service.js";
export { subjectSha256 } from "./subject-hash.js";
export { exactTimestamp, isExactTimestamp } from "./timestamps.js";
export {
  type ErasureReport,
  type ExportedTables,
  SENSITIVE_COLUMN,
  USER_DATA_EXPORT_FORMAT,
  type UserDataExport,
} from "./user-data.js";
