// Adapters for @vx/api-keys.
export { PgApiKeyRepository } from "./pg-api-key-repository.js";
export { PgRateLimitRepository } from "./pg-ratelimit-repository.js";
