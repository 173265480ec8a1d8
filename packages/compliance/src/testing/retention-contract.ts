// describeRetentionRepository: the behaviour every RetentionRepository adapter must show, run once per adapter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RetentionRepository } from "../repositories.js";
import type { RetentionTarget } from "../retention-policy.js";

export interface RetentionRepositoryFixture {
  repository: RetentionRepository;
  /**
   * Stores one row of the target: a log created at `at`, or an IVR session that started in 1970 and ended
   * at `at` (`null`: still active). Returns its id.
   */
  add(target: RetentionTarget, at: Date | null): Promise<string>;
  exists(target: RetentionTarget, id: string): Promise<boolean>;
  close?(): Promise<void>;
}

export type RetentionRepositoryFactory = () => RetentionRepositoryFixture | Promise<RetentionRepositoryFixture>;

export function describeRetentionRepository(name: string, factory: RetentionRepositoryFactory): void {
  describe(`RetentionRepository contract: ${name}`, () => {
    let fixture: RetentionRepositoryFixture;
    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    // Each test has its own era, far before anything else in a shared database.
    const era = (year: number, day: number) => new Date(Date.UTC(year, 0, day));

    it.each(["audit_logs", "webhook_logs", "ivr_sessions"] as const)(
      "%s: deletes at most `limit` rows older than the cutoff per call, and keeps newer ones",
      async (target) => {
        const year = { audit_logs: 1980, webhook_logs: 1981, ivr_sessions: 1982 }[target];
        const old = await Promise.all([1, 2, 3].map((d) => fixture.add(target, era(year, d))));
        const kept = await fixture.add(target, era(year, 20));
        const cutoff = era(year, 10);

        // A shared store may hold older rows of other tests: count only what can be known.
        expect(await fixture.repository.deleteExpiredBatch(target, cutoff, 2)).toBe(2);
        while ((await fixture.repository.deleteExpiredBatch(target, cutoff, 2)) === 2) {}
        expect(await fixture.repository.deleteExpiredBatch(target, cutoff, 2)).toBe(0);
        for (const id of old) expect(await fixture.exists(target, id)).toBe(false);
        expect(await fixture.exists(target, kept)).toBe(true);
      },
    );

    it("never deletes an IVR session that has not ended, however old", async () => {
      const active = await fixture.add("ivr_sessions", null);
      while ((await fixture.repository.deleteExpiredBatch("ivr_sessions", era(1983, 1), 100)) === 100) {}
      expect(await fixture.exists("ivr_sessions", active)).toBe(true);
    });
  });
}
