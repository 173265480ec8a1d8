import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AuditService } from "./audit-service.js";
import type { AuditRepository } from "./repositories.js";
import { MemoryAuditRepository, MemoryComplianceStore } from "./testing/memory-store.js";
import { exactTimestamp } from "./timestamps.js";

const NOW = new Date("2031-06-15T12:00:00.000Z");
const DAY = 24 * 60 * 60 * 1000;

function setup() {
  const store = new MemoryComplianceStore();
  const repository = new MemoryAuditRepository(store);
  const service = new AuditService({ repository, now: () => NOW });
  const add = (userId: string, createdAt: Date) =>
    store.addAuditEntry({
      userId,
      actorId: userId,
      action: "api_key.created",
      resourceType: "api_key",
      resourceId: randomUUID(),
      metadata: {},
      createdAt: exactTimestamp(createdAt),
    });
  return { store, repository, service, add };
}

describe("AuditService.listLogs", () => {
  it("gives a next position only while another page exists", async () => {
    const { service, add } = setup();
    const user = randomUUID();
    for (let i = 0; i < 3; i++) add(user, new Date(NOW.getTime() - i * 1000));

    const first = await service.listLogs(user, { limit: 2 });
    expect(first.entries).toHaveLength(2);
    expect(first.next).toEqual({ createdAt: first.entries[1]!.createdAt, id: first.entries[1]!.id });
    const second = await service.listLogs(user, { limit: 2, after: first.next! });
    expect(second.entries).toHaveLength(1);
    expect(second.next).toBeNull();
  });

  it("refuses a page size outside 1-100, a forged position and a user id that is not a UUID", async () => {
    const { service } = setup();
    const user = randomUUID();
    await expect(service.listLogs(user, { limit: 0 })).rejects.toMatchObject({ code: "INVALID_PAGE" });
    await expect(service.listLogs(user, { limit: 101 })).rejects.toMatchObject({ code: "INVALID_PAGE" });
    await expect(service.listLogs(user, { after: { createdAt: "yesterday", id: randomUUID() } })).rejects.toMatchObject(
      { code: "INVALID_PAGE" },
    );
    await expect(service.listLogs("1 OR 1=1")).rejects.toMatchObject({ code: "INVALID_USER_ID" });
  });
});

describe("AuditService.cleanupOldLogs", () => {
  it("deletes entries older than the given days, keeps the rest and returns how many went", async () => {
    const { store, service, add } = setup();
    const user = randomUUID();
    add(user, new Date(NOW.getTime() - 366 * DAY));
    add(user, new Date(NOW.getTime() - 400 * DAY));
    const kept = add(user, new Date(NOW.getTime() - 364 * DAY));

    expect(await service.cleanupOldLogs(365)).toBe(2);
    expect(store.audit.map((e) => e.id)).toEqual([kept.id]);
  });

  it("keeps one year by default, as the specification shows", async () => {
    const { service, add } = setup();
    add(randomUUID(), new Date(NOW.getTime() - 365 * DAY - 1));
    add(randomUUID(), new Date(NOW.getTime() - 365 * DAY + 1));
    expect(await service.cleanupOldLogs()).toBe(1);
  });

  it("deletes in batches of the given size", async () => {
    const { repository, add } = setup();
    const limits: number[] = [];
    const counting: AuditRepository = {
      listByUser: (u, o) => repository.listByUser(u, o),
      deleteBatchOlderThan: (cutoff, limit) => {
        limits.push(limit);
        return repository.deleteBatchOlderThan(cutoff, limit);
      },
    };
    for (let i = 0; i < 5; i++) add(randomUUID(), new Date(0));
    const service = new AuditService({ repository: counting, now: () => NOW });
    expect(await service.cleanupOldLogs(30, { batchSize: 2 })).toBe(5);
    expect(limits).toEqual([2, 2, 2]);
  });

  it("refuses zero, negative or fractional days", async () => {
    const { service } = setup();
    for (const days of [0, -1, 1.5, Number.NaN]) {
      await expect(service.cleanupOldLogs(days)).rejects.toMatchObject({ code: "INVALID_RETENTION" });
    }
  });
});
