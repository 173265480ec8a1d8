// Adapters for @vx/compliance: Postgres repositories, the wired services and the clean-up job.
export {
  createMonthPartitions,
  listPartitions,
  MONTHLY_PARTITIONED_TABLES,
  type MonthlyPartitionedTable,
  PARTITION_MONTHS_AHEAD,
  type PartitionInfo,
  prepareWebhookLogsPartitioning,
} from "./partitions.js";
export { PgAuditRepository } from "./pg-audit-repository.js";
export { PgConsentRepository } from "./pg-consent-repository.js";
export { PgRetentionRepository } from "./pg-retention-repository.js";
export { PgUserDataRepository } from "./pg-user-data-repository.js";
export {
  type CleanupOptions,
  type ComplianceClock,
  createAuditService,
  createConsentService,
  createGdprService,
  eraseUserData,
  exportUserData,
  runCleanup,
} from "./services.js";
