// describeUserDataRepository: the behaviour every UserDataRepository adapter must show, run once per adapter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserDataRepository } from "../repositories.js";
import { subjectSha256 } from "../subject-hash.js";
import { SENSITIVE_COLUMN } from "../user-data.js";

/** What a fixture stored for one user. */
export interface SeededUser {
  userId: string;
  /** Ids of every row stored, in every table. */
  ids: string[];
  /** Secret values stored (a key hash, a webhook secret): none may ever leave in an export. */
  secrets: string[];
  /** Tables that now hold rows of the user. */
  tables: string[];
}

export interface ErasureEntry {
  userId: string | null;
  actorId: string | null;
  action: string;
  metadata: Record<string, unknown>;
}

export interface UserDataRepositoryFixture {
  repository: UserDataRepository;
  /** Creates a user with at least one row in every table the store holds about users. */
  seedUser(): Promise<SeededUser>;
  /** Rows still stored about the user, per table (read as the system). */
  countRows(userId: string): Promise<Record<string, number>>;
  /** Audit actions recorded about the user, oldest first. */
  auditActions(userId: string): Promise<string[]>;
  /** Audit entries of erasures (`user_data.erased`). */
  erasures(): Promise<ErasureEntry[]>;
  close?(): Promise<void>;
}

export type UserDataRepositoryFactory = () => UserDataRepositoryFixture | Promise<UserDataRepositoryFixture>;

export function describeUserDataRepository(name: string, factory: UserDataRepositoryFactory): void {
  describe(`UserDataRepository contract: ${name}`, () => {
    let fixture: UserDataRepositoryFixture;
    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    const repo = () => fixture.repository;
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

    it("exports every row of the user, in every table, and nothing of anyone else", async () => {
      const alice = await fixture.seedUser();
      const bob = await fixture.seedUser();
      const tables = await repo().collect(alice.userId);
      const json = JSON.stringify(tables);

      for (const table of alice.tables) expect(tables[table]?.length ?? 0, table).toBeGreaterThan(0);
      for (const id of alice.ids) expect(json).toContain(id);
      for (const id of [bob.userId, ...bob.ids]) expect(json).not.toContain(id);
    });

    it("never exports a secret or a hash", async () => {
      const user = await fixture.seedUser();
      const tables = await repo().collect(user.userId);
      for (const [table, rows] of Object.entries(tables)) {
        for (const row of rows) {
          expect(
            Object.keys(row).filter((k) => SENSITIVE_COLUMN.test(k)),
            table,
          ).toEqual([]);
        }
      }
      const json = JSON.stringify(tables);
      for (const secret of user.secrets) expect(json).not.toContain(secret);
    });

    it("records an export in the user's audit trail", async () => {
      const user = await fixture.seedUser();
      await repo().recordExport(user.userId, new Date("2030-04-01T00:00:00Z"));
      expect(await fixture.auditActions(user.userId)).toContain("user_data.exported");
    });

    it("erases every row of the user and no one else's", async () => {
      const alice = await fixture.seedUser();
      const bob = await fixture.seedUser();
      const bobBefore = await fixture.countRows(bob.userId);
      expect(total(await fixture.countRows(alice.userId))).toBeGreaterThan(0);

      const deleted = await repo().erase(alice.userId, {
        subjectSha256: subjectSha256(alice.userId),
        at: new Date("2030-04-02T00:00:00Z"),
      });

      expect(total(await fixture.countRows(alice.userId))).toBe(0);
      expect(await fixture.countRows(bob.userId)).toEqual(bobBefore);
      for (const table of alice.tables.filter((t) => t !== "webhook_logs")) {
        expect(deleted[table] ?? 0, table).toBeGreaterThan(0);
      }
    });

    it("records the erasure under a hash of the user id, with no personal data", async () => {
      const user = await fixture.seedUser();
      const hash = subjectSha256(user.userId);
      await repo().erase(user.userId, { subjectSha256: hash, at: new Date("2030-04-03T00:00:00Z") });

      const entry = (await fixture.erasures()).find((e) => e.metadata.subject_sha256 === hash);
      expect(entry).toMatchObject({ userId: null, actorId: null, action: "user_data.erased" });
      const json = JSON.stringify(entry);
      for (const id of [user.userId, ...user.ids]) expect(json).not.toContain(id);
    });

    it("erasing a user with nothing left is harmless", async () => {
      const user = await fixture.seedUser();
      const record = { subjectSha256: subjectSha256(user.userId), at: new Date("2030-04-04T00:00:00Z") };
      await repo().erase(user.userId, record);
      const again = await repo().erase(user.userId, record);
      expect(total(again)).toBe(0);
    });
  });
}
