import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deleteInBatches } from "./batches.js";
import type { RetentionRepository } from "./repositories.js";
import { DEFAULT_RETENTION, type RetentionTarget } from "./retention-policy.js";
import { RetentionService } from "./retention-service.js";
import { MemoryComplianceStore, MemoryRetentionRepository } from "./testing/memory-store.js";

const NOW = new Date("2031-06-15T12:00:00.000Z");
const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

/** A repository that only records what it was asked, deleting `pending` rows per target. */
function recordingRepository(pending: Partial<Record<RetentionTarget, number>> = {}) {
  const calls: { target: RetentionTarget; cutoff: Date; limit: number }[] = [];
  const left = { ...pending };
  const repository: RetentionRepository = {
    async deleteExpiredBatch(target, cutoff, limit) {
      calls.push({ target, cutoff, limit });
      const n = Math.min(limit, left[target] ?? 0);
      left[target] = (left[target] ?? 0) - n;
      return n;
    },
  };
  return { repository, calls };
}

describe("RetentionService", () => {
  it("keeps audit logs a year, webhook logs 90 days and ended IVR sessions 30 days by default", async () => {
    expect(DEFAULT_RETENTION).toEqual({ audit_logs: 365, webhook_logs: 90, ivr_sessions: 30 });
    const { repository } = recordingRepository();
    const report = await new RetentionService({ repository, now: () => NOW }).cleanup();
    expect(report.targets.map((t) => [t.target, t.cutoff])).toEqual([
      ["audit_logs", daysAgo(365)],
      ["webhook_logs", daysAgo(90)],
      ["ivr_sessions", daysAgo(30)],
    ]);
  });

  it("deletes expired rows and keeps the rest", async () => {
    const store = new MemoryComplianceStore();
    store.insert("webhook_logs", { created_at: daysAgo(91) });
    const recent = store.insert("webhook_logs", { created_at: daysAgo(89) });
    store.insert("ivr_sessions", { start_time: daysAgo(40), ended_at: daysAgo(31) });
    const active = store.insert("ivr_sessions", { start_time: daysAgo(400), ended_at: null });
    const repository = new MemoryRetentionRepository(store);

    const report = await new RetentionService({ repository, now: () => NOW }).cleanup();

    expect(report.deleted).toBe(2);
    expect(report.complete).toBe(true);
    expect(store.rows("webhook_logs")).toEqual([recent]);
    expect(store.rows("ivr_sessions")).toEqual([active]);
  });

  it("takes configured days, and keeps a target forever when its days are null", async () => {
    const { repository, calls } = recordingRepository();
    await new RetentionService({
      repository,
      now: () => NOW,
      policy: { webhook_logs: 7, audit_logs: null },
    }).cleanup();
    expect(calls.map((c) => [c.target, c.cutoff])).toEqual([
      ["webhook_logs", daysAgo(7)],
      ["ivr_sessions", daysAgo(30)],
    ]);
  });

  it("stops after maxBatches and reports the work as incomplete, for the next run to finish", async () => {
    const { repository, calls } = recordingRepository({ webhook_logs: 10 });
    const report = await new RetentionService({ repository, now: () => NOW, batchSize: 3, maxBatches: 2 }).cleanup();
    const webhookLogs = report.targets.find((t) => t.target === "webhook_logs")!;
    expect(webhookLogs).toMatchObject({ deleted: 6, batches: 2, complete: false });
    expect(report.complete).toBe(false);
    expect(calls.every((c) => c.limit === 3)).toBe(true);
  });

  it("refuses bad days, bad batch sizes and unknown targets when built", () => {
    const repository = recordingRepository().repository;
    const build = (options: object) => () => new RetentionService({ repository, now: () => NOW, ...options });
    expect(build({ policy: { audit_logs: 0 } })).toThrow(expect.objectContaining({ code: "INVALID_RETENTION" }));
    expect(build({ policy: { webhook_logs: 2.5 } })).toThrow(expect.objectContaining({ code: "INVALID_RETENTION" }));
    expect(build({ policy: { api_key_usage: 30 } })).toThrow(expect.objectContaining({ code: "INVALID_RETENTION" }));
    expect(build({ batchSize: 0 })).toThrow(expect.objectContaining({ code: "INVALID_RETENTION" }));
    expect(build({ maxBatches: -1 })).toThrow(expect.objectContaining({ code: "INVALID_RETENTION" }));
  });
});

describe("deleteInBatches", () => {
  it("deletes any backlog completely, never asking for more than one batch at a time", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(5000), fc.integer({ min: 1, max: 700 }), async (backlog, batchSize) => {
        let left = backlog;
        const asked: number[] = [];
        const result = await deleteInBatches(
          async (limit) => {
            asked.push(limit);
            const n = Math.min(limit, left);
            left -= n;
            return n;
          },
          { batchSize },
        );
        expect(left).toBe(0);
        expect(result).toEqual({ deleted: backlog, batches: Math.floor(backlog / batchSize) + 1, complete: true });
        expect(asked.every((limit) => limit === batchSize)).toBe(true);
      }),
    );
  });
});
