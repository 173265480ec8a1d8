// The in-memory repository passes the same contract as the Postgres adapter.
import { randomUUID } from "node:crypto";
import { MemoryEventTypeRepository } from "../event-catalog.js";
import { describeWebhookRepository } from "./contract.js";
import { describeEventTypeRepository } from "./event-type-contract.js";
import { MemoryWebhookRepository } from "./memory-repository.js";
import { describeWebhookSecretStore } from "./secret-store-contract.js";

describeWebhookRepository("MemoryWebhookRepository", () => {
  const repository = new MemoryWebhookRepository();
  return {
    repository,
    createUser: async () => randomUUID(),
    createAgent: async (userId) => repository.addAgent(userId),
  };
});

describeWebhookSecretStore("MemoryWebhookRepository", () => {
  const repository = new MemoryWebhookRepository();
  return {
    repository,
    store: repository,
    createUser: async () => randomUUID(),
    readStoredSecrets: async () => (await repository.listStoredSecrets(null, 1000)).map((s) => s.stored),
  };
});

describeEventTypeRepository("MemoryEventTypeRepository", () => new MemoryEventTypeRepository());
