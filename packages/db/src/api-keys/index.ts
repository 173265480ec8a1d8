// Adapters for @vx/api-keys.
export { PgApiKeyRepository } from "./pg-api-key-repository.js";
