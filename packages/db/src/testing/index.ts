export type { DatabaseContext } from "./describe-databases.js";
export { describeDatabases } from "./describe-databases.js";
export type { ReplicaStandIn } from "./replica.js";
export { createReplicaStandIn } from "./replica.js";
export type { TestStandby } from "./standby.js";
export { connectTestStandby, describeStandby, testStandbyUrl } from "./standby.js";
export type { TestDatabase, TestTarget } from "./test-database.js";
export {
  createPgliteTestDatabase,
  createPostgresTestDatabase,
  createTestDatabase,
  runOnServer,
  TEST_CONNECT_TIMEOUT_MS,
  testPostgresUrl,
  withDatabase,
} from "./test-database.js";
export { createUser } from "./users.js";
