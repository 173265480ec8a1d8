// @vx/api-keys: vx_ API keys with checksums, verification with reasons, exact quotas and hourly rate limits,
// scopes, rotation and usage statistics, over any storage that implements ApiKeyRepository.
export { ApiKeyError, type ApiKeyErrorCode, type FieldIssue, isApiKeyError } from "./errors.js";
export { HOUR_MS, hourStart } from "./hours.js";
export {
  API_KEY_PATTERN,
  checksum,
  findApiKeys,
  generateKey,
  hashKey,
  isWellFormedKey,
  KEY_PREFIX,
  KEY_PREFIX_LENGTH,
  keyPrefix,
  type RandomBytes,
} from "./key-format.js";
export { isKeyPosition } from "./key-position.js";
export {
  type Credits,
  type CreditsRefill,
  creditsNow,
  type GcraDecision,
  type GcraState,
  gcra,
  gcraReport,
  lastRefill,
  nextRefill,
  type RateLimitConfig,
  type RateLimitInput,
  type RateLimitResult,
  REFILL_INTERVALS,
  type RefillInterval,
} from "./limits.js";
export type {
  OverrideListOptions,
  RateLimitOutcome,
  RateLimitOverride,
  RateLimitRepository,
  RateLimitRequest,
} from "./ratelimit-repository.js";
export { type LimitOptions, type LimitResult, RateLimiter, type RateLimiterOptions } from "./ratelimiter.js";
export type {
  ApiKeyChanges,
  ApiKeyRepository,
  CreditsChange,
  CreditsRefillChange,
  IdentityChanges,
  IdentityListOptions,
  KeyListOptions,
  KeyPosition,
  KeyReplacement,
  NewApiKeyRecord,
  NewIdentityRecord,
  PositionedKey,
  RotationResult,
  UsageBucket,
  UsageRange,
  VerificationOutcome,
  VerificationRequest,
} from "./repository.js";
export { GRANTED_SCOPE_PATTERN, MAX_SCOPES, REQUIRED_SCOPE_PATTERN, scopeAllows, scopesAllow } from "./scopes.js";
export { ApiKeyService, type ApiKeyServiceOptions, toPublic } from "./service.js";
export {
  type ApiKey,
  type ApiKeyRecord,
  type ApiKeyStats,
  type CreateApiKeyInput,
  type CreatedApiKey,
  type CreateIdentityInput,
  type Identity,
  type IdentityStats,
  type JsonObject,
  type OutcomeCounts,
  type RateLimitState,
  type RefillOnly,
  type RotatedApiKey,
  type RotateOptions,
  type StatsRange,
  type UpdateApiKeyInput,
  type UpdateIdentityInput,
  type UsagePoint,
  VERIFY_CODES,
  type VerifiedIdentity,
  type VerifyCode,
  type VerifyOptions,
  type VerifyResult,
} from "./types.js";
export { sumUsageBuckets } from "./usage-sum.js";
export {
  MAX_DURATION_MS,
  MAX_EXPIRES_IN_DAYS,
  MAX_GRACE_PERIOD_HOURS,
  MAX_LIMIT,
  MAX_META_BYTES,
  MAX_NAME_LENGTH,
  MAX_RATELIMITS,
  MAX_STATS_HOURS,
  MIN_DURATION_MS,
  RATELIMIT_NAME_PATTERN,
  validateLimitCall,
} from "./validation.js";
export { decideVerification } from "./verification.js";
export { type BatchingOptions, VerifyBatcher } from "./verify-batcher.js";
