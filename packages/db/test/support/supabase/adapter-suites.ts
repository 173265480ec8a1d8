// Every contract suite run through @vx/db/supabase on supabase-js clients, plus row level security with a user's
// JWT: one body for the PostgREST-subset stand-in and for a real Supabase project.
import { randomUUID } from "node:crypto";
import { createClient } from "@supabase/supabase-js";
import { ApiKeyService, hashKey } from "@vx/api-keys";
import { describeApiKeyRepository, describeRateLimitRepository } from "@vx/api-keys/testing";
import {
  describeAuditRepository,
  describeConsentRepository,
  describeRetentionRepository,
  describeUserDataRepository,
} from "@vx/compliance/testing";
import { describeIvrRepositories } from "@vx/ivr/testing";
import { DEFAULT_EVENT_TYPES } from "@vx/webhooks";
import { describeEventTypeRepository, describeWebhookRepository } from "@vx/webhooks/testing";
import { describe, expect, it } from "vitest";
import type { Database } from "../../../src/index.js";
import {
  SupabaseApiKeyRepository,
  SupabaseAuditRepository,
  SupabaseConsentRepository,
  SupabaseEventTypeRepository,
  SupabaseIvrMenuRepository,
  SupabaseIvrSessionRepository,
  SupabaseRateLimitRepository,
  SupabaseRetentionRepository,
  SupabaseUserDataRepository,
  SupabaseWebhookRepository,
  type VxSupabaseClient,
} from "../../../src/supabase/index.js";
import { auditFixture, consentFixture, retentionFixture, userDataFixture } from "../compliance-fixtures.js";
import { expectMicrosecondKeysPagedExactly } from "../microsecond-keys.js";

export interface SupabaseTarget {
  /** `${url}/rest/v1` is the PostgREST API. */
  url(): string;
  anonKey(): string;
  serviceKey(): string;
  /** A JWT of the user, as Supabase Auth issues it after sign-in (role authenticated, sub = user id). */
  userToken(userId: string): string | Promise<string>;
  /** Creates a user (an auth.users row). */
  createUser(): Promise<string>;
  /** SQL as the system, for fixtures: seeding rows and reading them back independently of the adapter. */
  db(): Database;
}

const noSession = { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false };

/** The service-role client; `fetch` replaces the one supabase-js uses (to watch its requests). */
export function serviceClient(target: SupabaseTarget, fetch?: typeof globalThis.fetch): VxSupabaseClient {
  return createClient(target.url(), target.serviceKey(), { auth: noSession, ...(fetch ? { global: { fetch } } : {}) });
}

/** The anon key plus the user's JWT in Authorization: what a request handler builds from an incoming request. */
export async function userClient(target: SupabaseTarget, userId: string): Promise<VxSupabaseClient> {
  const token = await target.userToken(userId);
  return createClient(target.url(), target.anonKey(), {
    auth: noSession,
    global: { headers: { Authorization: `Bearer ${token}` } },
  });
}

export function describeSupabaseAdapter(name: string, target: SupabaseTarget): void {
  const service = () => serviceClient(target);

  describeApiKeyRepository(`Supabase ${name}`, () => ({
    repository: new SupabaseApiKeyRepository(service()),
    // "Another API process": its own client, so its own HTTP connections.
    peer: new SupabaseApiKeyRepository(service()),
    createUser: () => target.createUser(),
  }));

  describeRateLimitRepository(`Supabase ${name}`, () => ({
    repository: new SupabaseRateLimitRepository(service()),
    // Another process pruning and limiting at once: its own client, so its own HTTP connections.
    peer: new SupabaseRateLimitRepository(service()),
    createUser: () => target.createUser(),
  }));

  describeEventTypeRepository(`Supabase ${name}`, async () => {
    await target
      .db()
      .query("DELETE FROM public.webhook_event_types WHERE NOT (name = ANY ($1))", [
        DEFAULT_EVENT_TYPES.map((type) => type.name),
      ]);
    return new SupabaseEventTypeRepository(service());
  });

  describeWebhookRepository(`Supabase ${name}`, async () => {
    // Each contract test starts from an empty outbox: claims see every due message in the database.
    await target.db().query("TRUNCATE public.webhooks, public.webhook_events CASCADE");
    return {
      repository: new SupabaseWebhookRepository(service()),
      createUser: () => target.createUser(),
      createAgent: async (userId) => {
        const { rows } = await target
          .db()
          .query<{ id: string }>("INSERT INTO public.agents (user_id, name) VALUES ($1, 'agent') RETURNING id", [
            userId,
          ]);
        return rows[0]!.id;
      },
    };
  });

  describeIvrRepositories(`Supabase ${name}`, () => ({
    menus: new SupabaseIvrMenuRepository(service()),
    sessions: new SupabaseIvrSessionRepository(service()),
    createUser: () => target.createUser(),
  }));

  describeAuditRepository(`Supabase ${name}`, () => auditFixture(target.db(), new SupabaseAuditRepository(service())));
  describeRetentionRepository(`Supabase ${name}`, () =>
    retentionFixture(target.db(), new SupabaseRetentionRepository(service())),
  );
  describeConsentRepository(`Supabase ${name}`, () =>
    consentFixture(target.db(), new SupabaseConsentRepository(service())),
  );
  describeUserDataRepository(`Supabase ${name}`, () =>
    userDataFixture(
      target.db(),
      new SupabaseUserDataRepository({ asUser: (userId) => userClient(target, userId), service: service() }),
    ),
  );

  describe(`API-key verification over rpc (${name})`, () => {
    it("sends one request alone to the one-statement function and several to the batch function", async () => {
      const called: string[] = [];
      const recording = serviceClient(target, (input, init) => {
        called.push(new URL(input instanceof Request ? input.url : String(input)).pathname.split("/").pop()!);
        return fetch(input, init);
      });
      const repository = new SupabaseApiKeyRepository(recording);
      const keys = new ApiKeyService({ repository, batching: false });
      const { plainKey } = await keys.createApiKey({ user_id: await target.createUser(), name: "fast path" });
      called.length = 0;
      expect((await keys.verifyApiKey(plainKey)).valid).toBe(true);
      expect(called).toEqual(["vx_api_key_verify"]);

      called.length = 0;
      const now = new Date();
      const outcomes = await repository.verifyApiKeys(
        [
          { keyHash: hashKey(plainKey), scopes: [], cost: 1 },
          { keyHash: hashKey("vx_unknown"), scopes: [], cost: 1 },
        ],
        now,
      );
      expect(outcomes.map((o) => o.code)).toEqual(["VALID", "NOT_FOUND"]);
      expect(called).toEqual(["vx_api_key_verify_batch"]);
    });
  });

  describe(`lists longer than PostgREST's max_rows, 1000 (${name})`, () => {
    // PostgREST cuts a read at max_rows without an error: a list read in one request would silently lose the rest.
    it("reads every identity and every override of an owner with 1,205 of each, in order", async () => {
      const owner = await target.createUser();
      const n = 1205;
      await target.db().query(
        `INSERT INTO public.api_key_identities (user_id, external_id)
         SELECT $1, 'customer-' || lpad(i::text, 5, '0') FROM generate_series(1, $2) AS i`,
        [owner, n],
      );
      // Three namespaces, so a read that ends inside one must go on in it and then in the next.
      await target.db().query(
        `INSERT INTO public.ratelimit_overrides (user_id, namespace, identifier, "limit", duration_ms)
         SELECT $1, 'ns-' || (i % 3), 'id-' || lpad(i::text, 5, '0'), 5, 1000 FROM generate_series(1, $2) AS i`,
        [owner, n],
      );
      const identities = await new SupabaseApiKeyRepository(service()).listIdentities(owner);
      expect(identities.map((i) => i.external_id)).toEqual(
        Array.from({ length: n }, (_, i) => `customer-${String(i + 1).padStart(5, "0")}`),
      );
      const overrides = await new SupabaseRateLimitRepository(service()).listOverrides(owner);
      const expected = Array.from({ length: n }, (_, i) => `ns-${(i + 1) % 3} id-${String(i + 1).padStart(5, "0")}`);
      expect(overrides.map((o) => `${o.namespace} ${o.identifier}`)).toEqual(expected.sort());
      const page = await new SupabaseRateLimitRepository(service()).listOverrides(owner, {
        after: overrides[399]!,
        limit: 1100,
      });
      expect(page.map((o) => o.identifier)).toEqual(overrides.slice(400, 1205).map((o) => o.identifier));
    });

    // One INSERT gives every row the same created_at: only the id decides their order, so the keyset's tie-break
    // is what keeps the pages from skipping or repeating rows.
    it("reads every key, webhook and IVR menu of an owner with 1,205 of each, each once", async () => {
      const owner = await target.createUser();
      const n = 1205;
      const insert = (sql: string) => target.db().query(sql, [owner, n]);
      await insert(`INSERT INTO public.api_keys (user_id, name, key_prefix, key_hash)
        SELECT $1, 'key ' || i, 'vx_' || lpad(to_hex(i), 7, '0'), md5(i::text) || md5((-i)::text)
        FROM generate_series(1, $2) AS i`);
      await insert(`INSERT INTO public.webhooks (user_id, url, events, secret)
        SELECT $1, 'https://example.com/hook/' || i, '{call.started}', 'whsec-secret-' || lpad(i::text, 8, '0')
        FROM generate_series(1, $2) AS i`);
      await insert(`INSERT INTO public.ivr_menus (user_id, name, prompt)
        SELECT $1, 'menu ' || i, 'Press 1' FROM generate_series(1, $2) AS i`);
      const ids = async (table: string, order: string) =>
        (
          await target
            .db()
            .query<{ id: string }>(`SELECT id FROM public.${table} WHERE user_id = $1 ORDER BY ${order}`, [owner])
        ).rows.map((r) => r.id);
      const keys = await new SupabaseApiKeyRepository(service()).getApiKeysByUserId(owner);
      expect(keys.map((k) => k.id)).toEqual(await ids("api_keys", "created_at DESC, id DESC"));
      const hooks = await new SupabaseWebhookRepository(service()).getWebhooks({ user_id: owner });
      expect(hooks.map((w) => w.id)).toEqual(await ids("webhooks", "created_at DESC, id"));
      const menus = await new SupabaseIvrMenuRepository(service()).getIVRMenus(owner);
      expect(menus.map((m) => m.id)).toEqual(await ids("ivr_menus", "created_at, id"));
      expect(new Set(keys.map((k) => k.id)).size).toBe(n);
    });

    it("pages keys whose created_at differ only in microseconds without skipping or repeating one", async () => {
      const repository = new SupabaseApiKeyRepository(service());
      await expectMicrosecondKeysPagedExactly(target.db(), repository, await target.createUser());
    });

    it("sums an identity's usage over 1,488 hour buckets (2 keys × 744 hours), every bucket counted", async () => {
      const owner = await target.createUser();
      const repository = new SupabaseApiKeyRepository(service());
      const { rows } = await target.db().query<{ id: string }>(
        `INSERT INTO public.api_keys (user_id, name, key_prefix, key_hash)
         SELECT $1::uuid, 'key ' || i, 'vx_' || lpad(to_hex(i), 7, '0'), md5(i || $1::text) || md5(-i || $1::text)
         FROM generate_series(1, 2) AS i RETURNING id`,
        [owner],
      );
      const from = new Date("2031-01-01T00:00:00Z");
      await target.db().query(
        `INSERT INTO public.api_key_usage_hourly (key_id, user_id, hour, request_count, valid_count)
         SELECT k, $2, $3::timestamptz + make_interval(hours => h), h + 1, h + 1
         FROM unnest($1::uuid[]) AS k, generate_series(0, 743) AS h`,
        [rows.map((r) => r.id), owner, from.toISOString()],
      );
      const to = new Date(from.getTime() + 744 * 3600_000);
      const buckets = await repository.getKeysUsageStats(
        rows.map((r) => r.id),
        { from, to },
      );
      expect(buckets).toHaveLength(744);
      // Each hour h holds 2 × (h + 1): all 1,488 rows, where one request would have stopped at 1,000.
      expect(buckets.reduce((sum, b) => sum + b.requests, 0)).toBe(2 * ((744 * 745) / 2));
      expect(buckets.at(-1)).toMatchObject({ requests: 2 * 744, outcomes: { valid: 2 * 744 } });
    });
  });

  describe(`row level security through a user's JWT (${name})`, () => {
    it("lets a user see and change only their own keys, menus and consents", async () => {
      const alice = await target.createUser();
      const bob = await target.createUser();
      const keys = new ApiKeyService({ repository: new SupabaseApiKeyRepository(service()), batching: false });
      const { apiKey, plainKey } = await keys.createApiKey({ user_id: alice, name: "alice's key" });
      const menu = await new SupabaseIvrMenuRepository(service()).createIVRMenu({
        user_id: alice,
        name: "Main",
        prompt: "Press 1",
      });

      const asBob = await userClient(target, bob);
      // No owner filter passed: only the database's policies stand between bob and alice's rows.
      const bobKeys = new SupabaseApiKeyRepository(asBob);
      expect(await bobKeys.getApiKeyById(apiKey.id)).toBeNull();
      expect(await bobKeys.getApiKeyByHash(hashKey(plainKey))).toBeNull();
      expect(await bobKeys.updateApiKey(apiKey.id, { name: "bob's now", enabled: false })).toBeNull();
      expect(await bobKeys.deleteApiKey(apiKey.id)).toBe(false);
      const bobMenus = new SupabaseIvrMenuRepository(asBob);
      expect(await bobMenus.getIVRMenuById(menu.id)).toBeNull();
      expect(await bobMenus.getIVRMenuWithSubmenus(menu.id)).toEqual([]);
      expect(await bobMenus.deleteIVRMenu(menu.id)).toBe(false);

      const asAlice = await userClient(target, alice);
      expect((await new SupabaseApiKeyRepository(asAlice).updateApiKey(apiKey.id, { name: "renamed" }))?.name).toBe(
        "renamed",
      );
      const consents = new SupabaseConsentRepository(asAlice);
      await consents.apply(alice, [{ purpose: "marketing_email", granted: true }], new Date());
      expect((await consents.list(alice)).map((c) => c.purpose)).toEqual(["marketing_email"]);
      expect(await new SupabaseConsentRepository(asBob).list(alice)).toEqual([]);
    });

    it("lets a user rotate their own key and refuses them another user's, through the rpc", async () => {
      const alice = await target.createUser();
      const bob = await target.createUser();
      const asAlice = new ApiKeyService({ repository: new SupabaseApiKeyRepository(await userClient(target, alice)) });
      const { apiKey } = await asAlice.createApiKey({ user_id: alice, name: "k" });
      const bobRepo = new SupabaseApiKeyRepository(await userClient(target, bob));
      const now = new Date();
      const replacement = { key_prefix: "vx_abcdefg", key_hash: hashKey(randomUUID()), now, retire_at: now };
      expect(await bobRepo.rotateApiKey(apiKey.id, replacement)).toBeNull();
      expect((await asAlice.rotateApiKey(apiKey.id, alice)).apiKey.id).not.toBe(apiKey.id);
    });

    it("lets a user set, list and delete only their own rate limit overrides", async () => {
      const alice = await target.createUser();
      const bob = await target.createUser();
      const override = { user_id: alice, namespace: "sms", identifier: "+15550100", limit: 3, duration_ms: 60_000 };
      const aliceLimits = new SupabaseRateLimitRepository(await userClient(target, alice));
      expect(await aliceLimits.setOverride(override)).toEqual(override);
      expect(await aliceLimits.setOverride({ ...override, limit: 5 })).toEqual({ ...override, limit: 5 });
      expect(await aliceLimits.listOverrides(alice)).toEqual([{ ...override, limit: 5 }]);

      const bobLimits = new SupabaseRateLimitRepository(await userClient(target, bob));
      expect(await bobLimits.listOverrides(alice)).toEqual([]);
      expect(await bobLimits.deleteOverride(alice, "sms", "+15550100")).toBe(false);
      await expect(bobLimits.setOverride({ ...override, limit: 1000 })).rejects.toMatchObject({ code: "42501" });
      const system = new SupabaseRateLimitRepository(service());
      expect(await system.listOverrides(alice)).toEqual([{ ...override, limit: 5 }]);

      expect(await aliceLimits.deleteOverride(alice, "sms", "+15550100")).toBe(true);
      expect(await aliceLimits.listOverrides(alice)).toEqual([]);
    });

    it("refuses users the system's functions: verification, counting, rate limiting, claiming, erasure", async () => {
      const alice = await target.createUser();
      const asAlice = await userClient(target, alice);
      const limits = new SupabaseRateLimitRepository(asAlice);
      const request = { userId: alice, namespace: "ip", identifier: "1.1.1.1", limit: 1, duration_ms: 1000, cost: 1 };
      await expect(limits.limit([request], new Date())).rejects.toMatchObject({ code: "42501", status: 403 });
      await expect(limits.pruneIdle(new Date(), 10)).rejects.toMatchObject({ code: "42501", status: 403 });
      await expect(new SupabaseApiKeyRepository(asAlice).verifyApiKeys([], new Date())).rejects.toMatchObject({
        code: "42501",
        status: 403,
      });
      await expect(
        new SupabaseWebhookRepository(asAlice).claim({ workerId: "w", limit: 1, now: new Date(), leaseMs: 1000 }),
      ).rejects.toMatchObject({ cause: { code: "42501" } });
      const gdpr = new SupabaseUserDataRepository({ asUser: () => asAlice, service: asAlice });
      await expect(gdpr.erase(alice, { subjectSha256: "x", at: new Date() })).rejects.toMatchObject({ code: "42501" });
    });

    it("refuses an export when the token is another user's", async () => {
      const alice = await target.createUser();
      const bob = await target.createUser();
      const gdpr = new SupabaseUserDataRepository({ asUser: () => userClient(target, bob), service: service() });
      await expect(gdpr.collect(alice)).rejects.toMatchObject({ code: "42501" });
    });
  });
}
