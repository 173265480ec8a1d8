// Test helpers of @vx/webhooks: the repository contract suite, an in-memory repository and a local receiver.

export { MemoryEventTypeRepository } from "../event-catalog.js";
export { deliveredAttempt } from "./attempts.js";
export type { WebhookRepositoryFixture } from "./contract.js";
export { describeWebhookRepository } from "./contract.js";
export { describeEventTypeRepository } from "./event-type-contract.js";
export type { ManualClock } from "./manual-clock.js";
export { manualClock } from "./manual-clock.js";
export { MemoryWebhookRepository } from "./memory-repository.js";
export type { ReceivedRequest, Receiver, ReceiverOptions } from "./receiver.js";
export { startReceiver } from "./receiver.js";
export type { WebhookSecretStoreFixture } from "./secret-store-contract.js";
export { describeWebhookSecretStore } from "./secret-store-contract.js";
