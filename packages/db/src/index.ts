// Repository adapters, one folder per domain package.
export * from "./api-keys/index.js";
export type { ArchivedFile, ArchiveTarget, RestoreReport } from "./archive.js";
export { ARCHIVE_TARGETS, archiveExpired, archiveFileName, restoreArchive } from "./archive.js";
export type { RestoreOptions } from "./backup.js";
export { backupEmbedded, restoreEmbedded } from "./backup.js";
export * from "./compliance/index.js";
export { makeDataDir } from "./data-dir.js";
export type {
  DatabaseKind,
  DatabaseOptions,
  HealthStatus,
  QueryObserver,
  QueryTarget,
  ReplicaHealthStatus,
} from "./database.js";
export { Database, DEFAULT_READ_MAX_WAIT_MS, operationName } from "./database.js";
export type { EmbeddedOptions, EmbeddedPostgres } from "./embedded.js";
export { startEmbeddedPostgres } from "./embedded.js";
export type { DbErrorCode } from "./errors.js";
export { DbError } from "./errors.js";
export * from "./ivr/index.js";
export type { MigrateOptions, MigrationInfo } from "./migrate.js";
export { listMigrationFiles, MIGRATIONS_TABLE, migrate, migrationsDir } from "./migrate.js";
export type { MigrationStatus } from "./migration-status.js";
export { migrationStatus, migrationStatusLines, revertNeedsConfirmation } from "./migration-status.js";
export type { OpenDatabaseOptions } from "./open-database.js";
export { DEFAULT_DATA_DIR, openDatabase } from "./open-database.js";
export { isTransactionPoolerUrl, refuseTransactionPooler } from "./pooler.js";
export type { JwtClaims, PreparingQueryable, Queryable, QueryResult } from "./queryable.js";
export { queryPrepared } from "./queryable.js";
export type { ReplicaLag, ReplicaReadOutcome } from "./replica-reads.js";
// The generated Supabase schema types (also exported as `Database` from @vx/db/supabase, where no class is named so).
export type {
  Database as SupabaseDatabase,
  Json,
  Tables,
  TablesInsert,
  TablesUpdate,
} from "./supabase/database.types.js";
export type { WaitForDatabaseOptions } from "./wait-for-database.js";
export { isDatabaseUnavailable, waitForDatabase } from "./wait-for-database.js";
export * from "./webhooks/index.js";
