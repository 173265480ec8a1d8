import { randomUUID } from "node:crypto";
import { MemoryRateLimitRepository } from "./memory-ratelimit-repository.js";
import { describeRateLimitRepository } from "./ratelimit-contract.js";

describeRateLimitRepository("memory", () => ({
  repository: new MemoryRateLimitRepository(),
  createUser: async () => randomUUID(),
}));
