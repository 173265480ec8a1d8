// Cross-tenant isolation, route by route: user B holds one of every resource; user A calls every operation of the
// OpenAPI document with B's ids, through A's JWT and through A's API key with every scope, and is told 404 (or
// 403 where the route is not A's to call). No response carries B's data, and B's rows come out unchanged.
// Runs on PGlite, and on Postgres too when TEST_DATABASE_URL is set.
import { type Receiver, startReceiver } from "@vx/webhooks/testing";
import { afterAll, expect, it } from "vitest";
import { createTestApp } from "../src/testing.js";
import { settingsFromEnv } from "./support/env.js";
import { describeIsolation } from "./support/isolation.js";
import { fillPath, type Operation, readApiDocument } from "./support/openapi.js";
import { snapshotUser } from "./support/snapshot.js";
import { seedTenant, type Tenant } from "./support/tenant.js";

type Auth = "jwt" | "api_key";

interface Attempt {
  /** JSON body; path parameters are always B's. */
  body?: (b: Tenant, a: Tenant) => object;
  query?: (b: Tenant) => string;
  /** The status A must get, by how A authenticates. */
  expect: Record<Auth, number>;
  /** More to assert on a response with that status (what A gets is A's own, not B's). */
  check?: (body: unknown, where: string) => void;
}

const NOT_FOUND = { jwt: 404, api_key: 404 };
/** Managing keys (and erasing an account) needs a user token: A's API key is refused before anything is looked up. */
const KEY_ROUTE = { jwt: 404, api_key: 403 };
const OK = (status: number) => ({ jwt: status, api_key: status });

/**
 * One entry per operation of the document. A new route fails the coverage test below until it gets an entry here:
 * say what A must be told when it names B's resources.
 */
const ATTEMPTS: Record<string, Attempt[]> = {
  "GET /health": [{ expect: OK(200) }],
  "GET /ready": [{ expect: OK(200) }],
  "GET /metrics": [{ expect: OK(200) }],
  "GET /v1/me": [{ expect: OK(200) }],
  "GET /v1/api-keys": [{ expect: { jwt: 200, api_key: 403 } }],
  "POST /v1/api-keys": [{ body: () => ({ name: "A's own key" }), expect: { jwt: 201, api_key: 403 } }],
  "GET /v1/api-keys/{id}": [{ expect: KEY_ROUTE }],
  "PATCH /v1/api-keys/{id}": [{ body: () => ({ name: "taken over", enabled: false }), expect: KEY_ROUTE }],
  "DELETE /v1/api-keys/{id}": [{ expect: KEY_ROUTE }],
  "POST /v1/api-keys/{id}/revoke": [{ expect: KEY_ROUTE }],
  "POST /v1/api-keys/{id}/rotate": [{ body: () => ({ grace_period_hours: 1 }), expect: KEY_ROUTE }],
  "GET /v1/api-keys/{id}/stats": [{ expect: KEY_ROUTE }],
  "POST /v1/api-keys/{id}/credits": [{ body: () => ({ op: "set", amount: 1_000_000 }), expect: KEY_ROUTE }],
  // Identities are managed like keys (a user token through RLS); external ids are unique per user, so B's is free to A.
  "POST /v1/identities": [{ body: () => ({ external_id: THEIR_EXTERNAL_ID }), expect: { jwt: 201, api_key: 403 } }],
  "GET /v1/identities": [{ expect: { jwt: 200, api_key: 403 } }],
  "GET /v1/identities/{id}": [{ expect: KEY_ROUTE }],
  "PATCH /v1/identities/{id}": [{ body: () => ({ meta: { taken: "over" } }), expect: KEY_ROUTE }],
  "DELETE /v1/identities/{id}": [{ expect: KEY_ROUTE }],
  "POST /v1/identities/{id}/credits": [{ body: () => ({ op: "set", amount: 1_000_000 }), expect: KEY_ROUTE }],
  "GET /v1/identities/{id}/stats": [{ expect: KEY_ROUTE }],
  // Verification is for services (service-role tokens); a user may not count B's key at all.
  "POST /v1/api-keys/verify": [{ body: (b) => ({ key: b.apiKey.plain }), expect: OK(403) }],
  "GET /v1/webhooks": [{ expect: OK(200) }],
  // B's agent is not A's: the webhook cannot be tied to it.
  "POST /v1/webhooks": [
    { body: (b) => ({ url: receiverUrl, events: ["call.started"], agent_id: b.agentId }), expect: OK(422) },
  ],
  "GET /v1/webhooks/{id}": [{ expect: NOT_FOUND }],
  "PATCH /v1/webhooks/{id}": [{ body: () => ({ url: receiverUrl, enabled: false }), expect: NOT_FOUND }],
  "DELETE /v1/webhooks/{id}": [{ expect: NOT_FOUND }],
  "GET /v1/webhooks/{id}/secret": [{ expect: NOT_FOUND }],
  "POST /v1/webhooks/{id}/rotate-secret": [{ expect: NOT_FOUND }],
  "POST /v1/webhooks/{id}/test": [{ expect: NOT_FOUND }],
  "GET /v1/webhooks/{id}/logs": [{ query: () => "?limit=1000", expect: NOT_FOUND }],
  "POST /v1/webhooks/{id}/recover": [{ body: () => ({ since: "2000-01-01T00:00:00Z" }), expect: NOT_FOUND }],
  "GET /v1/webhooks/{id}/stats": [{ expect: NOT_FOUND }],
  "GET /v1/webhooks/{id}/messages": [{ query: () => "?status=failed", expect: NOT_FOUND }],
  "GET /v1/webhooks/{id}/messages/{message_id}": [{ expect: NOT_FOUND }],
  "POST /v1/webhooks/{id}/messages/{message_id}/replay": [{ expect: NOT_FOUND }],
  // A's event about B's agent, with B's idempotency key: A's own new event, never B's (idempotency is per user).
  "POST /v1/events": [
    {
      body: (b) => ({ event: "call.started", payload: {}, agent_id: b.agentId, idempotency_key: `seed-${b.userId}` }),
      expect: OK(202),
    },
  ],
  // The event catalog is global: everyone reads it, only the service role (never a user, never a key) writes it.
  "GET /v1/event-types": [{ expect: OK(200) }],
  "POST /v1/event-types": [{ body: () => ({ name: "cross.tenant", description: "A's own" }), expect: OK(403) }],
  "PATCH /v1/event-types/{name}": [{ body: () => ({ description: "taken over", archived: true }), expect: OK(403) }],
  // Rate-limit namespaces belong to the caller: B's (namespace, identifier) is a fresh limit of A's own, and B's
  // override neither applies to A's calls nor shows in A's list, nor goes away with A's delete.
  "POST /v1/ratelimits/limit": [
    {
      body: () => ({ ...THEIR_LIMIT, limit: 50, duration_ms: 60_000 }),
      expect: OK(200),
      check: (body, where) => expect(body, where).toMatchObject({ success: true, limit: 50, overridden: false }),
    },
  ],
  "PUT /v1/ratelimits/overrides": [
    { body: () => ({ ...THEIR_LIMIT, limit: 99, duration_ms: 1_000 }), expect: OK(200) },
  ],
  "GET /v1/ratelimits/overrides": [
    {
      query: () => `?namespace=${THEIR_LIMIT.namespace}`,
      expect: OK(200),
      check: (body, where) =>
        expect(body, where).toEqual({ data: [{ ...THEIR_LIMIT, limit: 99, duration_ms: 1_000 }], next_cursor: null }),
    },
  ],
  "DELETE /v1/ratelimits/overrides": [
    // A's own override (set just above) goes; then A has none, and B's is not A's to delete.
    { query: () => `?${new URLSearchParams(THEIR_LIMIT)}`, expect: OK(204) },
    { query: () => `?${new URLSearchParams(THEIR_LIMIT)}`, expect: OK(404) },
  ],
  "GET /v1/ivr/menus": [{ expect: OK(200) }],
  // Submenus and parents must be A's own menus.
  "POST /v1/ivr/menus": [
    {
      body: (b) => ({
        name: "Mine",
        prompt: "Press 1",
        items: [{ digit: "1", action: "submenu", target: b.menus.main }],
      }),
      expect: OK(422),
    },
    { body: (b) => ({ name: "Mine", prompt: "Press 1", parent_menu_id: b.menus.main }), expect: OK(422) },
  ],
  "GET /v1/ivr/menus/{id}": [{ expect: NOT_FOUND }],
  "PATCH /v1/ivr/menus/{id}": [{ body: () => ({ name: "taken over" }), expect: NOT_FOUND }],
  "DELETE /v1/ivr/menus/{id}": [{ expect: NOT_FOUND }],
  "POST /v1/ivr/sessions": [
    { body: (b) => ({ session_id: `CA-a-${b.userId}`, menu_id: b.menus.main }), expect: NOT_FOUND },
    // Call ids are global (one session per telephony call): B's is taken, so A gets 409 and learns no more than
    // that; the id is Twilio's CallSid, which only a party to the call knows.
    { body: (b, a) => ({ session_id: b.callId, menu_id: a.menus.main }), expect: OK(409) },
  ],
  "POST /v1/ivr/sessions/{session_id}/input": [{ body: () => ({ digits: "1" }), expect: NOT_FOUND }],
  "POST /v1/ivr/sessions/{session_id}/back": [{ expect: NOT_FOUND }],
  "POST /v1/ivr/sessions/{session_id}/timeout": [{ expect: NOT_FOUND }],
  "POST /v1/ivr/sessions/{session_id}/end": [{ expect: NOT_FOUND }],
  "GET /v1/ivr/sessions/{session_id}": [{ expect: NOT_FOUND }],
  // Twilio's endpoint takes no user credentials: only Twilio's signature, which A cannot make.
  "POST /v1/ivr/twilio/voice/{menu_id}": [{ body: (b) => ({ CallSid: b.callId, Digits: "1" }), expect: OK(403) }],
  "GET /v1/audit-logs": [
    { expect: OK(200) },
    // B's own cursor (a position among B's rows) still pages through A's rows only.
    { query: () => `?cursor=${theirAuditCursor}`, expect: OK(200) },
  ],
  "GET /v1/me/export": [{ expect: OK(200) }],
  "GET /v1/me/consents": [{ expect: OK(200) }],
  "PUT /v1/me/consents": [{ body: () => ({ consents: [{ purpose: "marketing", granted: false }] }), expect: OK(200) }],
  // Erases A (last, below), and only A; an API key may not erase anyone.
  "DELETE /v1/me": [{ expect: { jwt: 204, api_key: 403 } }],
};

/** B's id for each path parameter: the resource the route is about. */
function theirs(op: Operation, b: Tenant): Record<string, string> {
  const values: Record<string, string> = {};
  for (const { name } of op.pathParams) {
    if (name === "session_id") values[name] = b.callId;
    else if (name === "message_id") values[name] = b.message.id;
    else if (name === "menu_id" || op.path.startsWith("/v1/ivr/menus")) values[name] = b.menus.main;
    else if (op.path.startsWith("/v1/api-keys")) values[name] = b.apiKey.id;
    else if (op.path.startsWith("/v1/identities")) values[name] = theirIdentityId;
    // Event types are a global catalog, named rather than owned: the one every seeded webhook subscribes to.
    else if (op.path.startsWith("/v1/event-types")) values[name] = "call.started";
    else if (op.path.startsWith("/v1/webhooks")) values[name] = b.webhook.id;
    else throw new Error(`no id of B's for {${name}} in ${op.path}: teach theirs() about this route`);
  }
  return values;
}

const SETTINGS = settingsFromEnv({
  WEBHOOK_ALLOW_HTTP: "true",
  WEBHOOK_ALLOW_PRIVATE_URLS: "true",
  TWILIO_AUTH_TOKEN: "cross-tenant-token",
});

/** A `next_cursor` from B's own audit trail, set once B is seeded. */
let theirAuditCursor = "";
/** B's identity (seeded with B's external id), and B's rate limit with an override of B's. */
let theirIdentityId = "";
const THEIR_EXTERNAL_ID = "customer-of-b";
const THEIR_LIMIT = { namespace: "login-by-ip", identifier: "203.0.113.7" };

const receiver: Receiver = await startReceiver();
const receiverUrl = receiver.url;
const probe = await createTestApp();
const operations = (await readApiDocument(probe.app)).operations;
await probe.close();
// Erasing A's account goes last, so the other attempts still find A.
const ordered = [...operations].sort((x, y) => Number(x.key === "DELETE /v1/me") - Number(y.key === "DELETE /v1/me"));

afterAll(async () => {
  await receiver.close();
});

it("has an expectation for every operation of the document", () => {
  expect(operations.map((op) => op.key).filter((key) => !ATTEMPTS[key])).toEqual([]);
});

describeIsolation(
  "user A calling every route with user B's ids",
  {
    receiverUrl: () => receiverUrl,
    // The per-IP limiter counts refusals; this test refuses on purpose.
    app: { config: { rateLimit: { max: 1_000_000, windowMs: 60_000 }, ...SETTINGS } },
    seeded: async (t, b) => {
      const seed = async (method: "POST" | "PUT", url: string, payload: object, status: number) => {
        const response = await t.app.inject({ method, url, headers: b.jwt, payload });
        if (response.statusCode !== status) throw new Error(`seeding ${url}: ${response.statusCode} ${response.body}`);
        return response.json();
      };
      theirIdentityId = (await seed("POST", "/v1/identities", { external_id: THEIR_EXTERNAL_ID }, 201)).id;
      await seed("PUT", "/v1/ratelimits/overrides", { ...THEIR_LIMIT, limit: 3, duration_ms: 60_000 }, 200);
      await seed("POST", "/v1/ratelimits/limit", { ...THEIR_LIMIT, limit: 10, duration_ms: 60_000 }, 200);
      const page = await t.app.inject({ url: "/v1/audit-logs?limit=1", headers: b.jwt });
      theirAuditCursor = page.json().next_cursor;
    },
  },
  (ctx) => {
    it("lets B read every resource A is refused (the ids are real)", async () => {
      const { t, other: b } = ctx();
      for (const op of operations.filter((o) => o.method === "GET" && o.pathParams.length > 0)) {
        const response = await t.app.inject({ url: fillPath(op.path, theirs(op, b)), headers: b.jwt });
        expect(response.statusCode, `${op.key}: ${response.body}`).toBe(200);
      }
    });

    for (const auth of ["api_key", "jwt"] as Auth[]) {
      it(`refuses A's ${auth === "jwt" ? "JWT" : "API key (every scope)"} on every route that names B's resources`, async () => {
        const { t, other: b, before } = ctx();
        const a = await seedTenant(t, receiverUrl);
        const headers = auth === "jwt" ? a.jwt : { authorization: `Bearer ${a.apiKey.plain}` };
        const secrets = [...b.identifiers, theirIdentityId, b.webhook.secret, b.apiKey.plain];
        let sent = "";
        for (const op of ordered) {
          for (const attempt of ATTEMPTS[op.key] ?? []) {
            const url = `${fillPath(op.path, theirs(op, b))}${attempt.query?.(b) ?? ""}`;
            const payload = attempt.body?.(b, a);
            const response = await t.app.inject({ method: op.method, url, headers, ...(payload ? { payload } : {}) });
            const where = `${auth} ${op.key} ${JSON.stringify(payload ?? {})}: ${response.statusCode} ${response.body}`;
            expect(response.statusCode, where).toBe(attempt.expect[auth]);
            if (response.statusCode < 300 && response.body) attempt.check?.(response.json(), where);
            // Nothing of B's comes back beyond what A itself sent, now or before (problems echo the path as
            // `instance`; A's export holds A's own event, which A labelled with B's agent id).
            sent += ` ${url} ${JSON.stringify(payload ?? {})}`;
            for (const secret of secrets.filter((s) => !sent.includes(s))) {
              expect(response.body.includes(secret), `${where} leaks ${secret}`).toBe(false);
            }
          }
        }
        expect(await snapshotUser(t.db, b.userId)).toEqual(before);
      });
    }

    it("refuses to tie A's own webhooks and menus to B's agent and menus", async () => {
      const { t, other: b } = ctx();
      const a = await seedTenant(t, receiverUrl);
      const attempts: [string, object][] = [
        [`/v1/webhooks/${a.webhook.id}`, { agent_id: b.agentId }],
        [`/v1/ivr/menus/${a.menus.main}`, { items: [{ digit: "1", action: "submenu", target: b.menus.main }] }],
        [`/v1/ivr/menus/${a.menus.sub}`, { parent_menu_id: b.menus.main }],
      ];
      for (const [url, payload] of attempts) {
        const response = await t.app.inject({ method: "PATCH", url, headers: a.jwt, payload });
        expect(response.statusCode, `${url} ${JSON.stringify(payload)}: ${response.body}`).toBe(422);
      }
    });

    it("left every one of B's rows as it was", async () => {
      const { t, other: b, before } = ctx();
      expect(await snapshotUser(t.db, b.userId)).toEqual(before);
    });
  },
);
