// Runs the repository contract on the in-memory repository (the Postgres and PGlite runs live in packages/db/test).
import { randomUUID } from "node:crypto";
import { describeApiKeyRepository } from "./contract.js";
import { MemoryApiKeyRepository } from "./memory-repository.js";

describeApiKeyRepository("memory", () => ({
  repository: new MemoryApiKeyRepository(),
  createUser: async () => randomUUID(),
}));
