// describeRateLimitRepository: what every standalone rate limiter store must do, run once per adapter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RateLimitOverride, RateLimitRepository } from "../ratelimit-repository.js";
import { RateLimiter } from "../ratelimiter.js";

export interface RateLimitRepositoryFixture {
  repository: RateLimitRepository;
  /** A second repository on its own connections: "another API process". */
  peer?: RateLimitRepository;
  createUser(): Promise<string>;
  close?(): Promise<void>;
}

export function describeRateLimitRepository(
  name: string,
  factory: () => RateLimitRepositoryFixture | Promise<RateLimitRepositoryFixture>,
): void {
  describe(`RateLimitRepository contract: ${name}`, () => {
    let fixture: RateLimitRepositoryFixture;
    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => {
      await fixture?.close?.();
    });
    let t = Date.parse("2031-06-01T12:00:00Z");
    const now = () => new Date(t);

    it("limits each identifier of a namespace on its own with GCRA, and an override replaces the limit", async () => {
      const owner = await fixture.createUser();
      const limiter = new RateLimiter({ repository: fixture.repository, owner, now, batching: false });
      const ip = (id: string) => limiter.limit("ip", id, { limit: 2, duration_ms: 1000 });
      expect((await ip("1.1.1.1")).success).toBe(true);
      expect(await ip("1.1.1.1")).toMatchObject({ success: true, remaining: 0 });
      const refused = await ip("1.1.1.1");
      expect(refused).toMatchObject({ success: false, remaining: 0, retryAt: t + 500, overridden: false });
      expect((await ip("2.2.2.2")).success).toBe(true);
      await fixture.repository.setOverride({
        user_id: owner,
        namespace: "ip",
        identifier: "2.2.2.2",
        limit: 10,
        duration_ms: 1000,
      });
      expect(await ip("2.2.2.2")).toMatchObject({ success: true, limit: 10, overridden: true });
      expect(await fixture.repository.listOverrides(owner, { namespace: "ip" })).toMatchObject([
        { identifier: "2.2.2.2", limit: 10 },
      ]);
      expect(await fixture.repository.deleteOverride(owner, "ip", "2.2.2.2")).toBe(true);
      expect(await fixture.repository.listOverrides(owner)).toEqual([]);
      t += 500;
      expect((await ip("1.1.1.1")).success).toBe(true);
      // Another owner's namespace of the same name is another limit.
      const other = await fixture.createUser();
      expect((await limiter.limit("ip", "1.1.1.1", { limit: 2, duration_ms: 1000, owner: other })).success).toBe(true);
    });

    it("lists overrides in (namespace, identifier) order, page by page without gaps or repeats", async () => {
      const owner = await fixture.createUser();
      const stranger = await fixture.createUser();
      const set = (user_id: string, namespace: string, identifier: string) =>
        fixture.repository.setOverride({ user_id, namespace, identifier, limit: 5, duration_ms: 1000 });
      // Out of order, identifiers with the characters IPs, phone numbers and emails have, and one with quotes,
      // parentheses and a backslash (a keyset filter must carry them as data).
      for (const [ns, id] of [
        ["phone", 'z"q"(1)\\'],
        ["phone", "+15550002"],
        ["ip", "10.0.0.2"],
        ["phone", "+15550001"],
        ["email", "a,b@x.io"],
        ["ip", "10.0.0.1"],
      ]) {
        await set(owner, ns!, id!);
      }
      await set(stranger, "ip", "10.0.0.1");
      const expected = [
        "email a,b@x.io",
        "ip 10.0.0.1",
        "ip 10.0.0.2",
        "phone +15550001",
        "phone +15550002",
        'phone z"q"(1)\\',
      ];
      const name = (o: RateLimitOverride) => `${o.namespace} ${o.identifier}`;
      expect((await fixture.repository.listOverrides(owner)).map(name)).toEqual(expected);
      for (const size of [1, 2, 3, 4]) {
        const seen: string[] = [];
        let after: RateLimitOverride | undefined;
        for (;;) {
          const page = await fixture.repository.listOverrides(owner, { limit: size, after });
          seen.push(...page.map(name));
          if (page.length < size) break;
          after = page[page.length - 1];
        }
        expect(seen, `pages of ${size}`).toEqual(expected);
      }
      const phones = await fixture.repository.listOverrides(owner, {
        namespace: "phone",
        after: { namespace: "phone", identifier: "+15550001" },
      });
      expect(phones.map(name)).toEqual(expected.slice(4));
      expect((await fixture.repository.listOverrides(stranger)).map(name)).toEqual(["ip 10.0.0.1"]);
    });

    it("lets exactly what GCRA allows of 300 concurrent calls from two processes pass a 10/s limit", async () => {
      const owner = await fixture.createUser();
      const a = new RateLimiter({ repository: fixture.repository, owner, now });
      const b = new RateLimiter({ repository: fixture.peer ?? fixture.repository, owner, now, batching: false });
      const round = async (n: number) => {
        const results = await Promise.all(
          Array.from({ length: n }, (_, i) =>
            (i % 2 ? a : b).limit("phone", "+15550100", { limit: 10, duration_ms: 1000 }),
          ),
        );
        return results.filter((r) => r.success).length;
      };
      expect(await round(150)).toBe(10);
      t += 250;
      expect(await round(150)).toBe(2);
    });

    it("prunes only identifiers whose window has fully passed, and a pruned one starts afresh", async () => {
      const owner = await fixture.createUser();
      const limiter = new RateLimiter({ repository: fixture.repository, owner, now, batching: false });
      const call = (id: string) => limiter.limit("prune", id, { limit: 2, duration_ms: 1000 });
      await call("busy");
      await call("busy");
      await call("once");
      // At t both still restrict something: pruning keeps them, and "busy" stays refused.
      await fixture.repository.pruneIdle(now(), 1_000_000);
      expect((await call("busy")).success).toBe(false);
      t += 500;
      // "once" is idle (one unit of 2/s is paid back after 500 ms); "busy" still waits for its second unit.
      await fixture.repository.pruneIdle(now(), 1_000_000);
      expect(await call("busy")).toMatchObject({ success: true, remaining: 0 });
      await call("x");
      await call("y");
      t += 1000;
      // Now "busy", "x" and "y" are idle: a batch of 1 prunes one of them, the next the rest, then none is left.
      expect(await fixture.repository.pruneIdle(now(), 1)).toBe(1);
      expect(await fixture.repository.pruneIdle(now(), 1_000_000)).toBeGreaterThanOrEqual(2);
      expect(await fixture.repository.pruneIdle(now(), 1_000_000)).toBe(0);
      expect(await call("busy")).toMatchObject({ success: true, remaining: 1 });
    });

    it("stays exact while idle identifiers are pruned under concurrent calls from two processes", async () => {
      const owner = await fixture.createUser();
      const a = new RateLimiter({ repository: fixture.repository, owner, now });
      const b = new RateLimiter({ repository: fixture.peer ?? fixture.repository, owner, now });
      const pruner = fixture.peer ?? fixture.repository;
      for (let round = 0; round < 30; round++) {
        t += 2000; // every earlier round's state is idle now, so each round prunes it while calls run
        let calling = true;
        const pruning = (async () => {
          while (calling) await pruner.pruneIdle(now(), 1000);
        })();
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 ? a : b).limit("sms", "+15550199", { limit: 5, duration_ms: 1000 }),
          ),
        ).finally(() => {
          calling = false;
        });
        await pruning;
        expect(results.filter((r) => r.success).length, `round ${round}`).toBe(5);
      }
    });

    it("refuses a zero or over-30-day window and a negative limit, naming the field", async () => {
      const limiter = new RateLimiter({ repository: fixture.repository, owner: await fixture.createUser(), now });
      for (const [options, field] of [
        [{ limit: -1, duration_ms: 1000 }, "limit"],
        [{ limit: 1, duration_ms: 0 }, "duration_ms"],
        [{ limit: 1, duration_ms: 31 * 86_400_000 }, "duration_ms"],
      ] as const) {
        await expect(limiter.limit("ns", "id", options)).rejects.toMatchObject({ issues: [{ field }] });
      }
      const window = { limit: 1, duration_ms: 1000 };
      await expect(limiter.limit(" \t", "id", window)).rejects.toMatchObject({
        issues: [{ field: "namespace", message: "must not be only whitespace" }],
      });
      await expect(limiter.limit("ns", "  ", window)).rejects.toMatchObject({ issues: [{ field: "identifier" }] });
    });
  });
}
