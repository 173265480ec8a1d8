import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ApiKeyError } from "./errors.js";
import { hashKey, isWellFormedKey } from "./key-format.js";
import type { ApiKeyRepository } from "./repository.js";
import { ApiKeyService } from "./service.js";
import { MemoryApiKeyRepository } from "./testing/memory-repository.js";

const fixedNow = () => new Date("2031-06-01T12:30:00Z");

function setup() {
  const repository = new MemoryApiKeyRepository({ now: fixedNow });
  let verifyCalls = 0;
  const counting: ApiKeyRepository = Object.assign(Object.create(repository), {
    verifyApiKeys: (...args: Parameters<ApiKeyRepository["verifyApiKeys"]>) => {
      verifyCalls++;
      return repository.verifyApiKeys(...args);
    },
  });
  const keys = new ApiKeyService({ repository: counting, now: fixedNow });
  return { repository, keys, verifyCalls: () => verifyCalls };
}

async function invalidFields(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiKeyError);
  expect((error as ApiKeyError).code).toBe("INVALID_INPUT");
  return (error as ApiKeyError).issues.map((i) => i.field);
}

describe("ApiKeyService", () => {
  it("finds keys unused for N days, never-used ones counted from creation, oldest activity first", async () => {
    let now = new Date("2031-01-01T00:00:00Z");
    const repository = new MemoryApiKeyRepository({ now: () => now });
    const keys = new ApiKeyService({ repository, now: () => now, batching: false });
    const user = randomUUID();
    const neverUsed = await keys.createApiKey({ user_id: user, name: "never used" });
    const usedEarly = await keys.createApiKey({ user_id: user, name: "used early" });
    const usedLate = await keys.createApiKey({ user_id: user, name: "used late" });
    now = new Date("2031-01-10T00:00:00Z");
    await keys.validateApiKey(usedEarly.plainKey);
    now = new Date("2031-03-01T00:00:00Z");
    await keys.validateApiKey(usedLate.plainKey);

    now = new Date("2031-03-05T00:00:00Z");
    const unused = await keys.findUnusedApiKeys(user, { unusedForDays: 30 });
    expect(unused.map((k) => k.name)).toEqual(["never used", "used early"]);
    expect(unused[0]!.id).toBe(neverUsed.apiKey.id);
    expect(await keys.findUnusedApiKeys(user, { unusedForDays: 365 })).toEqual([]);
    expect(await keys.findUnusedApiKeys(randomUUID(), { unusedForDays: 1 })).toEqual([]);
    expect(await invalidFields(keys.findUnusedApiKeys(user, { unusedForDays: 0 }))).toEqual(["unused_for_days"]);
  });

  it("finds an identity by the owner's external id, and lists only its keys (unused ones too)", async () => {
    let now = new Date("2031-01-01T00:00:00Z");
    const keys = new ApiKeyService({ repository: new MemoryApiKeyRepository({ now: () => now }), now: () => now });
    const [owner, stranger] = [randomUUID(), randomUUID()];
    const acme = await keys.createIdentity({ user_id: owner, external_id: "acme" });
    await keys.createIdentity({ user_id: stranger, external_id: "globex" });
    expect(await keys.findIdentityByExternalId(owner, "acme")).toMatchObject({ id: acme.id });
    expect(await keys.findIdentityByExternalId(owner, "globex")).toBeNull(); // another owner's
    const a = await keys.createApiKey({ user_id: owner, name: "a", identity_id: acme.id });
    await keys.createApiKey({ user_id: owner, name: "loner" });
    expect((await keys.listApiKeys(owner, { identityId: acme.id })).map((k) => k.id)).toEqual([a.apiKey.id]);
    expect(await keys.listApiKeys(owner)).toHaveLength(2);
    now = new Date("2031-01-03T00:00:00Z");
    expect(await keys.findUnusedApiKeys(owner, { unusedForDays: 1 })).toHaveLength(2);
    const unused = await keys.findUnusedApiKeys(owner, { unusedForDays: 1, identityId: acme.id });
    expect(unused.map((k) => k.name)).toEqual(["a"]);
    expect(await invalidFields(keys.listApiKeys(owner, { identityId: "acme" }))).toEqual(["identity_id"]);
  });

  it("sums an identity's usage key by key when the repository has no getKeysUsageStats (written before it)", async () => {
    const repository = new MemoryApiKeyRepository({ now: fixedNow });
    const older: ApiKeyRepository = Object.assign(Object.create(repository), { getKeysUsageStats: undefined });
    const keys = new ApiKeyService({ repository: older, now: fixedNow, batching: false });
    const user = randomUUID();
    const identity = await keys.createIdentity({ user_id: user, external_id: "acme" });
    for (const name of ["a", "b"]) {
      const { plainKey } = await keys.createApiKey({ user_id: user, name, identity_id: identity.id });
      await keys.verifyApiKey(plainKey, { cost: 2 });
    }
    const stats = await keys.getIdentityStats(identity.id, user);
    expect(stats).toMatchObject({ total_requests: 4, requests_this_hour: 4 });
    expect(stats.series.at(-1)?.outcomes.valid).toBe(2);
  });

  it("returns the plain key once and stores only its SHA-256 hash and 10-character prefix", async () => {
    const { keys, repository } = setup();
    const user = randomUUID();
    const { apiKey, plainKey } = await keys.createApiKey({ user_id: user, name: "  Production  " });
    expect(isWellFormedKey(plainKey)).toBe(true);
    expect(apiKey).toMatchObject({ name: "Production", key_prefix: plainKey.slice(0, 10), user_id: user });
    const stored = await repository.getApiKeyById(apiKey.id);
    expect(stored?.key_hash).toBe(hashKey(plainKey));
    expect(Object.values(stored!)).not.toContain(plainKey);
    expect(JSON.stringify(await keys.listApiKeys(user))).not.toContain(plainKey);
    expect(JSON.stringify(await keys.listApiKeys(user))).not.toContain("key_hash");
  });

  it("draws keys from the injected randomness", async () => {
    const repository = new MemoryApiKeyRepository();
    const randomBytes = (size: number) => new Uint8Array(size).fill(7);
    const keys = new ApiKeyService({ repository, randomBytes, now: fixedNow });
    const { plainKey } = await keys.createApiKey({ user_id: randomUUID(), name: "k" });
    expect(plainKey.slice(0, 35)).toBe(`vx_${"7".repeat(32)}`);
  });

  it("rejects a malformed or mistyped key without asking the repository", async () => {
    const { keys, verifyCalls } = setup();
    const { plainKey } = await keys.createApiKey({ user_id: randomUUID(), name: "k" });
    const typo = `${plainKey.slice(0, 20)}${plainKey[20] === "a" ? "b" : "a"}${plainKey.slice(21)}`;
    for (const bad of [typo, "", "vx_nope", "Bearer x", 42 as unknown as string]) {
      expect(await keys.verifyApiKey(bad)).toEqual({ valid: false, code: "MALFORMED" });
      expect(await keys.validateApiKey(bad)).toBeNull();
    }
    expect(verifyCalls()).toBe(0);
  });

  it("names every bad field of a create request", async () => {
    const { keys } = setup();
    const fields = await invalidFields(
      keys.createApiKey({
        user_id: "not-a-uuid",
        name: " ",
        expires_in_days: 0,
        rate_limit: 0,
        usage_quota: 1.5,
        scopes: ["webhooks:write", "Bad Scope"],
      }),
    );
    expect(fields).toEqual(["user_id", "name", "expires_in_days", "rate_limit", "usage_quota", "scopes[1]"]);
  });

  it("names every bad field of an update and of verify options", async () => {
    const { keys } = setup();
    const user = randomUUID();
    const { apiKey, plainKey } = await keys.createApiKey({ user_id: user, name: "k" });
    const fields = await invalidFields(
      keys.updateApiKey(apiKey.id, user, {
        name: "x".repeat(256),
        rate_limit: -1,
        enabled: "yes" as unknown as boolean,
        expires_at: new Date("nope"),
        expires_in_days: 3,
      }),
    );
    expect(fields).toEqual(["name", "rate_limit", "enabled", "expires_at", "expires_in_days"]);
    expect(await invalidFields(keys.verifyApiKey(plainKey, { scopes: ["webhooks:*"], cost: -1 }))).toEqual([
      "scopes[0]",
      "cost",
    ]);
  });

  it("sets expiry from the injected clock and clears it with null", async () => {
    const { keys } = setup();
    const user = randomUUID();
    const { apiKey } = await keys.createApiKey({ user_id: user, name: "k", expires_in_days: 1 });
    expect(apiKey.expires_at?.toISOString()).toBe("2031-06-02T12:30:00.000Z");
    const later = await keys.updateApiKey(apiKey.id, user, { expires_in_days: 30 });
    expect(later.expires_at?.toISOString()).toBe("2031-07-01T12:30:00.000Z");
    expect((await keys.updateApiKey(apiKey.id, user, { expires_in_days: null })).expires_at).toBeNull();
  });

  it("answers NOT_FOUND for ids that are not UUIDs instead of failing in the database", async () => {
    const { keys } = setup();
    const user = randomUUID();
    await expect(keys.getApiKey("42", user)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(keys.deleteApiKey("42", user)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(keys.updateApiKey("42", user, { name: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("bounds rotation grace periods and stats ranges", async () => {
    const { keys } = setup();
    const user = randomUUID();
    const { apiKey } = await keys.createApiKey({ user_id: user, name: "k" });
    expect(await invalidFields(keys.rotateApiKey(apiKey.id, user, { gracePeriodHours: 721 }))).toEqual([
      "gracePeriodHours",
    ]);
    const from = new Date("2031-06-01T12:00:00Z");
    expect(
      await invalidFields(keys.getApiKeyStats(apiKey.id, user, { from, to: new Date("2031-06-01T11:00:00Z") })),
    ).toEqual(["from"]);
    expect(
      await invalidFields(keys.getApiKeyStats(apiKey.id, user, { from, to: new Date("2031-07-02T12:00:00Z") })),
    ).toEqual(["from"]);
  });

  it("defaults stats to the 24 hours ending with the current one", async () => {
    const { keys } = setup();
    const user = randomUUID();
    const { apiKey } = await keys.createApiKey({ user_id: user, name: "k" });
    const stats = await keys.getApiKeyStats(apiKey.id, user);
    expect(stats.series).toHaveLength(24);
    expect(stats.series[0]!.hour.toISOString()).toBe("2031-05-31T13:00:00.000Z");
    expect(stats.series[23]!.hour.toISOString()).toBe("2031-06-01T12:00:00.000Z");
    expect(stats.remaining_quota).toBeNull();
  });
});
