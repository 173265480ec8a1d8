// The in-memory repositories pass the same contract suites as the Postgres adapters.
import { randomUUID } from "node:crypto";
import { exactTimestamp } from "../timestamps.js";
import { describeAuditRepository } from "./audit-contract.js";
import { describeConsentRepository } from "./consent-contract.js";
import {
  MemoryAuditRepository,
  MemoryComplianceStore,
  MemoryConsentRepository,
  MemoryRetentionRepository,
  MemoryUserDataRepository,
} from "./memory-store.js";
import { describeRetentionRepository } from "./retention-contract.js";
import { describeUserDataRepository } from "./user-data-contract.js";

describeAuditRepository("memory", () => {
  const store = new MemoryComplianceStore();
  return {
    repository: new MemoryAuditRepository(store),
    createUser: async () => randomUUID(),
    addEntry: async (e) =>
      store.addAuditEntry({
        userId: e.userId,
        actorId: null,
        action: e.action,
        resourceType: e.resourceType,
        resourceId: null,
        metadata: {},
        createdAt: exactTimestamp(e.createdAt),
      }).id,
  };
});

describeRetentionRepository("memory", () => {
  const store = new MemoryComplianceStore();
  return {
    repository: new MemoryRetentionRepository(store),
    add: async (target, at) => {
      if (target === "audit_logs") {
        return store.addAuditEntry({
          userId: null,
          actorId: null,
          action: "user_data.erased",
          resourceType: "user",
          resourceId: null,
          metadata: {},
          createdAt: exactTimestamp(at ?? new Date(0)),
        }).id;
      }
      const row = target === "ivr_sessions" ? { start_time: new Date(0), ended_at: at } : { created_at: at };
      return store.insert(target, row).id as string;
    },
    exists: async (target, id) =>
      target === "audit_logs" ? store.audit.some((e) => e.id === id) : store.rows(target).some((r) => r.id === id),
  };
});

describeConsentRepository("memory", () => {
  const store = new MemoryComplianceStore();
  return { repository: new MemoryConsentRepository(store), createUser: async () => randomUUID() };
});

describeUserDataRepository("memory", () => {
  const store = new MemoryComplianceStore();
  const consents = new MemoryConsentRepository(store);
  return {
    repository: new MemoryUserDataRepository(store),
    async seedUser() {
      const userId = randomUUID();
      const keyHash = randomUUID().replaceAll("-", "");
      const secret = `whsec_${randomUUID()}`;
      const key = store.insert("api_keys", { user_id: userId, name: "k", key_hash: keyHash });
      const webhook = store.insert("webhooks", { user_id: userId, url: "https://example.com/h", secret });
      const log = store.insert("webhook_logs", { webhook_id: webhook.id, event: "call.started" });
      const menu = store.insert("ivr_menus", { user_id: userId, name: "Main" });
      await consents.apply(userId, [{ purpose: "marketing_email", granted: true }], new Date("2030-01-01T00:00:00Z"));
      return {
        userId,
        ids: [key.id, webhook.id, log.id, menu.id] as string[],
        secrets: [keyHash, secret],
        tables: ["api_keys", "webhooks", "webhook_logs", "ivr_menus", "consents", "audit_logs"],
      };
    },
    async countRows(userId) {
      const counts: Record<string, number> = {};
      for (const table of store.tables.keys()) counts[table] = store.ownedBy(table, userId).length;
      counts.consents = store.consents.get(userId)?.length ?? 0;
      counts.audit_logs = store.audit.filter((e) => e.userId === userId).length;
      return counts;
    },
    auditActions: async (userId) => store.audit.filter((e) => e.userId === userId).map((e) => e.action),
    erasures: async () => store.audit.filter((e) => e.action === "user_data.erased"),
  };
});
