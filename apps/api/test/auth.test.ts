// Supabase-JWT auth: which tokens are accepted, how refusals look, and that user work runs under RLS.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describeDatabases } from "@vx/db/testing";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal, RoutePlugin } from "../src/route-kit.js";
import { requireScope, requireServiceRole, setResponseHeader, withUser } from "../src/route-kit.js";
import { createTestApp, TEST_JWT_SECRET, type TestApp } from "../src/testing.js";
import { signToken } from "../src/token.js";

const NOW = new Date("2030-01-01T12:00:00Z");
const now = () => NOW;
const ALICE = "a11ce000-0000-4000-8000-000000000001";
const BOB = "b0b00000-0000-4000-8000-000000000002";

/** A route that shows what Postgres sees for the caller, and one guarded per scope. */
const probeRoutes: RoutePlugin = async (app) => {
  app.get("/probe/db", { preHandler: app.requireUser }, async (request) =>
    withUser(request, async (tx) => {
      const who = await tx.query<{ uid: string; role: string }>("SELECT auth.uid()::text AS uid, current_user AS role");
      const keys = await tx.query<{ user_id: string }>("SELECT user_id FROM api_keys");
      return { ...who.rows[0], visible_key_owners: keys.rows.map((r) => r.user_id) };
    }),
  );
  app.get("/probe/write", { preHandler: requireScope("webhooks:write") }, async () => ({ ok: true }));
  app.get("/probe/service", { preHandler: requireServiceRole }, async () => ({ ok: true }));
};

/** A stand-in for the API-keys strategy: `vx_good_<scopes>` accepted, `vx_expired` refused with a registered code. */
const fakeKeyStrategy: RoutePlugin = async (_app, ctx) => {
  ctx.errors.register({ key_expired: { status: 401, title: "API key expired" } });
  ctx.auth.addStrategy(async (request) => {
    const header = request.headers["x-api-key"] ?? request.headers.authorization?.replace(/^Bearer /, "");
    if (typeof header !== "string" || !header.startsWith("vx_")) return null;
    setResponseHeader(request, "x-ratelimit-remaining", 41);
    if (header === "vx_expired") throw Object.assign(new Error("This API key expired"), { code: "key_expired" });
    const scopes = header
      .replace(/^vx_good_?/, "")
      .split(",")
      .filter(Boolean);
    return { userId: ALICE, role: "authenticated", auth: "api_key", keyId: "key-1", scopes } satisfies Principal;
  });
};

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

describeDatabases("JWT auth", ({ db }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ db: db(), now, routes: [probeRoutes, fakeKeyStrategy] });
  });
  afterAll(async () => {
    await t.app.close();
  });

  it("answers /v1/me with the identity of a valid token", async () => {
    const res = await t.app.inject({ url: "/v1/me", headers: bearer(await t.token(ALICE)) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ user_id: ALICE, role: "authenticated", auth: "jwt" });
  });

  it("adds a first-seen JWT user to auth.users so foreign keys to it hold", async () => {
    const fresh = "f2e50000-0000-4000-8000-00000000000f";
    await t.app.inject({ url: "/v1/me", headers: bearer(await t.token(fresh)) });
    const { rows } = await t.db.query("SELECT id FROM auth.users WHERE id = $1", [fresh]);
    expect(rows).toHaveLength(1);
  });

  it("runs user work as role authenticated with the caller's id, so RLS hides other users' rows", async () => {
    for (const user of [ALICE, BOB]) {
      await t.db.query("INSERT INTO auth.users (id) VALUES ($1) ON CONFLICT DO NOTHING", [user]);
      await t.db.query("INSERT INTO api_keys (user_id, name, key_prefix, key_hash) VALUES ($1, 'k', $2, $3)", [
        user,
        `vx_${user.slice(0, 7)}`,
        user.replace(/-/g, "").padEnd(64, "0"),
      ]);
    }
    const res = await t.app.inject({ url: "/v1/probe/db", headers: bearer(await t.token(BOB)) });
    expect(res.json()).toEqual({ uid: BOB, role: "authenticated", visible_key_owners: [BOB] });
  });

  it.each([
    ["missing", undefined, 401, "unauthorized"],
    ["signed with another secret", "other", 401, "invalid_token"],
    ["expired", "expired", 401, "token_expired"],
    ["for another audience", "audience", 401, "invalid_token"],
    ["not a JWT", "garbage", 401, "invalid_token"],
    ["without a user id", "no-sub", 401, "invalid_token"],
    ["for the anon role", "anon", 401, "invalid_token"],
  ])("refuses a token that is %s with a problem", async (_name, kind, status, code) => {
    const headers = kind === undefined ? {} : bearer(await badToken(kind));
    const res = await t.app.inject({ url: "/v1/me", headers });
    expect(res.statusCode).toBe(status);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status, code, type: `urn:vx:problem:${code}` });
  });

  it("refuses invalid credentials even on routes that need none", async () => {
    const res = await t.app.inject({ url: "/health", headers: bearer(await badToken("expired")) });
    expect(res.statusCode).toBe(401);
  });

  it("refuses credentials no strategy understands", async () => {
    const res = await t.app.inject({ url: "/v1/me", headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe("unsupported_credentials");
  });

  it("gives service_role tokens the service role", async () => {
    const token = await t.token(ALICE, { role: "service_role" });
    expect((await t.app.inject({ url: "/v1/me", headers: bearer(token) })).json().role).toBe("service_role");
    expect((await t.app.inject({ url: "/v1/probe/service", headers: bearer(token) })).statusCode).toBe(200);
    const user = await t.app.inject({ url: "/v1/probe/service", headers: bearer(await t.token(ALICE)) });
    expect(user.statusCode).toBe(403);
    expect(user.json().code).toBe("forbidden");
  });

  it("lets JWT principals through scope guards and holds API-key principals to their scopes", async () => {
    const jwt = await t.app.inject({ url: "/v1/probe/write", headers: bearer(await t.token(ALICE)) });
    expect(jwt.statusCode).toBe(200);
    for (const [key, status] of [
      ["vx_good_webhooks:write", 200],
      ["vx_good_webhooks:*", 200],
      ["vx_good_*", 200],
      ["vx_good_webhooks:read", 403],
      ["vx_good_ivr:*", 403],
    ] as const) {
      const res = await t.app.inject({ url: "/v1/probe/write", headers: { "x-api-key": key } });
      expect(res.statusCode, key).toBe(status);
      if (status === 403) expect(res.json().code).toBe("insufficient_scope");
    }
  });

  it("consults added strategies for vx_ bearer tokens and sends their headers, accepted or refused", async () => {
    const ok = await t.app.inject({ url: "/v1/me", headers: bearer("vx_good_*") });
    expect(ok.json()).toEqual({
      user_id: ALICE,
      role: "authenticated",
      auth: "api_key",
      key_id: "key-1",
      scopes: ["*"],
    });
    expect(ok.headers["x-ratelimit-remaining"]).toBe("41");
    const refused = await t.app.inject({ url: "/v1/me", headers: bearer("vx_expired") });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({
      code: "key_expired",
      title: "API key expired",
      detail: "This API key expired",
    });
    expect(refused.headers["x-ratelimit-remaining"]).toBe("41");
  });

  async function badToken(kind: string): Promise<string> {
    const base = { userId: ALICE, secret: TEST_JWT_SECRET, now };
    switch (kind) {
      case "other":
        return signToken({ ...base, secret: "another-secret-that-is-long-enough-0000" });
      case "expired":
        return signToken({ ...base, now: () => new Date(NOW.getTime() - 2 * 3600_000), expiresIn: "1h" });
      case "audience":
        return signToken({ ...base, audience: "someone-else" });
      case "anon":
        return signToken({ ...base, claims: { role: "anon" } });
      case "no-sub":
        return new SignJWT({ role: "authenticated" })
          .setProtectedHeader({ alg: "HS256" })
          .setAudience("authenticated")
          .setExpirationTime(Math.floor(NOW.getTime() / 1000) + 60)
          .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      default:
        return "not.a.jwt";
    }
  }
});

describe("JWT auth with the project's JWKS (asymmetric keys)", () => {
  let server: Server;
  let t: TestApp;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
  let fetches = 0;

  beforeAll(async () => {
    const pair = await generateKeyPair("ES256");
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "key-1", alg: "ES256", use: "sig" };
    server = createServer((req, res) => {
      if (req.url !== "/auth/v1/.well-known/jwks.json") return res.writeHead(404).end();
      fetches++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    t = await createTestApp({ now, config: { jwtSecret: undefined, supabaseUrl: `http://127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const es256 = (kid: string) =>
    new SignJWT({ role: "authenticated" })
      .setProtectedHeader({ alg: "ES256", kid })
      .setSubject(ALICE)
      .setAudience("authenticated")
      .setExpirationTime(Math.floor(NOW.getTime() / 1000) + 600)
      .sign(privateKey);

  it("accepts a token signed with a key from the JWKS and caches the key set", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({ url: "/v1/me", headers: bearer(await es256("key-1")) });
      expect(res.json()).toEqual({ user_id: ALICE, role: "authenticated", auth: "jwt" });
    }
    expect(fetches).toBe(1);
  });

  it("refuses HS256 tokens when no secret is configured", async () => {
    const hs = await signToken({ userId: ALICE, secret: TEST_JWT_SECRET, now });
    const res = await t.app.inject({ url: "/v1/me", headers: bearer(hs) });
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toMatch(/HS256/);
  });

  it("refuses a token whose key is not in the JWKS", async () => {
    const res = await t.app.inject({ url: "/v1/me", headers: bearer(await es256("unknown")) });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe("invalid_token");
  });
});

describe("JWT auth with a JWKS where several keys match the token (no kid, or a kid shared during a rotation)", () => {
  let server: Server;
  let t: TestApp;
  let signers: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"][];
  let outsider: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

  beforeAll(async () => {
    const pairs = await Promise.all([generateKeyPair("ES256"), generateKeyPair("ES256")]);
    signers = pairs.map((pair) => pair.privateKey);
    outsider = (await generateKeyPair("ES256")).privateKey;
    // Both keys carry the same kid, as in a rotation where the new key was published under the old name.
    const keys = await Promise.all(
      pairs.map(async (pair) => ({ ...(await exportJWK(pair.publicKey)), kid: "rotating", alg: "ES256", use: "sig" })),
    );
    server = createServer((req, res) => {
      if (req.url !== "/auth/v1/.well-known/jwks.json") return res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    t = await createTestApp({ now, config: { jwtSecret: undefined, supabaseUrl: `http://127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const sign = (key: (typeof signers)[number], kid?: string) =>
    new SignJWT({ role: "authenticated" })
      .setProtectedHeader(kid ? { alg: "ES256", kid } : { alg: "ES256" })
      .setSubject(ALICE)
      .setAudience("authenticated")
      .setExpirationTime(Math.floor(NOW.getTime() / 1000) + 600)
      .sign(key);

  it("accepts a token signed by any of the matching keys, with or without a kid", async () => {
    for (const key of signers) {
      for (const kid of [undefined, "rotating"]) {
        const res = await t.app.inject({ url: "/v1/me", headers: bearer(await sign(key, kid)) });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ user_id: ALICE, role: "authenticated", auth: "jwt" });
      }
    }
  });

  it("refuses a token that none of the matching keys verifies, naming the signature", async () => {
    const res = await t.app.inject({ url: "/v1/me", headers: bearer(await sign(outsider)) });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: "invalid_token", detail: "The token's signature is not valid" });
  });
});
