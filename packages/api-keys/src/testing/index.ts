// @vx/api-keys/testing: the repository contract suites and the in-memory repositories, for adapter authors and tests.
export { type ApiKeyRepositoryFactory, type ApiKeyRepositoryFixture, describeApiKeyRepository } from "./contract.js";
export { MemoryRateLimitRepository } from "./memory-ratelimit-repository.js";
export { MemoryApiKeyRepository, type MemoryApiKeyRepositoryOptions } from "./memory-repository.js";
export { describeRateLimitRepository, type RateLimitRepositoryFixture } from "./ratelimit-contract.js";
