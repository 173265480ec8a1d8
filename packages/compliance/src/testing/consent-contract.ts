// describeConsentRepository: the behaviour every ConsentRepository adapter must show, run once per adapter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConsentRepository } from "../repositories.js";

export interface ConsentRepositoryFixture {
  repository: ConsentRepository;
  createUser(): Promise<string>;
  close?(): Promise<void>;
}

export type ConsentRepositoryFactory = () => ConsentRepositoryFixture | Promise<ConsentRepositoryFixture>;

export function describeConsentRepository(name: string, factory: ConsentRepositoryFactory): void {
  describe(`ConsentRepository contract: ${name}`, () => {
    let fixture: ConsentRepositoryFixture;
    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    const t1 = new Date("2030-03-01T09:00:00.000Z");
    const t2 = new Date("2030-03-02T09:00:00.000Z");
    const t3 = new Date("2030-03-03T09:00:00.000Z");
    const repo = () => fixture.repository;
    const byPurpose = async (userId: string, purpose: string) =>
      (await repo().list(userId)).find((c) => c.purpose === purpose);

    it("has no consents for a new user", async () => {
      expect(await repo().list(await fixture.createUser())).toEqual([]);
    });

    it("records a grant, a withdrawal that keeps when it was granted, and a new grant", async () => {
      const user = await fixture.createUser();
      await repo().apply(user, [{ purpose: "marketing_email", granted: true }], t1);
      expect(await byPurpose(user, "marketing_email")).toEqual({
        purpose: "marketing_email",
        granted: true,
        grantedAt: t1,
        withdrawnAt: null,
        updatedAt: t1,
      });

      await repo().apply(user, [{ purpose: "marketing_email", granted: false }], t2);
      expect(await byPurpose(user, "marketing_email")).toEqual({
        purpose: "marketing_email",
        granted: false,
        grantedAt: t1,
        withdrawnAt: t2,
        updatedAt: t2,
      });

      await repo().apply(user, [{ purpose: "marketing_email", granted: true }], t3);
      expect(await byPurpose(user, "marketing_email")).toMatchObject({
        granted: true,
        grantedAt: t3,
        withdrawnAt: null,
      });
    });

    it("records a purpose declined without ever being granted", async () => {
      const user = await fixture.createUser();
      await repo().apply(user, [{ purpose: "call_recording", granted: false }], t1);
      expect(await byPurpose(user, "call_recording")).toEqual({
        purpose: "call_recording",
        granted: false,
        grantedAt: null,
        withdrawnAt: t1,
        updatedAt: t1,
      });
    });

    it("leaves a consent untouched when it is set to the state it already has", async () => {
      const user = await fixture.createUser();
      await repo().apply(user, [{ purpose: "analytics", granted: true }], t1);
      await repo().apply(user, [{ purpose: "analytics", granted: true }], t2);
      expect(await byPurpose(user, "analytics")).toMatchObject({ grantedAt: t1, updatedAt: t1 });
    });

    it("applies several purposes at once and keeps each user's consents apart", async () => {
      const alice = await fixture.createUser();
      const bob = await fixture.createUser();
      await repo().apply(
        alice,
        [
          { purpose: "a", granted: true },
          { purpose: "b", granted: false },
        ],
        t1,
      );
      await repo().apply(bob, [{ purpose: "a", granted: false }], t2);
      const alices = await repo().list(alice);
      expect(alices.map((c) => [c.purpose, c.granted]).sort()).toEqual([
        ["a", true],
        ["b", false],
      ]);
      expect((await repo().list(bob)).map((c) => [c.purpose, c.granted])).toEqual([["a", false]]);
    });
  });
}
