// The in-memory repositories keep the same contract as the database adapters.
import { randomUUID } from "node:crypto";
import { createMemoryIvrRepositories } from "./memory-repositories.js";
import { describeIvrRepositories } from "./repository-contract.js";

describeIvrRepositories("memory", () => ({ ...createMemoryIvrRepositories(), createUser: async () => randomUUID() }));
