// @vx/ivr/testing: the repository contract suite and in-memory repositories, for adapters' and users' tests.
export type { MemoryRepositoryOptions } from "./memory-repositories.js";
export {
  createMemoryIvrRepositories,
  MemoryIvrMenuRepository,
  MemoryIvrSessionRepository,
} from "./memory-repositories.js";
export type { IvrRepositoryFixture } from "./repository-contract.js";
export { describeIvrRepositories } from "./repository-contract.js";
