// @vx/api-keys/testing: the repository contract suite and the in-memory repository, for adapter authors and tests.
export { type ApiKeyRepositoryFactory, type ApiKeyRepositoryFixture, describeApiKeyRepository } from "./contract.js";
export { MemoryApiKeyRepository, type MemoryApiKeyRepositoryOptions } from "./memory-repository.js";
