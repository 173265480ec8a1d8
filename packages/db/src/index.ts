export { Database } from "./database.js";
export type { DatabaseKind, DatabaseOptions, HealthStatus } from "./database.js";
export { startEmbeddedPostgres } from "./embedded.js";
export type { EmbeddedOptions, EmbeddedPostgres } from "./embedded.js";
export { listMigrationFiles, migrate, migrationsDir, MIGRATIONS_TABLE } from "./migrate.js";
export type { MigrateOptions, MigrationInfo } from "./migrate.js";
export { migrationStatus } from "./migration-status.js";
export type { MigrationStatus } from "./migration-status.js";
export { DEFAULT_DATA_DIR, openDatabase } from "./open-database.js";
export type { OpenDatabaseOptions } from "./open-database.js";
export type { JwtClaims, Queryable, QueryResult } from "./queryable.js";
// Repository adapters, one folder per domain package.
export * from "./api-keys/index.js";
export * from "./webhooks/index.js";
export * from "./ivr/index.js";
