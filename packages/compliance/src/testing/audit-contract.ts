// describeAuditRepository: the behaviour every AuditRepository adapter must show, run once per adapter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEntry } from "../audit-entry.js";
import type { AuditRepository } from "../repositories.js";

export interface AuditEntrySeed {
  userId: string | null;
  action: string;
  resourceType: string;
  createdAt: Date;
}

export interface AuditRepositoryFixture {
  repository: AuditRepository;
  /** Creates a user the store accepts as an entry's owner (an `auth.users` row on Postgres). */
  createUser(): Promise<string>;
  /** Stores an entry directly, with the given time; returns its id. */
  addEntry(entry: AuditEntrySeed): Promise<string>;
  close?(): Promise<void>;
}

export type AuditRepositoryFactory = () => AuditRepositoryFixture | Promise<AuditRepositoryFixture>;

export function describeAuditRepository(name: string, factory: AuditRepositoryFactory): void {
  describe(`AuditRepository contract: ${name}`, () => {
    let fixture: AuditRepositoryFixture;
    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    const at = (iso: string) => new Date(iso);
    const add = (userId: string | null, createdAt: Date, action = "api_key.created") =>
      fixture.addEntry({ userId, action, resourceType: action.split(".")[0]!, createdAt });

    it("lists only the user's own entries, newest first, with exact UTC timestamps", async () => {
      const alice = await fixture.createUser();
      const bob = await fixture.createUser();
      const older = await add(alice, at("2030-01-01T10:00:00.001Z"));
      const newer = await add(alice, at("2030-01-01T10:00:00.002Z"), "api_key.revoked");
      await add(bob, at("2030-01-01T10:00:00.003Z"));
      await add(null, at("2030-01-01T10:00:00.004Z"), "user_data.erased");

      const entries = await fixture.repository.listByUser(alice, { limit: 10 });
      expect(entries.map((e) => e.id)).toEqual([newer, older]);
      expect(entries[0]).toMatchObject({
        userId: alice,
        action: "api_key.revoked",
        resourceType: "api_key",
        createdAt: "2030-01-01T10:00:00.002000Z",
      });
      expect(entries[0]!.metadata).toEqual(expect.any(Object));
    });

    it("pages through entries sharing one timestamp without skipping or repeating any", async () => {
      const user = await fixture.createUser();
      const same = at("2030-02-01T00:00:00.000Z");
      const ids = await Promise.all([1, 2, 3, 4, 5].map(() => add(user, same)));
      const newest = await add(user, at("2030-02-01T00:00:01.000Z"));

      const seen: AuditEntry[] = [];
      let after: { createdAt: string; id: string } | undefined;
      for (let page = 0; page < 10; page++) {
        const entries = await fixture.repository.listByUser(user, { limit: 2, after });
        seen.push(...entries);
        const last = entries[entries.length - 1];
        if (!last) break;
        after = { createdAt: last.createdAt, id: last.id };
      }
      expect(seen.map((e) => e.id)).toEqual([newest, ...[...ids].sort().reverse()]);
    });

    it("deletes at most `limit` entries older than the cutoff per call, and none at or after it", async () => {
      const user = await fixture.createUser();
      const old = await Promise.all([1, 2, 3].map((i) => add(user, at(`1990-01-0${i}T00:00:00Z`))));
      const atCutoff = await add(user, at("1991-01-01T00:00:00Z"));
      const cutoff = at("1991-01-01T00:00:00Z");

      // A shared store may hold older entries of other tests: count only what can be known.
      expect(await fixture.repository.deleteBatchOlderThan(cutoff, 2)).toBe(2);
      while ((await fixture.repository.deleteBatchOlderThan(cutoff, 2)) === 2) {}
      expect(await fixture.repository.deleteBatchOlderThan(cutoff, 2)).toBe(0);
      const left = (await fixture.repository.listByUser(user, { limit: 10 })).map((e) => e.id);
      expect(left).toEqual([atCutoff]);
      expect(left).not.toEqual(expect.arrayContaining(old));
    });
  });
}
