// /v1/api-keys end to end: key management with a user token, API-key auth on other routes, verify for services.
import { randomUUID } from "node:crypto";
import { describeDatabases } from "@vx/db/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RoutePlugin, requirePrincipal, withUser } from "../src/route-kit.js";
import apiKeyRoutes from "../src/routes/api-keys/index.js";
import ratelimitRoutes from "../src/routes/ratelimits/index.js";
import { createTestApp, type TestApp } from "../src/testing.js";

const START = Date.parse("2030-01-01T12:00:00Z");
let current = START;
const now = () => new Date(current);

/** Routes standing in for the other domains: scopes by convention (ivr) and by route config (custom). */
const probeRoutes: RoutePlugin = async (app) => {
  const whoAmI = async (request: Parameters<typeof requirePrincipal>[0]) => {
    const principal = requirePrincipal(request);
    const uid = await withUser(
      request,
      async (tx) => (await tx.query<{ uid: string }>("SELECT auth.uid() AS uid")).rows[0]!.uid,
    );
    return { user_id: principal.userId, auth: principal.auth, key_id: principal.keyId ?? null, db_uid: uid };
  };
  app.get("/ivr/probe", { preHandler: app.requireUser }, whoAmI);
  app.post("/ivr/probe", { preHandler: app.requireUser }, whoAmI);
  app.get("/custom/probe", { preHandler: app.requireUser, config: { apiKeyScopes: ["events:write"] } }, whoAmI);
  app.get("/other/probe", { preHandler: app.requireUser }, whoAmI);
};

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describeDatabases("/v1/api-keys", ({ db }) => {
  let t: TestApp;
  let userHeaders: (userId: string) => Promise<{ authorization: string }>;

  beforeAll(async () => {
    t = await createTestApp({
      db: db(),
      now,
      routes: [apiKeyRoutes, ratelimitRoutes, probeRoutes],
      // Refusals below are deliberate: keep the per-IP failed-auth limiter out of the way.
      config: { rateLimit: { max: 100_000, windowMs: 60_000 } },
    });
    userHeaders = async (userId) => bearer(await t.token(userId, { expiresIn: "30d" }));
  });
  afterAll(async () => {
    await t.app.close();
  });
  beforeEach(() => {
    current = START;
  });

  async function createKey(userId: string, body: Record<string, unknown> = {}) {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: await userHeaders(userId),
      payload: { name: "test key", scopes: ["*"], ...body },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { api_key: { id: string } & Record<string, unknown>; plain_key: string };
  }

  it("follows the README: create a key with a user token, call a route with it, see it counted, revoke it, see 401", async () => {
    const alice = randomUUID();
    const created = await t.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers: await userHeaders(alice),
      payload: { name: "CI", rate_limit: 100, usage_quota: 1000, scopes: ["ivr:read"] },
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers["cache-control"]).toBe("no-store");
    const { api_key, plain_key } = created.json();
    expect(plain_key).toMatch(/^vx_[0-9A-Za-z]{38}$/);
    expect(api_key).toMatchObject({ user_id: alice, name: "CI", key_prefix: plain_key.slice(0, 10), usage_count: 0 });

    const call = await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(plain_key) });
    expect(call.statusCode).toBe(200);
    expect(call.json()).toEqual({ user_id: alice, auth: "api_key", key_id: api_key.id, db_uid: alice });
    expect(call.headers["ratelimit-limit"]).toBe("100");
    expect(call.headers["ratelimit-remaining"]).toBe("99");
    expect(call.headers["ratelimit-reset"]).toBe("3600");

    const stats = await t.app.inject({ url: `/v1/api-keys/${api_key.id}/stats`, headers: await userHeaders(alice) });
    expect(stats.json()).toMatchObject({ total_requests: 1, remaining_quota: 999, requests_this_hour: 1 });
    expect(stats.json().series.at(-1)).toEqual({
      hour: "2030-01-01T12:00:00.000Z",
      requests: 1,
      outcomes: { valid: 1, rate_limited: 0, usage_exceeded: 0, disabled: 0, expired: 0, insufficient_scope: 0 },
    });

    const revoked = await t.app.inject({
      method: "POST",
      url: `/v1/api-keys/${api_key.id}/revoke`,
      headers: await userHeaders(alice),
    });
    expect(revoked.json().enabled).toBe(false);
    const refused = await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(plain_key) });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({ status: 401, code: "api_key_disabled" });
  });

  it("lists only the keys unused for N days with ?unused_for_days=N, and refuses a bad N with the field", async () => {
    const alice = randomUUID();
    const idle = await createKey(alice, { name: "idle" });
    const busy = await createKey(alice, { name: "busy" });
    current = START + 40 * 86_400_000;
    expect((await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(busy.plain_key) })).statusCode).toBe(200);
    const res = await t.app.inject({ url: "/v1/api-keys?unused_for_days=30", headers: await userHeaders(alice) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.map((k: { id: string }) => k.id)).toEqual([idle.api_key.id]);
    const bad = await t.app.inject({ url: "/v1/api-keys?unused_for_days=0", headers: await userHeaders(alice) });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().errors)).toContain("unused_for_days");
  });

  it("accepts the key in X-API-Key as well, and answers /v1/me with the key's owner", async () => {
    const alice = randomUUID();
    const { api_key, plain_key } = await createKey(alice, { scopes: ["ivr:read"] });
    const res = await t.app.inject({ url: "/v1/me", headers: { "x-api-key": plain_key } });
    expect(res.json()).toEqual({
      user_id: alice,
      role: "authenticated",
      auth: "api_key",
      key_id: api_key.id,
      scopes: ["ivr:read"],
    });
  });

  it("never shows key_hash, and shows the plain key only when creating or rotating", async () => {
    const alice = randomUUID();
    const { api_key, plain_key } = await createKey(alice);
    const headers = await userHeaders(alice);
    const bodies = [
      (await t.app.inject({ url: "/v1/api-keys", headers })).body,
      (await t.app.inject({ url: `/v1/api-keys/${api_key.id}`, headers })).body,
      (await t.app.inject({ method: "PATCH", url: `/v1/api-keys/${api_key.id}`, headers, payload: { name: "x" } }))
        .body,
      (await t.app.inject({ url: `/v1/api-keys/${api_key.id}/stats`, headers })).body,
      (await t.app.inject({ method: "POST", url: `/v1/api-keys/${api_key.id}/revoke`, headers })).body,
    ];
    for (const body of bodies) {
      expect(body).not.toContain("key_hash");
      expect(body).not.toContain(plain_key);
    }
    const rotated = await t.app.inject({ method: "POST", url: `/v1/api-keys/${api_key.id}/rotate`, headers });
    expect(rotated.statusCode).toBe(201);
    expect(rotated.body).not.toContain("key_hash");
    expect(rotated.json().plain_key).toMatch(/^vx_/);
  });

  it("lets a user list, read, change and delete only their own keys", async () => {
    const alice = randomUUID();
    const bob = randomUUID();
    const { api_key } = await createKey(alice, { rate_limit: 5 });
    const asAlice = await userHeaders(alice);
    const asBob = await userHeaders(bob);
    const url = `/v1/api-keys/${api_key.id}`;

    expect(
      (await t.app.inject({ url: "/v1/api-keys", headers: asAlice })).json().data.map((k: { id: string }) => k.id),
    ).toEqual([api_key.id]);
    expect((await t.app.inject({ url: "/v1/api-keys", headers: asBob })).json()).toEqual({
      data: [],
      next_cursor: null,
    });
    for (const [method, path] of [
      ["GET", url],
      ["PATCH", url],
      ["DELETE", url],
      ["POST", `${url}/revoke`],
      ["POST", `${url}/rotate`],
      ["GET", `${url}/stats`],
    ] as const) {
      const res = await t.app.inject({
        method,
        url: path,
        headers: asBob,
        ...(method === "PATCH" ? { payload: {} } : {}),
      });
      expect(res.statusCode, `${method} ${path}`).toBe(404);
      expect(res.json().code).toBe("api_key_not_found");
    }

    const patched = await t.app.inject({
      method: "PATCH",
      url,
      headers: asAlice,
      payload: { name: "renamed", rate_limit: null, expires_at: "2030-02-01T00:00:00Z", scopes: ["webhooks:*"] },
    });
    expect(patched.json()).toMatchObject({
      name: "renamed",
      rate_limit: null,
      expires_at: "2030-02-01T00:00:00.000Z",
      scopes: ["webhooks:*"],
    });
    const deleted = await t.app.inject({ method: "DELETE", url, headers: asAlice });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe("");
    expect((await t.app.inject({ url, headers: asAlice })).statusCode).toBe(404);
  });

  it("pages the key list newest first with limit and cursor", async () => {
    const alice = randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      current = START + i * 1000;
      ids.unshift((await createKey(alice, { name: `k${i}` })).api_key.id);
    }
    const headers = await userHeaders(alice);
    const first = (await t.app.inject({ url: "/v1/api-keys?limit=2", headers })).json();
    expect(first.data.map((k: { id: string }) => k.id)).toEqual(ids.slice(0, 2));
    const second = (await t.app.inject({ url: `/v1/api-keys?limit=2&cursor=${first.next_cursor}`, headers })).json();
    expect(second).toMatchObject({ next_cursor: null });
    expect(second.data.map((k: { id: string }) => k.id)).toEqual(ids.slice(2));
    // A cursor is the exact position the API gave: a millisecond date (which would skip keys) is refused.
    // Year 0000 is a date to JS and none to Postgres.
    for (const created_at of [new Date(START).toISOString(), "0000-01-01T00:00:00.000000Z"]) {
      const forged = Buffer.from(JSON.stringify({ created_at, id: ids[0] })).toString("base64url");
      const refused = await t.app.inject({ url: `/v1/api-keys?cursor=${forged}`, headers });
      expect(refused.statusCode, created_at).toBe(400);
      expect(refused.json(), created_at).toMatchObject({ code: "invalid_cursor" });
    }
  });

  it("names each bad field of a request", async () => {
    const headers = await userHeaders(randomUUID());
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/api-keys",
      headers,
      payload: { name: "", rate_limit: 0, scopes: ["Bad Scope"], usage_count: 5 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe("validation_failed");
    const fields = res.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["body.name", "body.rate_limit", "body.scopes.0"]));
    const bad = await t.app.inject({ url: `/v1/api-keys/${randomUUID()}/stats?from=yesterday`, headers });
    expect(bad.statusCode).toBe(400);
    expect((await t.app.inject({ url: "/v1/api-keys/not-a-uuid", headers })).statusCode).toBe(400);
  });

  it("keeps a rotated key working through its grace period, then refuses it as expired", async () => {
    const alice = randomUUID();
    const { api_key, plain_key } = await createKey(alice, { scopes: ["ivr:read"] });
    const rotated = await t.app.inject({
      method: "POST",
      url: `/v1/api-keys/${api_key.id}/rotate`,
      headers: await userHeaders(alice),
      payload: { grace_period_hours: 2 },
    });
    const { api_key: replacement, plain_key: newKey, previous } = rotated.json();
    expect(replacement).toMatchObject({ name: "test key", scopes: ["ivr:read"] });
    expect(previous.expires_at).toBe("2030-01-01T14:00:00.000Z");
    expect((await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(plain_key) })).statusCode).toBe(200);
    current = START + 2 * 3_600_000;
    const old = await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(plain_key) });
    expect(old.statusCode).toBe(401);
    expect(old.json().code).toBe("api_key_expired");
    expect((await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(newKey) })).statusCode).toBe(200);
  });

  it("refuses API keys on the key management routes", async () => {
    const { plain_key } = await createKey(randomUUID());
    for (const headers of [bearer(plain_key), { "x-api-key": plain_key }]) {
      const res = await t.app.inject({ method: "POST", url: "/v1/api-keys", headers, payload: { name: "more" } });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe("api_key_not_allowed");
    }
  });

  it("answers 401 problems for malformed, unknown and expired keys", async () => {
    const alice = randomUUID();
    const { api_key, plain_key } = await createKey(alice);
    const typo = `${plain_key.slice(0, 12)}${plain_key[12] === "A" ? "B" : "A"}${plain_key.slice(13)}`;
    const deleted = await createKey(alice);
    const unknown = deleted.plain_key;
    await t.app.inject({
      method: "DELETE",
      url: `/v1/api-keys/${deleted.api_key.id}`,
      headers: await userHeaders(alice),
    });
    await t.app.inject({
      method: "PATCH",
      url: `/v1/api-keys/${api_key.id}`,
      headers: await userHeaders(alice),
      payload: { expires_at: "2030-01-01T11:00:00Z" },
    });
    for (const [key, code] of [
      [typo, "api_key_malformed"],
      ["vx_short", "api_key_malformed"],
      [unknown, "api_key_unknown"],
      [plain_key, "api_key_expired"],
    ] as const) {
      const res = await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(key) });
      expect(res.statusCode, code).toBe(401);
      expect(res.json()).toMatchObject({ code, type: `urn:vx:problem:${code}` });
    }
  });

  it("holds keys to their scopes (by path convention or route config) without spending quota on refusals", async () => {
    const alice = randomUUID();
    const { api_key, plain_key } = await createKey(alice, { scopes: ["ivr:read"], usage_quota: 10 });
    const write = await t.app.inject({ method: "POST", url: "/v1/ivr/probe", headers: bearer(plain_key) });
    expect(write.statusCode).toBe(403);
    expect(write.json().code).toBe("insufficient_scope");
    expect((await t.app.inject({ url: "/v1/custom/probe", headers: bearer(plain_key) })).statusCode).toBe(403);
    expect((await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(plain_key) })).statusCode).toBe(200);
    const stats = await t.app.inject({ url: `/v1/api-keys/${api_key.id}/stats`, headers: await userHeaders(alice) });
    expect(stats.json()).toMatchObject({ total_requests: 1, remaining_quota: 9 });
    const events = await createKey(alice, { scopes: ["events:*"] });
    expect((await t.app.inject({ url: "/v1/custom/probe", headers: bearer(events.plain_key) })).statusCode).toBe(200);
    // Outside the conventional resources the route's own guard decides; verification requires no scope.
    expect((await t.app.inject({ url: "/v1/other/probe", headers: bearer(events.plain_key) })).statusCode).toBe(200);
  });

  it("answers 429 rate_limited with Retry-After, and 429 usage_exceeded once the quota is spent", async () => {
    const alice = randomUUID();
    current = START + 30 * 60_000;
    const limited = await createKey(alice, { rate_limit: 1 });
    expect((await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(limited.plain_key) })).statusCode).toBe(200);
    const refused = await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(limited.plain_key) });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe("rate_limited");
    expect(refused.headers["retry-after"]).toBe("1800");
    expect(refused.headers["ratelimit-remaining"]).toBe("0");
    expect(refused.headers["ratelimit-reset"]).toBe("1800");

    const quota = await createKey(alice, { usage_quota: 1 });
    await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(quota.plain_key) });
    const spent = await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(quota.plain_key) });
    expect(spent.statusCode).toBe(429);
    expect(spent.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(spent.json().code).toBe("usage_exceeded");
    expect(spent.json().detail).toContain("raise usage_quota or use another key");
    // A back-off hint to the next hour boundary; the key has no rate limit, so no RateLimit-* headers.
    expect(spent.headers["retry-after"]).toBe("1800");
    expect(spent.headers["ratelimit-reset"]).toBeUndefined();
  });

  it("never answers Retry-After: 0 at the hour's edge, and lets an owner's raised quota work after it", async () => {
    const alice = randomUUID();
    current = Date.parse("2030-01-01T12:59:59.800Z");
    const { api_key, plain_key } = await createKey(alice, { usage_quota: 1, rate_limit: 5 });
    await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(plain_key) });
    const spent = await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(plain_key) });
    expect(spent.json().code).toBe("usage_exceeded");
    expect(spent.headers["retry-after"]).toBe("1");
    expect(spent.headers["ratelimit-reset"]).toBe("1");

    const raised = await t.app.inject({
      method: "PATCH",
      url: `/v1/api-keys/${api_key.id}`,
      headers: await userHeaders(alice),
      payload: { usage_quota: 2 },
    });
    expect(raised.statusCode).toBe(200);
    current = Date.parse("2030-01-01T13:00:00Z");
    expect((await t.app.inject({ url: "/v1/ivr/probe", headers: bearer(plain_key) })).statusCode).toBe(200);
  });

  it("checks a key on an unknown route without counting it", async () => {
    const alice = randomUUID();
    const { api_key, plain_key } = await createKey(alice);
    expect((await t.app.inject({ url: "/v1/nothing-here", headers: bearer(plain_key) })).statusCode).toBe(404);
    const stats = await t.app.inject({ url: `/v1/api-keys/${api_key.id}`, headers: await userHeaders(alice) });
    expect(stats.json().usage_count).toBe(0);
  });

  describe("POST /v1/api-keys/verify", () => {
    it("needs a service-role token", async () => {
      const { plain_key } = await createKey(randomUUID());
      const payload = { key: plain_key };
      const anonymous = await t.app.inject({ method: "POST", url: "/v1/api-keys/verify", payload });
      expect(anonymous.statusCode).toBe(401);
      const user = await t.app.inject({
        method: "POST",
        url: "/v1/api-keys/verify",
        payload,
        headers: await userHeaders(randomUUID()),
      });
      expect(user.statusCode).toBe(403);
    });

    it("answers 200 with the verdict and counts valid verifications", async () => {
      const alice = randomUUID();
      const { api_key, plain_key } = await createKey(alice, { scopes: ["webhooks:*"], rate_limit: 10, usage_quota: 5 });
      const service = bearer(await t.token(randomUUID(), { role: "service_role" }));
      const verify = (payload: Record<string, unknown>) =>
        t.app.inject({ method: "POST", url: "/v1/api-keys/verify", headers: service, payload });

      const ok = await verify({ key: plain_key, scopes: ["webhooks:write"], cost: 2 });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({
        valid: true,
        code: "VALID",
        key: { id: api_key.id, user_id: alice, usage_count: 2 },
        remaining: 3,
        ratelimit: { limit: 10, remaining: 8, reset: Date.parse("2030-01-01T13:00:00Z") },
      });
      expect(ok.body).not.toContain("key_hash");
      expect((await verify({ key: plain_key, scopes: ["ivr:read"] })).json()).toMatchObject({
        valid: false,
        code: "INSUFFICIENT_SCOPE",
      });
      expect((await verify({ key: "not a key" })).json()).toEqual({ valid: false, code: "MALFORMED" });
      expect((await verify({ key: plain_key, scopes: ["webhooks:*"] })).statusCode).toBe(400);
      expect(ok.json()).not.toHaveProperty("retry_at");
    });

    it("stays 200 when the quota is spent, with the code and the next hour as retry_at", async () => {
      const { plain_key } = await createKey(randomUUID(), { usage_quota: 1 });
      const service = bearer(await t.token(randomUUID(), { role: "service_role" }));
      const verify = () =>
        t.app.inject({ method: "POST", url: "/v1/api-keys/verify", headers: service, payload: { key: plain_key } });
      expect((await verify()).json()).toMatchObject({ valid: true, code: "VALID" });
      const spent = await verify();
      expect(spent.statusCode).toBe(200);
      expect(spent.headers["retry-after"]).toBeUndefined();
      expect(spent.json()).toMatchObject({
        valid: false,
        code: "USAGE_EXCEEDED",
        remaining: 0,
        retry_at: Date.parse("2030-01-01T13:00:00Z"),
      });
    });
  });

  describe("named limits, credits and meta", () => {
    it("refuses a burst over a named per-second limit with 429 naming it, reporting the most restrictive limit", async () => {
      const { plain_key } = await createKey(randomUUID(), {
        rate_limit: 100,
        ratelimits: [{ name: "burst", limit: 2, duration_ms: 1000, auto_apply: true }],
      });
      const call = () => t.app.inject({ url: "/v1/ivr/probe", headers: bearer(plain_key) });
      const first = await call();
      expect(first.statusCode).toBe(200);
      expect(first.headers).toMatchObject({
        "ratelimit-limit": "2",
        "ratelimit-remaining": "1",
        "ratelimit-reset": "1",
      });
      expect((await call()).headers["ratelimit-remaining"]).toBe("0");
      const refused = await call();
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ code: "rate_limited" });
      expect(refused.json().detail).toContain('"burst"');
      expect(refused.headers["retry-after"]).toBe("1");
      current += 500;
      expect((await call()).statusCode).toBe(200);
    });

    it("sets, increments and decrements credits, and verification returns them with meta and every limit", async () => {
      const alice = randomUUID();
      const { api_key, plain_key } = await createKey(alice, {
        meta: { plan: "pro" },
        credits: { remaining: 1, refill: { interval: "monthly", amount: 50, refill_day: 15 } },
        ratelimits: [{ name: "tokens", limit: 100, duration_ms: 60_000 }],
      });
      expect(api_key).toMatchObject({
        meta: { plan: "pro" },
        credits: { remaining: 1, refill: { interval: "monthly", amount: 50, refill_day: 15 } },
        ratelimits: [{ name: "tokens", limit: 100, duration_ms: 60_000, auto_apply: false }],
        identity_id: null,
      });
      const headers = await userHeaders(alice);
      const change = (payload: Record<string, unknown>) =>
        t.app.inject({ method: "POST", url: `/v1/api-keys/${api_key.id}/credits`, headers, payload });
      expect((await change({ op: "increment", amount: 4 })).json()).toEqual({ remaining: 5 });
      expect((await change({ op: "decrement", amount: 2 })).json()).toEqual({ remaining: 3 });
      expect((await change({ op: "add", amount: 2 })).statusCode).toBe(400);
      const service = bearer(await t.token(randomUUID(), { role: "service_role" }));
      const verified = await t.app.inject({
        method: "POST",
        url: "/v1/api-keys/verify",
        headers: service,
        payload: { key: plain_key, cost: 3, ratelimits: [{ name: "tokens", cost: 40 }] },
      });
      expect(verified.json()).toMatchObject({
        valid: true,
        credits: 0,
        meta: { plan: "pro" },
        ratelimit: { limit: 100, remaining: 60 },
        ratelimits: [{ name: "tokens", source: "key", remaining: 60, exceeded: false }],
      });
      const spent = await t.app.inject({
        method: "POST",
        url: "/v1/api-keys/verify",
        headers: service,
        payload: { key: plain_key },
      });
      expect(spent.json()).toMatchObject({ code: "USAGE_EXCEEDED", retry_at: Date.parse("2030-01-15T00:00:00Z") });
    });

    it("manages identities whose credits all their keys share, 409 on a taken external_id", async () => {
      const alice = randomUUID();
      const headers = await userHeaders(alice);
      const created = await t.app.inject({
        method: "POST",
        url: "/v1/identities",
        headers,
        payload: { external_id: "acme", meta: { tier: "gold" }, credits: { remaining: 1 } },
      });
      expect(created.statusCode, created.body).toBe(201);
      const identity = created.json();
      const again = await t.app.inject({
        method: "POST",
        url: "/v1/identities",
        headers,
        payload: { external_id: "acme" },
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe("identity_exists");
      const first = await createKey(alice, { identity_id: identity.id });
      const second = await createKey(alice, { identity_id: identity.id });
      const call = (key: string) => t.app.inject({ url: "/v1/ivr/probe", headers: bearer(key) });
      expect((await call(first.plain_key)).statusCode).toBe(200);
      expect((await call(second.plain_key)).statusCode).toBe(429);
      const topUp = await t.app.inject({
        method: "POST",
        url: `/v1/identities/${identity.id}/credits`,
        headers,
        payload: { op: "set", amount: 5 },
      });
      expect(topUp.json()).toEqual({ remaining: 5 });
      expect((await call(second.plain_key)).statusCode).toBe(200);
      const listed = await t.app.inject({ url: "/v1/identities", headers });
      expect(listed.json()).toMatchObject({
        data: [{ external_id: "acme", credits: { remaining: 4 } }],
        next_cursor: null,
      });
      // Found by the customer's own id, and its keys listed (a key of no identity is left out).
      const loner = await createKey(alice);
      const found = await t.app.inject({ url: "/v1/identities?external_id=acme", headers });
      expect(found.json()).toMatchObject({ data: [{ id: identity.id, external_id: "acme" }], next_cursor: null });
      expect((await t.app.inject({ url: "/v1/identities?external_id=globex", headers })).json()).toEqual({
        data: [],
        next_cursor: null,
      });
      const its = await t.app.inject({ url: `/v1/api-keys?identity_id=${identity.id}`, headers });
      expect(
        its
          .json()
          .data.map((k: { id: string }) => k.id)
          .sort(),
      ).toEqual([first.api_key.id, second.api_key.id].sort());
      expect(
        (await t.app.inject({ url: "/v1/api-keys", headers })).json().data.map((k: { id: string }) => k.id),
      ).toContain(loner.api_key.id);
      const bad = await t.app.inject({ url: "/v1/api-keys?identity_id=acme", headers });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors).toEqual([expect.objectContaining({ field: "querystring.identity_id" })]);
      // Its usage: both keys' verifications summed by outcome (first valid, second refused then valid after the
      // top-up), the loner's left out.
      const stats = await t.app.inject({ url: `/v1/identities/${identity.id}/stats`, headers });
      expect(stats.statusCode, stats.body).toBe(200);
      expect(stats.json()).toMatchObject({ identity_id: identity.id, external_id: "acme", total_requests: 2 });
      expect(stats.json().key_ids.sort()).toEqual([first.api_key.id, second.api_key.id].sort());
      expect(stats.json().series.at(-1)).toMatchObject({ requests: 2, outcomes: { valid: 2, usage_exceeded: 1 } });
      const wrongRange = await t.app.inject({
        url: `/v1/identities/${identity.id}/stats?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z`,
        headers,
      });
      expect(wrongRange.statusCode).toBe(400);
      expect(wrongRange.json().errors).toEqual([expect.objectContaining({ field: "query.from" })]);
      const strangers = await t.app.inject({
        url: `/v1/identities/${identity.id}/stats`,
        headers: await userHeaders(randomUUID()),
      });
      expect(strangers.json().code).toBe("identity_not_found");
      const stranger = await userHeaders(randomUUID());
      expect((await t.app.inject({ url: `/v1/identities/${identity.id}`, headers: stranger })).statusCode).toBe(404);
      const del = await t.app.inject({ method: "DELETE", url: `/v1/identities/${identity.id}`, headers });
      expect(del.statusCode).toBe(204);
    });

    it("limits anything through POST /v1/ratelimits/limit, with overrides, for user tokens and scoped API keys", async () => {
      const alice = randomUUID();
      const headers = await userHeaders(alice);
      const limit = (h: Record<string, string>, payload: Record<string, unknown> = {}) =>
        t.app.inject({
          method: "POST",
          url: "/v1/ratelimits/limit",
          headers: h,
          payload: { namespace: "login", identifier: "10.0.0.1", limit: 2, duration_ms: 60_000, ...payload },
        });
      expect((await limit(headers)).json()).toMatchObject({ success: true, remaining: 1, overridden: false });
      expect((await limit(headers)).json()).toMatchObject({ success: true, remaining: 0 });
      expect((await limit(headers)).json()).toMatchObject({ success: false, retry_at: START + 30_000 });
      const zero = await limit(headers, { duration_ms: 0 });
      expect(zero.statusCode).toBe(400);
      expect(zero.json().errors.map((e: { field: string }) => e.field)).toContain("body.duration_ms");
      const blank = await limit(headers, { namespace: "   " });
      expect(blank.statusCode).toBe(400);
      expect(blank.json().errors).toContainEqual(
        expect.objectContaining({ field: "body.namespace", message: expect.stringContaining("whitespace") }),
      );
      const set = await t.app.inject({
        method: "PUT",
        url: "/v1/ratelimits/overrides",
        headers,
        payload: { namespace: "login", identifier: "10.0.0.1", limit: 5, duration_ms: 60_000 },
      });
      expect(set.json()).toEqual({ namespace: "login", identifier: "10.0.0.1", limit: 5, duration_ms: 60_000 });
      // The window stays as used as it was (full): one unit of the new 5/min limit drips back every 12 s.
      expect((await limit(headers)).json()).toMatchObject({ success: false, limit: 5, overridden: true });
      current += 12_000;
      expect((await limit(headers)).json()).toMatchObject({ success: true, limit: 5, overridden: true });
      current += 12_000;
      const narrow = await createKey(alice, { scopes: ["ivr:read"] });
      expect((await limit(bearer(narrow.plain_key))).statusCode).toBe(403);
      const wide = await createKey(alice, { scopes: ["ratelimits:write"] });
      expect((await limit(bearer(wide.plain_key))).json()).toMatchObject({ success: true, limit: 5 });
      const removed = await t.app.inject({
        method: "DELETE",
        url: "/v1/ratelimits/overrides?namespace=login&identifier=10.0.0.1",
        headers,
      });
      expect(removed.statusCode).toBe(204);
      expect((await t.app.inject({ url: "/v1/ratelimits/overrides", headers })).json()).toEqual({
        data: [],
        next_cursor: null,
      });
    });

    it("pages identities and rate-limit overrides like every list: ?limit, ?cursor, next_cursor", async () => {
      const headers = await userHeaders(randomUUID());
      const walk = async (path: string, name: (row: Record<string, string>) => string) => {
        const seen: string[][] = [];
        let cursor: string | null = null;
        do {
          const url = `${path}${path.includes("?") ? "&" : "?"}limit=2${cursor ? `&cursor=${cursor}` : ""}`;
          const response = await t.app.inject({ url, headers });
          expect(response.statusCode, url).toBe(200);
          const body = response.json() as { data: Record<string, string>[]; next_cursor: string | null };
          seen.push(body.data.map(name));
          cursor = body.next_cursor;
        } while (cursor);
        return seen;
      };
      for (const external_id of ["globex", "acme", "initech"]) {
        await t.app.inject({ method: "POST", url: "/v1/identities", headers, payload: { external_id } });
      }
      expect(await walk("/v1/identities", (i) => i.external_id!)).toEqual([["acme", "globex"], ["initech"]]);
      for (const [namespace, identifier] of [
        ["sms", "+15550001"],
        ["login", "10.0.0.2"],
        ["login", "10.0.0.1"],
      ]) {
        const payload = { namespace, identifier, limit: 5, duration_ms: 60_000 };
        await t.app.inject({ method: "PUT", url: "/v1/ratelimits/overrides", headers, payload });
      }
      const override = (o: Record<string, string>) => `${o.namespace} ${o.identifier}`;
      expect(await walk("/v1/ratelimits/overrides", override)).toEqual([
        ["login 10.0.0.1", "login 10.0.0.2"],
        ["sms +15550001"],
      ]);
      expect(await walk("/v1/ratelimits/overrides?namespace=login", override)).toEqual([
        ["login 10.0.0.1", "login 10.0.0.2"],
      ]);
      for (const path of ["/v1/identities", "/v1/ratelimits/overrides"]) {
        const tampered = await t.app.inject({ url: `${path}?cursor=bm90LWEtY3Vyc29y`, headers });
        expect(tampered.statusCode, path).toBe(400);
        expect(tampered.json()).toMatchObject({ code: "invalid_cursor" });
        const tooMany = await t.app.inject({ url: `${path}?limit=101`, headers });
        expect(tooMany.statusCode, path).toBe(400);
        expect(tooMany.json().errors.map((e: { field: string }) => e.field)).toContain("querystring.limit");
      }
    });

    it("changes a key's or an identity's refill alone with PATCH, keeping the credits left", async () => {
      const alice = randomUUID();
      const headers = await userHeaders(alice);
      const { api_key } = await createKey(alice, {
        credits: { remaining: 7, refill: { interval: "daily", amount: 9 } },
      });
      const patch = (url: string, payload: Record<string, unknown>) =>
        t.app.inject({ method: "PATCH", url, headers, payload });
      const monthly = { interval: "monthly", amount: 500, refill_day: 3 };
      const changed = await patch(`/v1/api-keys/${api_key.id}`, { credits: { refill: monthly } });
      expect(changed.statusCode).toBe(200);
      expect(changed.json().credits).toEqual({ remaining: 7, refill: monthly });
      const stopped = await patch(`/v1/api-keys/${api_key.id}`, { name: "no refill", credits: { refill: null } });
      expect(stopped.json()).toMatchObject({ name: "no refill", credits: { remaining: 7 } });
      expect(stopped.json().credits.refill).toBeUndefined();
      // A count with `refill: null` replaces the credits whole, without a refill.
      const whole = await patch(`/v1/api-keys/${api_key.id}`, { credits: { remaining: 2, refill: null } });
      expect(whole.json().credits).toEqual({ remaining: 2 });
      // Neither field, or a refill alone for credits that do not exist: 400 naming the field, nothing changed.
      const empty = await patch(`/v1/api-keys/${api_key.id}`, { credits: {} });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().errors.map((e: { field: string }) => e.field)).toContain("body.credits.remaining");
      const bare = (await createKey(alice, {})).api_key;
      const refused = await patch(`/v1/api-keys/${bare.id}`, { name: "x", credits: { refill: monthly } });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().errors.map((e: { field: string }) => e.field)).toContain("body.credits.remaining");
      expect((await t.app.inject({ url: `/v1/api-keys/${bare.id}`, headers })).json()).toMatchObject({
        name: bare.name,
        credits: null,
      });
      const identity = await t.app.inject({
        method: "POST",
        url: "/v1/identities",
        headers,
        payload: { external_id: "acme", credits: { remaining: 4, refill: { interval: "daily", amount: 4 } } },
      });
      const moved = await patch(`/v1/identities/${identity.json().id}`, { credits: { refill: monthly } });
      expect(moved.statusCode).toBe(200);
      expect(moved.json().credits).toEqual({ remaining: 4, refill: monthly });
    });

    it("names a bad limit, window, refill, meta or duplicate limit name with 400", async () => {
      const headers = await userHeaders(randomUUID());
      const create = (payload: Record<string, unknown>) =>
        t.app.inject({ method: "POST", url: "/v1/api-keys", headers, payload: { name: "k", ...payload } });
      const cases: [Record<string, unknown>, string][] = [
        [{ ratelimits: [{ name: "a", limit: -1, duration_ms: 1000 }] }, "body.ratelimits.0.limit"],
        [{ ratelimits: [{ name: "a", limit: 1, duration_ms: 0 }] }, "body.ratelimits.0.duration_ms"],
        [{ ratelimits: [{ name: "a", limit: 1, duration_ms: 2_592_000_001 }] }, "body.ratelimits.0.duration_ms"],
        [{ credits: { remaining: 1, refill: { interval: "weekly", amount: 1 } } }, "body.credits.refill.interval"],
        [{ meta: { big: "x".repeat(5000) } }, "body.meta"],
        [
          {
            ratelimits: [
              { name: "a", limit: 1, duration_ms: 1000 },
              { name: "a", limit: 2, duration_ms: 1000 },
            ],
          },
          "body.ratelimits[1].name",
        ],
      ];
      for (const [payload, field] of cases) {
        const res = await create(payload);
        expect(res.statusCode, field).toBe(400);
        expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      }
    });
  });
});

describeDatabases("API-key auth across two API instances", ({ db }) => {
  it("lets exactly 20 of 100 concurrent requests through two apps pass a quota of 20, and sees a revocation at once", async () => {
    const config = { rateLimit: { max: 100_000, windowMs: 60_000 } };
    const a = await createTestApp({ db: db(), routes: [apiKeyRoutes, probeRoutes], config });
    const b = await createTestApp({ db: db(), routes: [apiKeyRoutes, probeRoutes], config });
    try {
      const alice = randomUUID();
      const created = await a.app.inject({
        method: "POST",
        url: "/v1/api-keys",
        headers: await a.authHeaders(alice),
        payload: { name: "shared", usage_quota: 20, scopes: ["ivr:read"] },
      });
      const { plain_key } = created.json();
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          (i % 2 ? a : b).app.inject({ url: "/v1/ivr/probe", headers: bearer(plain_key) }),
        ),
      );
      const statuses = responses.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(20);
      expect(statuses.filter((s) => s === 429)).toHaveLength(80);

      // Revoked through one instance, refused by the other on its very next request: nothing is cached.
      const other = await a.app.inject({
        method: "POST",
        url: "/v1/api-keys",
        headers: await a.authHeaders(alice),
        payload: { name: "revoke me", scopes: ["ivr:read"] },
      });
      const { api_key, plain_key: otherKey } = other.json();
      expect((await b.app.inject({ url: "/v1/ivr/probe", headers: bearer(otherKey) })).statusCode).toBe(200);
      await a.app.inject({
        method: "POST",
        url: `/v1/api-keys/${api_key.id}/revoke`,
        headers: await a.authHeaders(alice),
      });
      const refused = await b.app.inject({ url: "/v1/ivr/probe", headers: bearer(otherKey) });
      expect(refused.json().code).toBe("api_key_disabled");
    } finally {
      await a.app.close();
      await b.app.close();
    }
  });
});
