// describeApiKeyRepository: the behaviour every ApiKeyRepository adapter must show, run once per adapter.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOUR_MS } from "../hours.js";
import { hashKey } from "../key-format.js";
import type { ApiKeyRepository, KeyPosition, NewApiKeyRecord, VerificationRequest } from "../repository.js";
import { ApiKeyService } from "../service.js";
import type { BatchingOptions } from "../verify-batcher.js";

export interface ApiKeyRepositoryFixture {
  repository: ApiKeyRepository;
  /** A second repository on its own connections to the same store: "another API process". */
  peer?: ApiKeyRepository;
  /** Creates a user the store accepts as a key owner (an `auth.users` row on Postgres). */
  createUser(): Promise<string>;
  close?(): Promise<void>;
}

export type ApiKeyRepositoryFactory = () => ApiKeyRepositoryFixture | Promise<ApiKeyRepositoryFixture>;

/** A fixed, movable clock: contract tests never read the real time. */
class TestClock {
  private t: number;
  constructor(iso: string) {
    this.t = Date.parse(iso);
  }
  now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
}

let hashCounter = 0;
/** A unique, valid-looking hash for repository-level rows (no plain key needed). */
function uniqueHash(): string {
  return hashKey(`contract-${randomUUID()}-${hashCounter++}`);
}

export function describeApiKeyRepository(name: string, factory: ApiKeyRepositoryFactory): void {
  describe(`ApiKeyRepository contract: ${name}`, () => {
    let fixture: ApiKeyRepositoryFixture;
    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    const repo = () => fixture.repository;
    const service = (clock: TestClock, batching: BatchingOptions | false = false, repository = repo()) =>
      new ApiKeyService({ repository, now: clock.now, batching });
    const row = (userId: string, overrides: Partial<NewApiKeyRecord> = {}): NewApiKeyRecord => ({
      user_id: userId,
      name: "test key",
      key_prefix: "vx_abcdefg",
      key_hash: uniqueHash(),
      expires_at: null,
      rate_limit: null,
      usage_quota: null,
      scopes: [],
      created_at: new Date("2031-01-01T00:00:00Z"),
      meta: null,
      ratelimits: [],
      credits: null,
      identity_id: null,
      ...overrides,
    });
    const verify = (hash: string, extra: Partial<VerificationRequest> = {}): VerificationRequest => ({
      keyHash: hash,
      scopes: [],
      cost: 1,
      ...extra,
    });

    describe("storage", () => {
      it("stores a new key with zeroed counters and finds it by hash and by id", async () => {
        const user = await fixture.createUser();
        const data = row(user, { rate_limit: 10, usage_quota: 20, scopes: ["webhooks:read"] });
        const created = await repo().createApiKey(data);
        expect(created).toMatchObject({
          user_id: user,
          name: "test key",
          key_prefix: "vx_abcdefg",
          key_hash: data.key_hash,
          rate_limit: 10,
          usage_quota: 20,
          usage_count: 0,
          enabled: true,
          last_used_at: null,
          expires_at: null,
          scopes: ["webhooks:read"],
        });
        expect(created.created_at.toISOString()).toBe("2031-01-01T00:00:00.000Z");
        expect(await repo().getApiKeyByHash(data.key_hash)).toEqual(created);
        expect(await repo().getApiKeyById(created.id)).toEqual(created);
        expect(await repo().getApiKeyById(created.id, user)).toEqual(created);
      });

      it("answers null or false for a key that does not exist", async () => {
        expect(await repo().getApiKeyByHash(uniqueHash())).toBeNull();
        expect(await repo().getApiKeyById(randomUUID())).toBeNull();
        expect(await repo().updateApiKey(randomUUID(), { name: "x" })).toBeNull();
        expect(await repo().updateApiKeyUsage(randomUUID())).toBeNull();
        expect(await repo().deleteApiKey(randomUUID())).toBe(false);
        expect(await repo().rotateApiKey(randomUUID(), replacement(new Date()))).toBeNull();
      });

      it("refuses another user's key on every owner-scoped method", async () => {
        const owner = await fixture.createUser();
        const stranger = await fixture.createUser();
        const key = await repo().createApiKey(row(owner));
        await repo().updateApiKeyUsage(key.id, { at: new Date("2031-01-01T05:00:00Z") });
        expect(await repo().getApiKeyById(key.id, stranger)).toBeNull();
        expect(await repo().updateApiKey(key.id, { name: "stolen" }, stranger)).toBeNull();
        expect(await repo().deleteApiKey(key.id, stranger)).toBe(false);
        expect(await repo().rotateApiKey(key.id, replacement(new Date()), stranger)).toBeNull();
        expect(await repo().getApiKeyUsageStats(key.id, allTime(), stranger)).toEqual([]);
        expect(await repo().getApiKeysByUserId(stranger)).toEqual([]);
        expect((await repo().getApiKeyById(key.id))?.name).toBe("test key");
      });

      it("lists only the user's keys, newest first", async () => {
        const user = await fixture.createUser();
        const other = await fixture.createUser();
        const older = await repo().createApiKey(row(user, { created_at: new Date("2031-01-01T00:00:00Z") }));
        const newer = await repo().createApiKey(row(user, { created_at: new Date("2031-01-02T00:00:00Z") }));
        await repo().createApiKey(row(other));
        expect((await repo().getApiKeysByUserId(user)).map((k) => k.id)).toEqual([newer.id, older.id]);
      });

      it("updates only the given settings and can clear limits and expiry", async () => {
        const user = await fixture.createUser();
        const key = await repo().createApiKey(
          row(user, { rate_limit: 5, usage_quota: 9, expires_at: new Date("2032-01-01T00:00:00Z") }),
        );
        const renamed = await repo().updateApiKey(key.id, { name: "renamed", scopes: ["ivr:read"] }, user);
        expect(renamed).toMatchObject({ name: "renamed", scopes: ["ivr:read"], rate_limit: 5, usage_quota: 9 });
        const cleared = await repo().updateApiKey(key.id, { rate_limit: null, usage_quota: null, expires_at: null });
        expect(cleared).toMatchObject({ name: "renamed", rate_limit: null, usage_quota: null, expires_at: null });
        const disabled = await repo().updateApiKey(key.id, { enabled: false });
        expect(disabled?.enabled).toBe(false);
        expect(await repo().updateApiKey(key.id, {})).toEqual(disabled);
        expect(disabled?.key_hash).toBe(key.key_hash);
      });

      it("deletes a key so it is gone by id and by hash", async () => {
        const user = await fixture.createUser();
        const key = await repo().createApiKey(row(user));
        expect(await repo().deleteApiKey(key.id, user)).toBe(true);
        expect(await repo().getApiKeyById(key.id)).toBeNull();
        expect(await repo().getApiKeyByHash(key.key_hash)).toBeNull();
        expect(await repo().deleteApiKey(key.id, user)).toBe(false);
      });
    });

    describe("usage", () => {
      it("counts usage unconditionally into usage_count, last_used_at and the hour bucket", async () => {
        const user = await fixture.createUser();
        const key = await repo().createApiKey(row(user, { usage_quota: 1 }));
        const at = new Date("2031-03-04T10:20:00Z");
        await repo().updateApiKeyUsage(key.id, { at });
        const after = await repo().updateApiKeyUsage(key.id, { at: new Date("2031-03-04T11:05:00Z"), cost: 3 });
        expect(after).toMatchObject({ usage_count: 4 });
        expect(after?.last_used_at?.toISOString()).toBe("2031-03-04T11:05:00.000Z");
        // Counted usage is not a verification: it has no outcome.
        expect(await repo().getApiKeyUsageStats(key.id, allTime(), user)).toMatchObject([
          { hour: new Date("2031-03-04T10:00:00Z"), requests: 1, outcomes: { valid: 0 } },
          { hour: new Date("2031-03-04T11:00:00Z"), requests: 3 },
        ]);
        // The specification's one-argument call: the whole history.
        expect(await repo().getApiKeyUsageStats(key.id)).toHaveLength(2);
      });

      it("returns only buckets inside the range, end exclusive", async () => {
        const user = await fixture.createUser();
        const key = await repo().createApiKey(row(user));
        for (const iso of ["2031-03-04T09:59:59Z", "2031-03-04T10:00:00Z", "2031-03-04T12:30:00Z"]) {
          await repo().updateApiKeyUsage(key.id, { at: new Date(iso) });
        }
        const buckets = await repo().getApiKeyUsageStats(key.id, {
          from: new Date("2031-03-04T10:00:00Z"),
          to: new Date("2031-03-04T12:00:00Z"),
        });
        expect(buckets).toMatchObject([{ hour: new Date("2031-03-04T10:00:00Z"), requests: 1 }]);
      });

      it("keeps a deleted key's usage history for its owner", async () => {
        const user = await fixture.createUser();
        const key = await repo().createApiKey(row(user));
        await repo().updateApiKeyUsage(key.id, { at: new Date("2031-03-04T10:00:00Z") });
        await repo().deleteApiKey(key.id, user);
        expect(await repo().getApiKeyUsageStats(key.id, allTime(), user)).toHaveLength(1);
      });
    });

    describe("rotation", () => {
      it("issues a replacement with the same settings and a fresh lifetime, and shortens the old key's life", async () => {
        const user = await fixture.createUser();
        const old = await repo().createApiKey(
          row(user, {
            name: "prod",
            rate_limit: 7,
            usage_quota: 70,
            scopes: ["webhooks:*"],
            created_at: new Date("2031-01-01T00:00:00Z"),
            expires_at: new Date("2031-01-31T00:00:00Z"),
          }),
        );
        const now = new Date("2031-01-20T00:00:00Z");
        const result = await repo().rotateApiKey(old.id, replacement(now, 2), user);
        expect(result?.previous.id).toBe(old.id);
        expect(result?.previous.expires_at?.toISOString()).toBe("2031-01-20T02:00:00.000Z");
        expect(result?.current).toMatchObject({
          user_id: user,
          name: "prod",
          rate_limit: 7,
          usage_quota: 70,
          usage_count: 0,
          enabled: true,
          scopes: ["webhooks:*"],
        });
        expect(result?.current.id).not.toBe(old.id);
        expect(result?.current.created_at.toISOString()).toBe("2031-01-20T00:00:00.000Z");
        expect(result?.current.expires_at?.toISOString()).toBe("2031-02-19T00:00:00.000Z");
      });

      it("never extends an old key that expires before the grace period ends", async () => {
        const user = await fixture.createUser();
        const old = await repo().createApiKey(row(user, { expires_at: new Date("2031-01-20T01:00:00Z") }));
        const result = await repo().rotateApiKey(old.id, replacement(new Date("2031-01-20T00:00:00Z"), 24));
        expect(result?.previous.expires_at?.toISOString()).toBe("2031-01-20T01:00:00.000Z");
      });

      it("keeps a never-expiring key's replacement never-expiring", async () => {
        const user = await fixture.createUser();
        const old = await repo().createApiKey(row(user));
        const result = await repo().rotateApiKey(old.id, replacement(new Date("2031-01-20T00:00:00Z"), 0));
        expect(result?.current.expires_at).toBeNull();
        expect(result?.previous.expires_at?.toISOString()).toBe("2031-01-20T00:00:00.000Z");
      });
    });

    describe("verification batches", () => {
      const now = new Date("2031-06-01T12:30:00Z");

      it("processes a batch in order: two of three pass a quota of two", async () => {
        const user = await fixture.createUser();
        const key = await repo().createApiKey(row(user, { usage_quota: 2, rate_limit: 100 }));
        const outcomes = await repo().verifyApiKeys(
          [verify(key.key_hash), verify(key.key_hash), verify(key.key_hash)],
          now,
        );
        expect(outcomes.map((o) => o.code)).toEqual(["VALID", "VALID", "USAGE_EXCEEDED"]);
        expect(outcomes.map((o) => o.key?.usage_count)).toEqual([1, 2, 2]);
        expect(outcomes.map((o) => o.windowCount)).toEqual([1, 2, 2]);
        expect(outcomes[0]!.windowReset.toISOString()).toBe("2031-06-01T13:00:00.000Z");
        expect((await repo().getApiKeyById(key.id))?.usage_count).toBe(2);
      });

      it("answers NOT_FOUND for unknown hashes between known ones, keeping order", async () => {
        const user = await fixture.createUser();
        const a = await repo().createApiKey(row(user));
        const b = await repo().createApiKey(row(user, { rate_limit: 1 }));
        const outcomes = await repo().verifyApiKeys(
          [verify(uniqueHash()), verify(a.key_hash), verify(b.key_hash), verify(uniqueHash()), verify(b.key_hash)],
          now,
        );
        expect(outcomes.map((o) => o.code)).toEqual(["NOT_FOUND", "VALID", "VALID", "NOT_FOUND", "RATE_LIMITED"]);
        expect(outcomes.map((o) => o.key?.id ?? null)).toEqual([null, a.id, b.id, null, b.id]);
        expect(outcomes[0]!.windowCount).toBeNull();
        // Without a rate limit there is no window to report.
        expect(outcomes[1]!.windowCount).toBeNull();
        expect(outcomes[2]!.windowCount).toBe(1);
      });

      it("charges each request's cost and lets cost 0 check without counting", async () => {
        const user = await fixture.createUser();
        const key = await repo().createApiKey(row(user, { usage_quota: 10 }));
        const outcomes = await repo().verifyApiKeys(
          [verify(key.key_hash, { cost: 4 }), verify(key.key_hash, { cost: 7 }), verify(key.key_hash, { cost: 0 })],
          now,
        );
        expect(outcomes.map((o) => [o.code, o.key?.usage_count])).toEqual([
          ["VALID", 4],
          ["USAGE_EXCEEDED", 4],
          ["VALID", 4],
        ]);
      });

      it("checks the required scopes of each request against the key's scopes", async () => {
        const user = await fixture.createUser();
        const key = await repo().createApiKey(row(user, { scopes: ["webhooks:*", "ivr:read"] }));
        const outcomes = await repo().verifyApiKeys(
          [
            verify(key.key_hash, { scopes: ["webhooks:write"] }),
            verify(key.key_hash, { scopes: ["ivr:read", "webhooks:read"] }),
            verify(key.key_hash, { scopes: ["ivr:write"] }),
            verify(key.key_hash, { scopes: ["webhooksx:write"] }),
          ],
          now,
        );
        expect(outcomes.map((o) => o.code)).toEqual(["VALID", "VALID", "INSUFFICIENT_SCOPE", "INSUFFICIENT_SCOPE"]);
        expect(outcomes[3]!.key?.usage_count).toBe(2);
      });
    });

    describe("service on this repository", () => {
      it("pages a user's keys newest first without gaps or repeats, keys created at one instant included", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const other = await fixture.createUser();
        const acme = await keys.createIdentity({ user_id: user, external_id: "acme" });
        // Five keys at one instant (only their ids order them), then three a second apart, two of them acme's.
        for (let i = 0; i < 5; i++) await keys.createApiKey({ user_id: user, name: `same ${i}` });
        for (let i = 0; i < 3; i++) {
          clock.advance(1000);
          await keys.createApiKey({ user_id: user, name: `later ${i}`, identity_id: i < 2 ? acme.id : undefined });
        }
        await keys.createApiKey({ user_id: other, name: "not theirs" });
        const all = await keys.listApiKeys(user);
        const walk = async (limit: number, identityId?: string) => {
          const seen: string[] = [];
          let after: KeyPosition | undefined;
          do {
            const page = await keys.listApiKeysPage(user, { limit, after, identityId });
            expect(page.keys.length).toBeLessThanOrEqual(limit);
            seen.push(...page.keys.map((k) => k.name));
            after = page.next ?? undefined;
          } while (after);
          return seen;
        };
        expect(all.slice(0, 3).map((k) => k.name)).toEqual(["later 2", "later 1", "later 0"]);
        for (const limit of [1, 2, 3, 50])
          expect(await walk(limit), `pages of ${limit}`).toEqual(all.map((k) => k.name));
        expect(await walk(1, acme.id)).toEqual(["later 1", "later 0"]);
        const first = await keys.listApiKeysPage(user, { limit: 3 });
        expect(first.keys[0]).not.toHaveProperty("key_hash");
        await expect(
          keys.listApiKeysPage(user, { after: { created_at: "yesterday", id: first.keys[0]!.id } }),
        ).rejects.toMatchObject({ code: "INVALID_INPUT", issues: [{ field: "after" }] });
        await expect(keys.listApiKeysPage(user, { limit: 0 })).rejects.toMatchObject({ code: "INVALID_INPUT" });
      });

      it("verifies a new key as VALID and counts the use in usage_count, last_used_at and this hour", async () => {
        const clock = new TestClock("2031-06-01T12:30:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const { apiKey, plainKey } = await keys.createApiKey({
          user_id: user,
          name: "Production API Key",
          expires_in_days: 90,
          rate_limit: 1000,
          usage_quota: 100000,
          scopes: ["agents:read", "agents:write"],
        });
        expect(apiKey).not.toHaveProperty("key_hash");
        expect(apiKey.expires_at?.toISOString()).toBe("2031-08-30T12:30:00.000Z");
        const result = await keys.verifyApiKey(plainKey, { scopes: ["agents:read"] });
        expect(result).toMatchObject({ valid: true, code: "VALID", remaining: 99999 });
        expect(result.ratelimit).toEqual({ limit: 1000, remaining: 999, reset: Date.parse("2031-06-01T13:00:00Z") });
        expect(result.key).not.toHaveProperty("key_hash");
        expect(await keys.validateApiKey(plainKey)).toMatchObject({ id: apiKey.id, usage_count: 2 });
        const stats = await keys.getApiKeyStats(apiKey.id, user);
        expect(stats).toMatchObject({ total_requests: 2, remaining_quota: 99998, requests_this_hour: 2 });
        expect(stats.last_used_at?.toISOString()).toBe("2031-06-01T12:30:00.000Z");
      });

      it("answers in the documented order: disabled, expired, usage exceeded, rate limited, insufficient scope", async () => {
        const clock = new TestClock("2031-06-01T12:30:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const { apiKey, plainKey } = await keys.createApiKey({
          user_id: user,
          name: "k",
          usage_quota: 1,
          rate_limit: 1,
          scopes: ["ivr:read"],
        });
        const id = apiKey.id;
        await keys.updateApiKey(id, user, { enabled: false, expires_at: new Date("2031-06-01T00:00:00Z") });
        const ask = () => keys.verifyApiKey(plainKey, { scopes: ["ivr:write"], cost: 2 });
        expect((await ask()).code).toBe("DISABLED");
        await keys.updateApiKey(id, user, { enabled: true });
        expect((await ask()).code).toBe("EXPIRED");
        await keys.updateApiKey(id, user, { expires_at: null });
        expect((await ask()).code).toBe("USAGE_EXCEEDED");
        await keys.updateApiKey(id, user, { usage_quota: null });
        expect((await ask()).code).toBe("RATE_LIMITED");
        await keys.updateApiKey(id, user, { rate_limit: null });
        expect((await ask()).code).toBe("INSUFFICIENT_SCOPE");
        await keys.updateApiKey(id, user, { scopes: ["ivr:*"] });
        expect((await ask()).code).toBe("VALID");
      });

      it("does not consume quota or rate limit on a refused request", async () => {
        const clock = new TestClock("2031-06-01T12:30:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const { apiKey, plainKey } = await keys.createApiKey({
          user_id: user,
          name: "k",
          usage_quota: 3,
          rate_limit: 3,
          scopes: ["ivr:read"],
        });
        for (let i = 0; i < 5; i++) {
          expect((await keys.verifyApiKey(plainKey, { scopes: ["ivr:write"] })).code).toBe("INSUFFICIENT_SCOPE");
        }
        const ok = await keys.verifyApiKey(plainKey, { scopes: ["ivr:read"] });
        expect(ok).toMatchObject({ code: "VALID", remaining: 2, ratelimit: { remaining: 2 } });
        expect((await keys.getApiKey(apiKey.id, user)).usage_count).toBe(1);
      });

      it("hints at the next hour as the earliest retry once the lifetime quota is spent", async () => {
        const clock = new TestClock("2031-06-01T12:20:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const { plainKey } = await keys.createApiKey({ user_id: user, name: "k", usage_quota: 1 });
        const ok = await keys.verifyApiKey(plainKey);
        expect(ok.code).toBe("VALID");
        expect(ok).not.toHaveProperty("retryAt");
        const spent = await keys.verifyApiKey(plainKey);
        expect(spent).toMatchObject({
          code: "USAGE_EXCEEDED",
          remaining: 0,
          retryAt: Date.parse("2031-06-01T13:00:00Z"),
        });
        // No rate limit: the hint is not a rate window.
        expect(spent).not.toHaveProperty("ratelimit");
      });

      it("limits each fixed UTC clock hour and starts again at the next hour", async () => {
        const clock = new TestClock("2031-06-01T12:59:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const { plainKey } = await keys.createApiKey({ user_id: user, name: "k", rate_limit: 2 });
        expect((await keys.verifyApiKey(plainKey)).code).toBe("VALID");
        expect((await keys.verifyApiKey(plainKey)).code).toBe("VALID");
        const limited = await keys.verifyApiKey(plainKey);
        expect(limited).toMatchObject({ code: "RATE_LIMITED", valid: false });
        expect(limited.ratelimit).toEqual({ limit: 2, remaining: 0, reset: Date.parse("2031-06-01T13:00:00Z") });
        expect(limited.retryAt).toBe(Date.parse("2031-06-01T13:00:00Z"));
        clock.advance(60_000);
        const next = await keys.verifyApiKey(plainKey);
        expect(next).toMatchObject({
          code: "VALID",
          ratelimit: { remaining: 1, reset: Date.parse("2031-06-01T14:00:00Z") },
        });
      });

      it("keeps the old key working through the rotation grace period, then answers EXPIRED", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const { apiKey, plainKey: oldKey } = await keys.createApiKey({
          user_id: user,
          name: "k",
          scopes: ["ivr:read"],
        });
        const rotated = await keys.rotateApiKey(apiKey.id, user, { gracePeriodHours: 1 });
        expect(rotated.plainKey).not.toBe(oldKey);
        expect(rotated.apiKey.scopes).toEqual(["ivr:read"]);
        expect((await keys.verifyApiKey(oldKey)).code).toBe("VALID");
        expect((await keys.verifyApiKey(rotated.plainKey)).code).toBe("VALID");
        clock.advance(HOUR_MS);
        expect((await keys.verifyApiKey(oldKey)).code).toBe("EXPIRED");
        expect((await keys.verifyApiKey(rotated.plainKey)).code).toBe("VALID");
      });

      it("refuses a revoked key as DISABLED and a deleted key as NOT_FOUND on the very next verification", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const keys = service(clock, {});
        const user = await fixture.createUser();
        const { apiKey, plainKey } = await keys.createApiKey({ user_id: user, name: "k" });
        expect((await keys.verifyApiKey(plainKey)).code).toBe("VALID");
        await keys.revokeApiKey(apiKey.id, user);
        expect((await keys.verifyApiKey(plainKey)).code).toBe("DISABLED");
        await keys.deleteApiKey(apiKey.id, user);
        expect(await keys.verifyApiKey(plainKey)).toEqual({ valid: false, code: "NOT_FOUND" });
      });

      it("reports hourly stats with zeros for quiet hours", async () => {
        const clock = new TestClock("2031-06-01T10:10:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const { apiKey, plainKey } = await keys.createApiKey({ user_id: user, name: "k", usage_quota: 10 });
        await keys.verifyApiKey(plainKey);
        clock.advance(2 * HOUR_MS);
        await keys.verifyApiKey(plainKey, { cost: 3 });
        const stats = await keys.getApiKeyStats(apiKey.id, user, {
          from: new Date("2031-06-01T09:00:00Z"),
          to: new Date("2031-06-01T12:59:00Z"),
        });
        expect(stats).toMatchObject({
          key_id: apiKey.id,
          total_requests: 4,
          remaining_quota: 6,
          requests_this_hour: 3,
        });
        expect(stats.rate_limit_reset.toISOString()).toBe("2031-06-01T13:00:00.000Z");
        expect(stats.series.map((p) => [p.hour.toISOString().slice(11, 13), p.requests])).toEqual([
          ["09", 0],
          ["10", 1],
          ["11", 0],
          ["12", 3],
        ]);
      });

      it("treats another user's key as not found on every user-scoped call", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const keys = service(clock);
        const owner = await fixture.createUser();
        const stranger = await fixture.createUser();
        const { apiKey, plainKey } = await keys.createApiKey({ user_id: owner, name: "k" });
        const calls = [
          () => keys.getApiKey(apiKey.id, stranger),
          () => keys.updateApiKey(apiKey.id, stranger, { name: "x" }),
          () => keys.revokeApiKey(apiKey.id, stranger),
          () => keys.deleteApiKey(apiKey.id, stranger),
          () => keys.rotateApiKey(apiKey.id, stranger),
          () => keys.getApiKeyStats(apiKey.id, stranger),
        ];
        for (const call of calls) await expect(call()).rejects.toMatchObject({ code: "NOT_FOUND" });
        expect(await keys.listApiKeys(stranger)).toEqual([]);
        expect((await keys.verifyApiKey(plainKey)).code).toBe("VALID");
      });
    });

    describe("named rate limits, credits, meta and outcomes", () => {
      const perSecond = { name: "per-second", limit: 3, duration_ms: 1000, auto_apply: true };

      it("lets a burst of the limit through, then one request per duration / limit (GCRA), exactly", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const { plainKey } = await keys.createApiKey({ user_id: user, name: "k", ratelimits: [perSecond] });
        const codes = async (n: number) => {
          const out: string[] = [];
          for (let i = 0; i < n; i++) out.push((await keys.verifyApiKey(plainKey)).code);
          return out;
        };
        expect(await codes(4)).toEqual(["VALID", "VALID", "VALID", "RATE_LIMITED"]);
        // One unit drips back every 333⅓ ms: none at 333 ms, one at 334 ms (no rounding lets one more through).
        clock.advance(333);
        expect(await codes(1)).toEqual(["RATE_LIMITED"]);
        clock.advance(1);
        const ok = await keys.verifyApiKey(plainKey);
        expect(ok).toMatchObject({ code: "VALID", ratelimit: { limit: 3, remaining: 0 } });
        expect(ok.ratelimits).toEqual([
          {
            name: "per-second",
            source: "key",
            limit: 3,
            duration_ms: 1000,
            remaining: 0,
            reset: Date.parse("2031-06-01T12:00:01.334Z"),
            exceeded: false,
          },
        ]);
        const refused = await keys.verifyApiKey(plainKey);
        expect(refused).toMatchObject({ code: "RATE_LIMITED", retryAt: Date.parse("2031-06-01T12:00:00.667Z") });
        expect(refused.ratelimits?.[0]).toMatchObject({ name: "per-second", exceeded: true });
        clock.advance(1000);
        expect(await codes(4)).toEqual(["VALID", "VALID", "VALID", "RATE_LIMITED"]);
      });

      it("checks a named limit only when the verification names it, with its own cost", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const { plainKey } = await keys.createApiKey({
          user_id: user,
          name: "k",
          rate_limit: 100,
          ratelimits: [{ name: "tokens", limit: 10, duration_ms: 60_000 }],
        });
        const plain = await keys.verifyApiKey(plainKey);
        expect(plain.ratelimits?.map((l) => l.name)).toEqual(["rate_limit"]);
        const named = await keys.verifyApiKey(plainKey, { ratelimits: [{ name: "tokens", cost: 8 }] });
        expect(named.ratelimits?.map((l) => [l.name, l.remaining])).toEqual([
          ["rate_limit", 98],
          ["tokens", 2],
        ]);
        // The most restrictive limit is the one the RateLimit-* headers report.
        expect(named.ratelimit).toMatchObject({ limit: 10, remaining: 2 });
        const refused = await keys.verifyApiKey(plainKey, { ratelimits: [{ name: "tokens", cost: 3 }] });
        expect(refused.code).toBe("RATE_LIMITED");
        expect(refused.ratelimits?.find((l) => l.exceeded)?.name).toBe("tokens");
        // The refusal spent nothing: not the hourly limit, not the quota of the other limit.
        expect(refused.ratelimits?.[0]).toMatchObject({ name: "rate_limit", remaining: 98 });
        expect((await keys.verifyApiKey(plainKey, { ratelimits: [{ name: "tokens", cost: 2 }] })).valid).toBe(true);
        expect((await keys.verifyApiKey(plainKey, { ratelimits: [{ name: "unknown" }] })).valid).toBe(true);
      });

      it("returns meta with every verification and spends credits, refilled lazily each day", async () => {
        const clock = new TestClock("2031-06-01T23:59:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const { apiKey, plainKey } = await keys.createApiKey({
          user_id: user,
          name: "k",
          meta: { plan: "pro", tenant: { id: 7 } },
          credits: { remaining: 3, refill: { interval: "daily", amount: 5 } },
        });
        expect(apiKey.credits).toEqual({ remaining: 3, refill: { interval: "daily", amount: 5 } });
        const first = await keys.verifyApiKey(plainKey, { cost: 2 });
        expect(first).toMatchObject({ code: "VALID", credits: 1, meta: { plan: "pro", tenant: { id: 7 } } });
        const short = await keys.verifyApiKey(plainKey, { cost: 2 });
        expect(short).toMatchObject({
          code: "USAGE_EXCEEDED",
          credits: 1,
          retryAt: Date.parse("2031-06-02T00:00:00Z"),
        });
        clock.advance(60_000);
        expect(await keys.verifyApiKey(plainKey, { cost: 2 })).toMatchObject({ code: "VALID", credits: 3 });
        expect(await keys.changeCredits(apiKey.id, user, { op: "increment", amount: 10 })).toBe(13);
        expect(await keys.changeCredits(apiKey.id, user, { op: "decrement", amount: 20 })).toBe(0);
        expect(await keys.changeCredits(apiKey.id, user, { op: "set", amount: 4 })).toBe(4);
        expect((await keys.getApiKey(apiKey.id, user)).credits?.remaining).toBe(4);
        // The next day's refill replaces what is left.
        clock.advance(24 * HOUR_MS);
        expect(await keys.verifyApiKey(plainKey)).toMatchObject({ code: "VALID", credits: 4 });
      });

      it("changes the refill alone: the due refill first, the count kept, the new rule from then on", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const { apiKey, plainKey } = await keys.createApiKey({
          user_id: user,
          name: "k",
          credits: { remaining: 5, refill: { interval: "daily", amount: 10 } },
        });
        expect(await keys.verifyApiKey(plainKey, { cost: 2 })).toMatchObject({ code: "VALID", credits: 3 });
        // A day later the daily refill is due: it is applied before the rule changes to monthly.
        clock.advance(24 * HOUR_MS);
        const monthly = { interval: "monthly", amount: 100 } as const;
        const changed = await keys.updateApiKey(apiKey.id, user, { credits: { refill: monthly } });
        expect(changed.credits).toEqual({ remaining: 10, refill: monthly });
        expect(await keys.verifyApiKey(plainKey)).toMatchObject({ code: "VALID", credits: 9 });
        clock.advance(24 * HOUR_MS);
        expect((await keys.verifyApiKey(plainKey)).credits).toBe(8); // the daily rule is gone
        clock.advance((27 * 24 + 12) * HOUR_MS + 60_000); // 2031-07-01T00:01Z: the monthly refill
        expect((await keys.verifyApiKey(plainKey)).credits).toBe(99);
        // null stops the refills and keeps the count; other changes go with it.
        const stopped = await keys.updateApiKey(apiKey.id, user, { name: "renamed", credits: { refill: null } });
        expect(stopped).toMatchObject({ name: "renamed", credits: { remaining: 99 } });
        expect(stopped.credits?.refill).toBeUndefined();
        // Credits that do not exist have no count to keep: refused, and nothing else in the call is applied.
        const plain = await keys.createApiKey({ user_id: user, name: "p" });
        await expect(
          keys.updateApiKey(plain.apiKey.id, user, { name: "x", credits: { refill: monthly } }),
        ).rejects.toMatchObject({ code: "INVALID_INPUT", issues: [{ field: "credits.remaining" }] });
        expect(await keys.getApiKey(plain.apiKey.id, user)).toMatchObject({ name: "p", credits: null });
        // Another user's key is not found.
        const other = await fixture.createUser();
        await expect(keys.updateApiKey(apiKey.id, other, { credits: { refill: null } })).rejects.toMatchObject({
          code: "NOT_FOUND",
        });
      });

      it("moves updated_at when the refill rule changes, not when the same rule is set again", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const daily = { interval: "daily", amount: 10 } as const;
        const { apiKey } = await keys.createApiKey({
          user_id: user,
          name: "k",
          credits: { remaining: 5, refill: daily },
        });
        const identity = await keys.createIdentity({
          user_id: user,
          external_id: "customer-9",
          credits: { remaining: 5, refill: daily },
        });
        clock.advance(60_000);
        const same = await keys.updateApiKey(apiKey.id, user, {
          credits: { refill: { amount: 10, interval: "daily" } },
        });
        expect(same.updated_at).toEqual(apiKey.updated_at);
        const sameIdentity = await keys.updateIdentity(identity.id, user, { credits: { refill: daily } });
        expect(sameIdentity.updated_at).toEqual(identity.updated_at);
        clock.advance(60_000);
        const monthly = { interval: "monthly", amount: 10 } as const;
        expect((await keys.updateApiKey(apiKey.id, user, { credits: { refill: monthly } })).updated_at).not.toEqual(
          apiKey.updated_at,
        );
        expect((await keys.updateIdentity(identity.id, user, { credits: { refill: null } })).updated_at).not.toEqual(
          identity.updated_at,
        );
      });

      it("refills monthly on the refill day, the month's last day when it is shorter", async () => {
        const clock = new TestClock("2031-02-27T12:00:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const { plainKey } = await keys.createApiKey({
          user_id: user,
          name: "k",
          credits: { remaining: 1, refill: { interval: "monthly", amount: 2, refill_day: 31 } },
        });
        expect((await keys.verifyApiKey(plainKey)).credits).toBe(0);
        expect((await keys.verifyApiKey(plainKey)).retryAt).toBe(Date.parse("2031-02-28T00:00:00Z"));
        clock.advance(12 * HOUR_MS);
        expect((await keys.verifyApiKey(plainKey)).credits).toBe(1);
      });

      it("counts every verification by outcome per hour, refusals included", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const { apiKey, plainKey } = await keys.createApiKey({
          user_id: user,
          name: "k",
          scopes: ["ivr:read"],
          ratelimits: [{ name: "burst", limit: 2, duration_ms: 1000, auto_apply: true }],
        });
        for (const scopes of [[], [], [], ["ivr:write"]]) await keys.verifyApiKey(plainKey, { scopes });
        await keys.revokeApiKey(apiKey.id, user);
        await keys.verifyApiKey(plainKey);
        const stats = await keys.getApiKeyStats(apiKey.id, user);
        expect(stats.series.at(-1)).toEqual({
          hour: new Date("2031-06-01T12:00:00Z"),
          requests: 2,
          outcomes: { valid: 2, rate_limited: 2, usage_exceeded: 0, disabled: 1, expired: 0, insufficient_scope: 0 },
        });
      });

      it("refuses bad limits, credits and meta, naming the field", async () => {
        const keys = service(new TestClock("2031-06-01T12:00:00Z"));
        const user = await fixture.createUser();
        const bad = [
          [{ ratelimits: [{ name: "a", limit: -1, duration_ms: 1000 }] }, "ratelimits[0].limit"],
          [{ ratelimits: [{ name: "a", limit: 1, duration_ms: 0 }] }, "ratelimits[0].duration_ms"],
          [{ ratelimits: [{ name: "a", limit: 1, duration_ms: 31 * 24 * HOUR_MS }] }, "ratelimits[0].duration_ms"],
          [{ ratelimits: [perSecond, perSecond] }, "ratelimits[1].name"],
          [{ credits: { remaining: 1, refill: { interval: "weekly", amount: 1 } } }, "credits.refill.interval"],
          [{ meta: { big: "x".repeat(5000) } }, "meta"],
        ] as const;
        for (const [input, field] of bad) {
          await expect(keys.createApiKey({ user_id: user, name: "k", ...(input as object) })).rejects.toMatchObject({
            code: "INVALID_INPUT",
            issues: [expect.objectContaining({ field })],
          });
        }
      });

      it("lets exactly what GCRA allows of 500 verifications from two processes pass a 10/s limit over 3 s", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        // One micro-batching process and one sending a statement per verification: both paths race on one limit.
        const a = service(clock, {});
        const b = service(clock, false, fixture.peer ?? repo());
        const user = await fixture.createUser();
        const { apiKey, plainKey } = await a.createApiKey({
          user_id: user,
          name: "k",
          ratelimits: [{ name: "ten-per-second", limit: 10, duration_ms: 1000, auto_apply: true }],
        });
        const round = async (n: number) => {
          const results = await Promise.all(
            Array.from({ length: n }, (_, i) => (i % 2 ? a : b).verifyApiKey(plainKey)),
          );
          return results.filter((r) => r.valid).length;
        };
        // A burst of 10 at once; 350 ms later 3 more have dripped back (one per 100 ms); by 3 s the burst is back.
        expect(await round(200)).toBe(10);
        clock.advance(350);
        expect(await round(150)).toBe(3);
        clock.advance(2650);
        expect(await round(150)).toBe(10);
        const stats = await a.getApiKeyStats(apiKey.id, user);
        expect(stats.series.at(-1)?.outcomes).toMatchObject({ valid: 23, rate_limited: 477 });
        expect(stats.total_requests).toBe(23);
      });
    });

    describe("identities", () => {
      it("reports each limit checked exactly: the key's, then its identity's, by position, with named costs", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const at = (ms: number) => Date.parse("2031-06-01T12:00:00Z") + ms;
        const keys = service(clock);
        const user = await fixture.createUser();
        const identity = await keys.createIdentity({
          user_id: user,
          external_id: "customer-7",
          ratelimits: [
            { name: "idle", limit: 5, duration_ms: 1000 },
            { name: "shared", limit: 4, duration_ms: 2000, auto_apply: true },
          ],
        });
        const { plainKey } = await keys.createApiKey({
          user_id: user,
          name: "k",
          identity_id: identity.id,
          ratelimits: [
            { name: "tokens", limit: 10, duration_ms: 60_000 },
            { name: "burst", limit: 3, duration_ms: 1000, auto_apply: true },
          ],
        });
        const limit = (name: string, source: "key" | "identity", limit: number, duration_ms: number) => ({
          name,
          source,
          limit,
          duration_ms,
        });
        const tokens = limit("tokens", "key", 10, 60_000);
        const burst = limit("burst", "key", 3, 1000);
        const shared = limit("shared", "identity", 4, 2000);
        const ok = await keys.verifyApiKey(plainKey, { ratelimits: [{ name: "tokens", cost: 4 }] });
        expect(ok.ratelimits).toEqual([
          { ...tokens, remaining: 6, reset: at(24_000), exceeded: false },
          { ...burst, remaining: 2, reset: at(334), exceeded: false },
          { ...shared, remaining: 3, reset: at(500), exceeded: false },
        ]);
        // 4 + 7 tokens > 10: refused, passing once 1 more token has dripped back (6 s); the others as it left them.
        const refused = await keys.verifyApiKey(plainKey, { ratelimits: [{ name: "tokens", cost: 7 }] });
        expect(refused).toMatchObject({ code: "RATE_LIMITED", retryAt: at(6000) });
        expect(refused.ratelimits).toEqual([
          { ...tokens, remaining: 6, reset: at(24_000), exceeded: true, retryAt: at(6000) },
          { ...burst, remaining: 1, reset: at(667), exceeded: false },
          { ...shared, remaining: 2, reset: at(1000), exceeded: false },
        ]);
        // The refusal spent nothing; the identity's first limit counts only when named.
        const named = await keys.verifyApiKey(plainKey, { ratelimits: [{ name: "idle" }] });
        expect(named.ratelimits).toEqual([
          { ...burst, remaining: 1, reset: at(667), exceeded: false },
          { ...limit("idle", "identity", 5, 1000), remaining: 4, reset: at(200), exceeded: false },
          { ...shared, remaining: 2, reset: at(1000), exceeded: false },
        ]);
      });

      it("keeps each limit's state by name when limits change: rescaled to a new limit, fresh when added", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const second = (name: string, limit: number) => ({ name, limit, duration_ms: 1000, auto_apply: true });
        const { apiKey, plainKey } = await keys.createApiKey({
          user_id: user,
          name: "k",
          ratelimits: [second("a", 4), second("b", 3)],
        });
        const remaining = async (key = plainKey) =>
          (await keys.verifyApiKey(key)).ratelimits?.map((l) => [l.name, l.remaining]);
        await keys.verifyApiKey(plainKey);
        expect(await remaining()).toEqual([
          ["a", 2],
          ["b", 1],
        ]);
        // b keeps its TAT in time, 666⅔ ms ahead: at 6 a second that is 4 requests, so this one leaves 1.
        // c is new; a is gone, with its state.
        await keys.updateApiKey(apiKey.id, user, { ratelimits: [second("b", 6), second("c", 2)] });
        expect(await remaining()).toEqual([
          ["b", 1],
          ["c", 1],
        ]);
        // a again, at once: it starts afresh (its old state would have left it 1).
        await keys.updateApiKey(apiKey.id, user, { ratelimits: [second("b", 6), second("c", 2), second("a", 4)] });
        expect(await remaining()).toEqual([
          ["b", 0],
          ["c", 0],
          ["a", 3],
        ]);

        // An identity's limits likewise: a limit keeps its state when another is put before it.
        const identity = await keys.createIdentity({ user_id: user, external_id: "c-1", ratelimits: [second("s", 2)] });
        const member = await keys.createApiKey({ user_id: user, name: "m", identity_id: identity.id });
        expect(await remaining(member.plainKey)).toEqual([["s", 1]]);
        await keys.updateIdentity(identity.id, user, { ratelimits: [second("t", 5), second("s", 2)] });
        expect(await remaining(member.plainKey)).toEqual([
          ["t", 4],
          ["s", 0],
        ]);
      });

      it("shares an identity's credits and limits between its keys, checked with each key's own", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const identity = await keys.createIdentity({
          user_id: user,
          external_id: "customer-42",
          meta: { plan: "team" },
          credits: { remaining: 3 },
          ratelimits: [{ name: "shared", limit: 2, duration_ms: 1000, auto_apply: true }],
        });
        const a = await keys.createApiKey({ user_id: user, name: "a", identity_id: identity.id });
        const b = await keys.createApiKey({ user_id: user, name: "b", identity_id: identity.id });
        expect(a.apiKey.identity_id).toBe(identity.id);
        expect(await keys.verifyApiKey(a.plainKey)).toMatchObject({
          code: "VALID",
          identity: { id: identity.id, external_id: "customer-42", meta: { plan: "team" }, credits: 2 },
        });
        expect((await keys.verifyApiKey(b.plainKey)).identity?.credits).toBe(1);
        const limited = await keys.verifyApiKey(a.plainKey);
        expect(limited.code).toBe("RATE_LIMITED");
        expect(limited.ratelimits?.find((l) => l.exceeded)).toMatchObject({ name: "shared", source: "identity" });
        clock.advance(500);
        expect((await keys.verifyApiKey(b.plainKey)).identity?.credits).toBe(0);
        clock.advance(500);
        expect((await keys.verifyApiKey(a.plainKey)).code).toBe("USAGE_EXCEEDED");
        expect(await keys.changeIdentityCredits(identity.id, user, { op: "increment", amount: 1 })).toBe(1);
        expect((await keys.verifyApiKey(a.plainKey)).code).toBe("VALID");
        expect((await keys.getIdentity(identity.id, user)).credits).toEqual({ remaining: 0 });
      });

      it("changes an identity's refill alone, keeping the count its keys share", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const identity = await keys.createIdentity({
          user_id: user,
          external_id: "customer-7",
          credits: { remaining: 3, refill: { interval: "daily", amount: 5 } },
        });
        const key = await keys.createApiKey({ user_id: user, name: "a", identity_id: identity.id });
        expect((await keys.verifyApiKey(key.plainKey)).identity?.credits).toBe(2);
        const monthly = { interval: "monthly", amount: 50 } as const;
        const changed = await keys.updateIdentity(identity.id, user, {
          meta: { plan: "x" },
          credits: { refill: monthly },
        });
        expect(changed).toMatchObject({ meta: { plan: "x" }, credits: { remaining: 2, refill: monthly } });
        clock.advance(24 * HOUR_MS); // no daily refill any more
        expect((await keys.verifyApiKey(key.plainKey)).identity?.credits).toBe(1);
        const bare = await keys.createIdentity({ user_id: user, external_id: "customer-8" });
        await expect(keys.updateIdentity(bare.id, user, { credits: { refill: monthly } })).rejects.toMatchObject({
          code: "INVALID_INPUT",
          issues: [{ field: "credits.remaining" }],
        });
      });

      it("sums an identity's keys' usage per hour, outcomes included, and only its own keys'", async () => {
        const clock = new TestClock("2031-06-01T11:30:00Z");
        const keys = service(clock);
        const user = await fixture.createUser();
        const identity = await keys.createIdentity({ user_id: user, external_id: "customer-11" });
        const a = await keys.createApiKey({ user_id: user, name: "a", identity_id: identity.id, scopes: ["ivr:read"] });
        const b = await keys.createApiKey({ user_id: user, name: "b", identity_id: identity.id });
        const loner = await keys.createApiKey({ user_id: user, name: "loner" });
        await keys.verifyApiKey(a.plainKey);
        clock.advance(HOUR_MS); // 12:30
        await keys.verifyApiKey(a.plainKey, { cost: 2 });
        await keys.verifyApiKey(a.plainKey, { scopes: ["ivr:write"] });
        await keys.verifyApiKey(b.plainKey);
        await keys.verifyApiKey(loner.plainKey);
        const stats = await keys.getIdentityStats(identity.id, user, { from: new Date("2031-06-01T10:00:00Z") });
        expect(stats).toMatchObject({
          identity_id: identity.id,
          external_id: "customer-11",
          total_requests: 4,
          requests_this_hour: 3,
        });
        expect([...stats.key_ids].sort()).toEqual([a.apiKey.id, b.apiKey.id].sort());
        const none = { valid: 0, rate_limited: 0, usage_exceeded: 0, disabled: 0, expired: 0, insufficient_scope: 0 };
        expect(stats.series).toEqual([
          { hour: new Date("2031-06-01T10:00:00Z"), requests: 0, outcomes: none },
          { hour: new Date("2031-06-01T11:00:00Z"), requests: 1, outcomes: { ...none, valid: 1 } },
          {
            hour: new Date("2031-06-01T12:00:00Z"),
            requests: 3,
            outcomes: { ...none, valid: 2, insufficient_scope: 1 },
          },
        ]);
        // Another owner sees no such identity.
        const stranger = await fixture.createUser();
        await expect(keys.getIdentityStats(identity.id, stranger)).rejects.toMatchObject({
          code: "IDENTITY_NOT_FOUND",
        });
        const empty = await keys.createIdentity({ user_id: user, external_id: "customer-12" });
        expect(await keys.getIdentityStats(empty.id, user)).toMatchObject({ key_ids: [], total_requests: 0 });
      });

      it("sums the usage of an identity with more keys than one request reads (101)", async () => {
        const keys = service(new TestClock("2031-06-01T12:00:00Z"));
        const user = await fixture.createUser();
        const identity = await keys.createIdentity({ user_id: user, external_id: "big-customer" });
        const created = [];
        for (let i = 0; i < 101; i++) {
          created.push(await keys.createApiKey({ user_id: user, name: `k${i}`, identity_id: identity.id }));
        }
        // The first and the last key made: whichever order a repository reads them in, they fall in different
        // hundreds.
        await keys.verifyApiKey(created[0]!.plainKey);
        await keys.verifyApiKey(created[100]!.plainKey, { cost: 3 });
        const stats = await keys.getIdentityStats(identity.id, user);
        expect(stats.key_ids).toHaveLength(101);
        expect(stats.requests_this_hour).toBe(4);
        expect(stats.series.at(-1)?.outcomes.valid).toBe(2);
      });

      it("keeps external ids unique per owner, lets a key join only its owner's identity, and frees keys on delete", async () => {
        const keys = service(new TestClock("2031-06-01T12:00:00Z"));
        const owner = await fixture.createUser();
        const stranger = await fixture.createUser();
        const identity = await keys.createIdentity({ user_id: owner, external_id: "acme" });
        await expect(keys.createIdentity({ user_id: owner, external_id: "acme" })).rejects.toMatchObject({
          code: "IDENTITY_EXISTS",
        });
        await keys.createIdentity({ user_id: stranger, external_id: "acme" });
        await expect(
          keys.createApiKey({ user_id: stranger, name: "k", identity_id: identity.id }),
        ).rejects.toMatchObject({ code: "INVALID_INPUT", issues: [{ field: "identity_id" }] });
        await expect(keys.getIdentity(identity.id, stranger)).rejects.toMatchObject({ code: "IDENTITY_NOT_FOUND" });
        const { apiKey, plainKey } = await keys.createApiKey({ user_id: owner, name: "k", identity_id: identity.id });
        expect((await keys.listIdentities(owner)).map((i) => i.external_id)).toEqual(["acme"]);
        await keys.deleteIdentity(identity.id, owner);
        expect((await keys.getApiKey(apiKey.id, owner)).identity_id).toBeNull();
        expect((await keys.verifyApiKey(plainKey)).code).toBe("VALID");
      });

      it("lists identities in external_id order, page by page without gaps or repeats, and finds one by its external id", async () => {
        const keys = service(new TestClock("2031-06-01T12:00:00Z"));
        const owner = await fixture.createUser();
        const stranger = await fixture.createUser();
        // Created out of order: the list is in external_id order, whatever the creation order.
        for (const id of ["c-3", "a-1", "e-5", "b-2", "d-4"])
          await keys.createIdentity({ user_id: owner, external_id: id });
        await keys.createIdentity({ user_id: stranger, external_id: "b-2" });
        const pages: string[][] = [];
        let after: string | undefined;
        do {
          const page = await keys.listIdentities(owner, { limit: 2, after });
          pages.push(page.map((i) => i.external_id));
          after = page.length === 2 ? page[1]!.external_id : undefined;
        } while (after !== undefined);
        expect(pages).toEqual([["a-1", "b-2"], ["c-3", "d-4"], ["e-5"]]);
        expect((await keys.listIdentities(owner)).map((i) => i.external_id)).toEqual([
          "a-1",
          "b-2",
          "c-3",
          "d-4",
          "e-5",
        ]);
        const found = await keys.findIdentityByExternalId(owner, "d-4");
        expect(found).toMatchObject({ external_id: "d-4", user_id: owner });
        expect(await keys.findIdentityByExternalId(owner, "d")).toBeNull(); // exact, not a prefix
        expect(await keys.findIdentityByExternalId(stranger, "d-4")).toBeNull();
        expect((await keys.findIdentityByExternalId(stranger, "b-2"))?.user_id).toBe(stranger);
        await expect(keys.listIdentities(owner, { limit: 0 })).rejects.toMatchObject({
          code: "INVALID_INPUT",
          issues: [{ field: "limit" }],
        });
      });

      it("spends an identity's credits exactly when two processes verify its two keys at once", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const [a, b] = processes(clock, {});
        const user = await fixture.createUser();
        const identity = await a.createIdentity({ user_id: user, external_id: "c", credits: { remaining: 37 } });
        const k1 = await a.createApiKey({ user_id: user, name: "k1", identity_id: identity.id });
        const k2 = await a.createApiKey({ user_id: user, name: "k2", identity_id: identity.id });
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).verifyApiKey((i % 4 < 2 ? k1 : k2).plainKey)),
        );
        expect(results.filter((r) => r.valid)).toHaveLength(37);
        expect((await a.getIdentity(identity.id, user)).credits?.remaining).toBe(0);
      });
    });

    describe("exact under concurrency", () => {
      const modes: [string, BatchingOptions | false][] = [
        ["one statement per verification", false],
        ["micro-batched", {}],
      ];
      for (const [mode, batching] of modes) {
        it(`lets exactly 50 of 500 concurrent verifications from two processes pass a quota of 50 (${mode})`, async () => {
          const clock = new TestClock("2031-06-01T12:00:00Z");
          const [a, b] = processes(clock, batching);
          const user = await fixture.createUser();
          const { apiKey, plainKey } = await a.createApiKey({ user_id: user, name: "k", usage_quota: 50 });
          const results = await Promise.all(
            Array.from({ length: 500 }, (_, i) => (i % 2 ? a : b).verifyApiKey(plainKey)),
          );
          expect(results.filter((r) => r.valid)).toHaveLength(50);
          expect(results.filter((r) => r.code === "USAGE_EXCEEDED")).toHaveLength(450);
          // Each success saw a distinct remaining count: no two requests took the same unit.
          expect(new Set(results.filter((r) => r.valid).map((r) => r.remaining)).size).toBe(50);
          const stats = await a.getApiKeyStats(apiKey.id, user);
          expect(stats).toMatchObject({ total_requests: 50, remaining_quota: 0, requests_this_hour: 50 });
        });

        it(`lets exactly 50 of 500 concurrent verifications from two processes pass a rate limit of 50 (${mode})`, async () => {
          const clock = new TestClock("2031-06-01T12:00:00Z");
          const [a, b] = processes(clock, batching);
          const user = await fixture.createUser();
          const { apiKey, plainKey } = await a.createApiKey({ user_id: user, name: "k", rate_limit: 50 });
          const results = await Promise.all(
            Array.from({ length: 500 }, (_, i) => (i % 2 ? a : b).verifyApiKey(plainKey)),
          );
          expect(results.filter((r) => r.valid)).toHaveLength(50);
          expect(results.filter((r) => r.code === "RATE_LIMITED")).toHaveLength(450);
          expect((await a.getApiKeyStats(apiKey.id, user)).requests_this_hour).toBe(50);
        });
      }

      it("loses no spent credit when the refill changes during concurrent verifications", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const [a, b] = processes(clock, {});
        const user = await fixture.createUser();
        const daily = { interval: "daily", amount: 1000 } as const;
        const { apiKey, plainKey } = await a.createApiKey({
          user_id: user,
          name: "k",
          credits: { remaining: 1000, refill: daily },
        });
        const verifications = Array.from({ length: 300 }, (_, i) => (i % 2 ? a : b).verifyApiKey(plainKey));
        const changes = Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? a : b).updateApiKey(apiKey.id, user, {
            credits: { refill: i % 2 ? daily : { interval: "monthly", amount: 1000 } },
          }),
        );
        const results = await Promise.all(verifications);
        await Promise.all(changes);
        expect(results.filter((r) => r.valid)).toHaveLength(300);
        expect((await a.getApiKey(apiKey.id, user)).credits?.remaining).toBe(700);
      });

      it("stays exact when a micro-batching process and a one-statement process spend one quota at once", async () => {
        // Lone requests and batches may take different paths in an adapter (vx_verify_api_key and
        // vx_verify_api_keys in Postgres): they must still serialise on the same lock.
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const batched = service(clock, {});
        const single = service(clock, false, fixture.peer ?? repo());
        const user = await fixture.createUser();
        // A quota of 400 of 500 keeps both paths counting (not refusing) for most of the run: that is where they race.
        const { apiKey, plainKey } = await batched.createApiKey({ user_id: user, name: "k", usage_quota: 400 });
        const results = await Promise.all(
          Array.from({ length: 500 }, (_, i) => (i % 2 ? batched : single).verifyApiKey(plainKey)),
        );
        expect(results.filter((r) => r.valid)).toHaveLength(400);
        expect(new Set(results.filter((r) => r.valid).map((r) => r.remaining)).size).toBe(400);
        const stats = await batched.getApiKeyStats(apiKey.id, user);
        expect(stats).toMatchObject({ total_requests: 400, remaining_quota: 0, requests_this_hour: 400 });
      });

      it("counts many keys verified at once by two processes exactly, without deadlock", async () => {
        const clock = new TestClock("2031-06-01T12:00:00Z");
        const [a, b] = processes(clock, { maxInFlight: 4, maxBatchSize: 16 });
        const user = await fixture.createUser();
        const created = await Promise.all(
          Array.from({ length: 6 }, (_, i) => a.createApiKey({ user_id: user, name: `k${i}`, usage_quota: 20 })),
        );
        const results = await Promise.all(
          Array.from({ length: 300 }, (_, i) => {
            // Opposite key orders in the two processes: the pattern that deadlocks without a lock order.
            const j = Math.floor(i / 2) % 6;
            const k = created[i % 2 ? j : 5 - j]!;
            return (i % 2 ? a : b).verifyApiKey(k.plainKey);
          }),
        );
        expect(results.filter((r) => r.valid)).toHaveLength(120);
        for (const k of created) expect((await a.getApiKey(k.apiKey.id, user)).usage_count).toBe(20);
      });
    });

    function processes(clock: TestClock, batching: BatchingOptions | false): [ApiKeyService, ApiKeyService] {
      return [service(clock, batching), service(clock, batching, fixture.peer ?? repo())];
    }
  });
}

function replacement(now: Date, graceHours = 0) {
  return {
    key_prefix: "vx_zyxwvut",
    key_hash: uniqueHash(),
    now,
    retire_at: new Date(now.getTime() + graceHours * HOUR_MS),
  };
}

function allTime() {
  return { from: new Date("2000-01-01T00:00:00Z"), to: new Date("2100-01-01T00:00:00Z") };
}
