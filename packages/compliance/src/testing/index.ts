// @vx/compliance/testing: the repository contract suites and in-memory repositories, for adapter authors and tests.
export {
  type AuditEntrySeed,
  type AuditRepositoryFactory,
  type AuditRepositoryFixture,
  describeAuditRepository,
} from "./audit-contract.js";
export {
  type ConsentRepositoryFactory,
  type ConsentRepositoryFixture,
  describeConsentRepository,
} from "./consent-contract.js";
export {
  MemoryAuditRepository,
  MemoryComplianceStore,
  MemoryConsentRepository,
  MemoryRetentionRepository,
  MemoryUserDataRepository,
  type Row,
} from "./memory-store.js";
export {
  describeRetentionRepository,
  type RetentionRepositoryFactory,
  type RetentionRepositoryFixture,
} from "./retention-contract.js";
export {
  describeUserDataRepository,
  type ErasureEntry,
  type SeededUser,
  type UserDataRepositoryFactory,
  type UserDataRepositoryFixture,
} from "./user-data-contract.js";
