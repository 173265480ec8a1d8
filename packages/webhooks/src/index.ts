// @vx/webhooks: durable, Standard-Webhooks-signed webhook delivery. Everything not exported here is internal.

export type { Delivery, DeliveryOptions, DeliveryResult } from "./delivery.js";
export { deliver, USER_AGENT } from "./delivery.js";
export { EncryptedWebhookRepository } from "./encrypted-repository.js";
export type { WebhookErrorCode } from "./errors.js";
export { isWebhookError, WebhookError } from "./errors.js";
export type { EventCatalogOptions, EventTypeRepository } from "./event-catalog.js";
export {
  checkEventTypeDefinition,
  DEFAULT_CATALOG_REFRESH_MS,
  DEFAULT_EVENT_TYPES,
  defineEventTypes,
  EventCatalog,
  MemoryEventTypeRepository,
} from "./event-catalog.js";
export type { PayloadProblem, PayloadValidator } from "./event-schema.js";
export { compilePayloadSchema, MAX_SCHEMA_BYTES } from "./event-schema.js";
export type { EventType, EventTypeDefinition, EventTypeUpdates, JsonSchema } from "./events.js";
export {
  EVENT_TYPES,
  isEventPattern,
  isWebhookEvent,
  OPERATIONAL_EVENT_TYPES,
  OPERATIONAL_EVENTS,
  OperationalEvent,
  subscribes,
  subscriptionsFor,
  TEST_EVENT,
  WEBHOOK_EVENTS,
  WebhookEvent,
} from "./events.js";
export type { HttpRequest, HttpResponse, HttpSend, HttpSender, HttpSenderOptions } from "./http-sender.js";
export { createHttpSender, MAX_RESPONSE_BYTES, resolveHost } from "./http-sender.js";
export type * from "./model.js";
export { isPrivateAddress } from "./private-address.js";
export type { WebhookRepository } from "./repository.js";
export type { Decision, RetryPolicy } from "./retry-policy.js";
export {
  DEFAULT_JITTER,
  DEFAULT_RETRY_SCHEDULE_MS,
  decideNext,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  retryDelayMs,
} from "./retry-policy.js";
export { decodeSecret, generateSecret, SECRET_PREFIX } from "./secret.js";
export type { SecretCipher, SecretKey } from "./secret-cipher.js";
export { createKeyringCipher, parseKeyring, storedKeyId } from "./secret-cipher.js";
export type { ReencryptResult, StoredSecret, WebhookSecretStore } from "./secret-store.js";
export { checkSecretKeys, reencryptSecrets } from "./secret-store.js";
export type {
  CreateWebhookInput,
  MessagePage,
  MessageWithAttempts,
  RotatedSecret,
  TestResult,
  TriggerContext,
  WebhookServiceOptions,
} from "./service.js";
export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_SECRET_OVERLAP_MS,
  DEFAULT_TIMEOUT_MS,
  envelope,
  MAX_MESSAGE_PAGE,
  MESSAGE_STATUSES,
  WebhookService,
} from "./service.js";
export type { SignedHeaders } from "./signature.js";
export { signHeaders, signPayload } from "./signature.js";
export type { Clock, Random, RandomBytes } from "./system.js";
export type { UrlPolicy } from "./url-policy.js";
export { checkWebhookUrl } from "./url-policy.js";
export type { HeaderSource, VerifyOptions } from "./verify.js";
export { verifyWebhook } from "./verify.js";
export {
  checkChannels,
  checkHeaders,
  checkRateLimit,
  MAX_CHANNELS,
  MAX_HEADER_BYTES,
  MAX_HEADERS,
  MAX_RATE_LIMIT_PER_SECOND,
} from "./webhook-options.js";
export type { AttemptReport, DeliveryWorkerOptions } from "./worker.js";
export { DEFAULT_BATCH_SIZE, DEFAULT_DISABLE_AFTER_MS, DeliveryWorker } from "./worker.js";
