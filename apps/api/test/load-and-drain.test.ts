// The first-hour promise, proven on a real `vx serve` process: many concurrent writers and readers across every route
// family are all answered (no hang, no 5xx), a SIGTERM under that load drains and exits 0, and every write that was
// answered 201/202 is there after a restart. On embedded PGlite (the default a new user meets) and on Postgres.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPostgresTestDatabase, type TestDatabase, testPostgresUrl } from "@vx/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { signToken } from "../src/token.js";
import { startVx } from "./support/vx-process.js";

const SECRET = "load-test-secret-0123456789abcdefghijkl";
const CLIENTS = 8;
const LOAD_MS = 2_500;

type Target = { name: string; env: () => Promise<Record<string, string>>; cleanup: () => Promise<void> };

function pglite(): Target {
  let dir: string | undefined;
  return {
    name: "embedded PGlite",
    async env() {
      dir ??= await mkdtemp(join(tmpdir(), "vx-load-"));
      return { VX_DATA_DIR: join(dir, "data") };
    },
    cleanup: async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

function postgres(): Target {
  let db: TestDatabase | undefined;
  return {
    name: "Postgres",
    async env() {
      db ??= await createPostgresTestDatabase(testPostgresUrl()!);
      return { DATABASE_URL: db.db.url };
    },
    cleanup: async () => db?.drop(),
  };
}

const targets = [pglite(), ...(testPostgresUrl() ? [postgres()] : [])];

/** What the load answered: statuses by route family, and the writes acknowledged. */
interface Tally {
  statuses: Map<string, number>;
  failures: string[];
  keyIds: Set<string>;
  eventIds: Set<string>;
  /** Session id → the credentials of the user who started it. */
  sessions: Map<string, Record<string, string>>;
}

describe.each(targets)("a vx serve process under concurrent load on $name", (target) => {
  let receiver: Server;
  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
    await target.cleanup();
  });

  it("answers every request of every route family, drains on SIGTERM, and keeps every acknowledged write", async () => {
    receiver = createServer((req, res) => req.resume().on("end", () => res.writeHead(204).end()));
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    const env = {
      ...(await target.env()),
      SUPABASE_JWT_SECRET: SECRET,
      WEBHOOK_ALLOW_HTTP: "true",
      WEBHOOK_ALLOW_PRIVATE_URLS: "true",
      RATE_LIMIT_MAX: "1000000",
      SHUTDOWN_TIMEOUT_MS: "20000",
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "info",
    };
    const tally: Tally = {
      statuses: new Map(),
      failures: [],
      keyIds: new Set(),
      eventIds: new Set(),
      sessions: new Map(),
    };
    const users = await Promise.all(Array.from({ length: CLIENTS }, () => newUser()));
    const service = {
      authorization: `Bearer ${await signToken({ userId: randomUUID(), secret: SECRET, role: "service_role" })}`,
    };

    let vx = await startVx("serve", env);
    const api = (
      path: string,
      init: Omit<RequestInit, "body"> & { auth: Record<string, string>; body?: unknown },
      family: string,
    ) => call(vx.url, path, init, family, tally);
    // Each user's fixtures: a subscription (its deliveries go to the receiver) and a menu.
    const fixtures = await Promise.all(
      users.map(async (auth) => {
        const hook = await api(
          "/v1/webhooks",
          { method: "POST", auth, body: { url: hookUrl, events: ["call.started"] } },
          "webhooks",
        );
        const menu = await api(
          "/v1/ivr/menus",
          {
            method: "POST",
            auth,
            body: { name: "Main", prompt: "Press 1", items: [{ digit: "1", action: "agent", target: "a" }] },
          },
          "ivr",
        );
        const key = await api(
          "/v1/api-keys",
          { method: "POST", auth, body: { name: "load", scopes: ["ivr:read"] } },
          "api-keys",
        );
        return {
          auth,
          hookId: hook.body.id as string,
          menuId: menu.body.id as string,
          key: key.body.plain_key as string,
        };
      }),
    );

    // One round of every route family, for one user.
    const round = async ({ auth, hookId, menuId, key }: (typeof fixtures)[number], i: number) => {
      await api("/v1/api-keys", { method: "POST", auth, body: { name: `k${i}`, scopes: ["ivr:read"] } }, "api-keys");
      await api("/v1/api-keys?limit=5", { auth }, "api-keys");
      await api("/v1/api-keys/verify", { method: "POST", auth: service, body: { key } }, "api-keys");
      await api("/v1/events", { method: "POST", auth, body: { event: "call.started", payload: { i } } }, "webhooks");
      await api(`/v1/webhooks/${hookId}/messages?limit=5`, { auth }, "webhooks");
      const sessionId = `load-${randomUUID()}`;
      await api("/v1/ivr/sessions", { method: "POST", auth, body: { session_id: sessionId, menu_id: menuId } }, "ivr");
      await api(`/v1/ivr/sessions/${sessionId}/input`, { method: "POST", auth, body: { digits: "1" } }, "ivr");
      await api("/v1/ivr/menus", { auth: { "x-api-key": key } }, "ivr");
      await api(
        "/v1/me/consents",
        { method: "PUT", auth, body: { consents: [{ purpose: "marketing", granted: i % 2 === 0 }] } },
        "compliance",
      );
      await api("/v1/audit-logs?limit=5", { auth }, "compliance");
      await api("/v1/me", { auth }, "me");
    };
    const load = (until: () => boolean) =>
      Promise.all(
        fixtures.map(async (fixture) => {
          for (let i = 0; i < 2 || !until(); i++)
            await round(fixture, i).catch((error: unknown) => tally.failures.push(String(error)));
        }),
      );

    // 1. Sustained load: everything answered, nothing 5xx.
    const endsAt = Date.now() + LOAD_MS;
    await load(() => Date.now() > endsAt);
    expect(tally.failures.slice(0, 5)).toEqual([]);
    for (const family of ["api-keys", "webhooks", "ivr", "compliance", "me"])
      expect(tally.statuses.get(family)).toBeGreaterThanOrEqual(2 * CLIENTS);
    expect([...tally.statuses.keys()].filter((k) => k.startsWith("5"))).toEqual([]);

    // 2. SIGTERM in the middle of the same load: the process drains and exits 0 (1 would mean the timeout hit).
    let stopped = false;
    const during = load(() => stopped);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const signalled = performance.now();
    const exitCode = await vx.stop();
    stopped = true;
    const drainMs = performance.now() - signalled;
    await during;
    expect(exitCode, vx.output()).toBe(0);
    expect(vx.output()).toContain('"msg":"shut down"');
    // Refused or closed connections after the server stopped listening are expected; answers are never 5xx.
    expect(
      tally.failures.filter((f) => !/ECONNREFUSED|ECONNRESET|other side closed|fetch failed/.test(f)).slice(0, 5),
    ).toEqual([]);
    expect([...tally.statuses.keys()].filter((k) => k.startsWith("5"))).toEqual([]);
    console.info(`[load] ${target.name}: ${count(tally)} answers, drained in ${Math.round(drainMs)} ms after SIGTERM`);

    // 3. A restart on the same data: every acknowledged write is there.
    vx = await startVx("serve", env);
    try {
      const listed = new Set<string>();
      for (const { auth, hookId } of fixtures) {
        for (const id of await listAll(vx.url, "/v1/api-keys", auth)) listed.add(id);
        for (const id of await listAll(vx.url, `/v1/webhooks/${hookId}/messages`, auth, "event_id")) listed.add(id);
      }
      expect([...tally.keyIds].filter((id) => !listed.has(id))).toEqual([]);
      expect([...tally.eventIds].filter((id) => !listed.has(id))).toEqual([]);
      // Sessions have no list route: read each one back, its input applied.
      const sessions = await Promise.all(
        [...tally.sessions].map(([sessionId, auth]) =>
          call(vx.url, `/v1/ivr/sessions/${sessionId}`, { auth }, "check", tally).catch((error: unknown) =>
            String(error),
          ),
        ),
      );
      expect(sessions.filter((answer) => typeof answer === "string")).toEqual([]);
    } finally {
      await vx.stop();
    }
  }, 120_000);
});

async function newUser(): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signToken({ userId: randomUUID(), secret: SECRET })}` };
}

async function call(
  base: string,
  path: string,
  init: Omit<RequestInit, "body"> & { auth: Record<string, string>; body?: unknown },
  family: string,
  tally: Tally,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { auth, body, ...rest } = init;
  const res = await fetch(`${base}${path}`, {
    ...rest,
    headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  tally.statuses.set(family, (tally.statuses.get(family) ?? 0) + 1);
  if (res.status >= 500) tally.statuses.set(`${res.status} ${path}`, 1);
  if (res.status >= 400) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${JSON.stringify(answer)}`);
  if (res.status === 201 && path === "/v1/api-keys") tally.keyIds.add((answer.api_key as { id: string }).id);
  if (res.status === 202 && path === "/v1/events") tally.eventIds.add(answer.event_id as string);
  if (res.status === 201 && path === "/v1/ivr/sessions") {
    tally.sessions.set((answer.session as { session_id: string }).session_id, auth);
  }
  return { status: res.status, body: answer };
}

async function listAll(base: string, path: string, auth: Record<string, string>, field = "id"): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor: string | undefined; ; ) {
    const res = await fetch(`${base}${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
      headers: auth,
    });
    const page = (await res.json()) as { data: Array<Record<string, string>>; next_cursor: string | null };
    ids.push(...page.data.map((row) => row[field]!));
    if (!page.next_cursor) return ids;
    cursor = page.next_cursor;
  }
}

function count(tally: Tally): number {
  return ["api-keys", "webhooks", "ivr", "compliance", "me"].reduce(
    (sum, family) => sum + (tally.statuses.get(family) ?? 0),
    0,
  );
}
