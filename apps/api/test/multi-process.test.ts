// The API is stateless: two `vx serve` processes (VX_WORKERS=off) and two `vx worker` processes on one Postgres
// behave as one. A key's quota and rate limit hold exactly across both APIs, every event triggered through either
// API is delivered exactly once by the workers, and IVR keys pressed on one call through both APIs all apply.
// Postgres only: PGlite lives inside one process.
import { randomUUID } from "node:crypto";
import { createPostgresTestDatabase, type TestDatabase, testPostgresUrl } from "@vx/db/testing";
import { type Receiver, startReceiver } from "@vx/webhooks/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signToken } from "../src/token.js";
import { startVx, type VxProcess } from "./support/vx-process.js";

const SECRET = "multi-process-test-secret-0123456789abcdef";

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of many shapes
  body: any;
}

const title = "two API processes and two worker processes on one Postgres";
describe.skipIf(!testPostgresUrl())(
  testPostgresUrl() ? title : `${title} [SKIPPED: needs TEST_DATABASE_URL; PGlite cannot be shared by processes]`,
  () => {
    let testDb: TestDatabase;
    let receiver: Receiver;
    const started: VxProcess[] = [];
    let apis: VxProcess[];

    beforeAll(async () => {
      testDb = await createPostgresTestDatabase(testPostgresUrl()!);
      receiver = await startReceiver();
      const common = {
        DATABASE_URL: testDb.db.url,
        SUPABASE_JWT_SECRET: SECRET,
        WEBHOOK_ALLOW_HTTP: "true",
        WEBHOOK_ALLOW_PRIVATE_URLS: "true",
        // The per-IP limiter on failed auth would stand between the test and the quota it measures.
        RATE_LIMIT_MAX: "100000",
      };
      const start = (command: "serve" | "worker", env: Record<string, string>) =>
        startVx(command, { ...common, ...env }).then((p) => {
          started.push(p);
          return p;
        });
      const api = { HOST: "127.0.0.1", PORT: "0", VX_WORKERS: "off", LOG_LEVEL: "warn" };
      const worker = { LOG_LEVEL: "info" };
      // All four at once, as a process manager starts them: they share one migration lock and must all come up.
      [apis] = await Promise.all([
        Promise.all([start("serve", api), start("serve", api)]),
        Promise.all([start("worker", worker), start("worker", worker)]),
      ]);
    }, 120_000);

    afterAll(async () => {
      await Promise.all(started.map((p) => p.stop()));
      await receiver?.close();
      await testDb?.drop();
    }, 60_000);

    async function call(api: VxProcess, method: string, path: string, headers = {}, body?: unknown): Promise<Answer> {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    }

    async function user() {
      const userId = randomUUID();
      const headers = { authorization: `Bearer ${await signToken({ userId, secret: SECRET })}` };
      return { userId, headers };
    }

    /** Sends `count` requests at once, alternating between the two APIs. */
    function spread(count: number, send: (api: VxProcess, i: number) => Promise<Answer>): Promise<Answer[]> {
      return Promise.all(Array.from({ length: count }, (_, i) => send(apis[i % 2]!, i)));
    }

    const tally = (answers: Answer[]) => {
      const counts: Record<string, number> = {};
      for (const a of answers) {
        const key = a.status < 400 ? String(a.status) : `${a.status} ${a.body?.code}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    };

    it("answers /health and /ready on every process without credentials, as a load balancer probes them", async () => {
      for (const api of apis) {
        const probes = await Promise.all(
          Array.from({ length: 20 }, (_, i) => call(api, "GET", i % 2 ? "/health" : "/ready")),
        );
        for (const probe of probes) expect(probe.status).toBe(200);
        expect(probes[0]!.body).toMatchObject({
          status: "ready",
          checks: { database: { ok: true, kind: "postgres" }, migrations: { ok: true, pending: [] } },
        });
        expect(probes[1]!.body).toMatchObject({ status: "ok", version: expect.any(String) });
      }
    });

    it("counts an API key's quota exactly across both APIs: N successes, then usage_exceeded", async () => {
      const { headers } = await user();
      const quota = 40;
      const created = await call(apis[0]!, "POST", "/v1/api-keys", headers, { name: "quota", usage_quota: quota });
      expect(created.status).toBe(201);
      const key = { authorization: `Bearer ${created.body.plain_key}` };

      const answers = await spread(quota * 2, (api) => call(api, "GET", "/v1/me", key));

      expect(tally(answers)).toEqual({ "200": quota, "429 usage_exceeded": quota });
      const stored = await testDb.db.query<{ usage_count: number; counted: string }>(
        `SELECT k.usage_count, (SELECT sum(request_count) FROM public.api_key_usage_hourly h WHERE h.key_id = k.id)::text AS counted
           FROM public.api_keys k WHERE k.id = $1`,
        [created.body.api_key.id],
      );
      expect(stored.rows[0]).toEqual({ usage_count: quota, counted: String(quota) });
    });

    it("enforces an API key's hourly rate limit exactly across both APIs", async () => {
      const { headers } = await user();
      const limit = 30;
      const created = await call(apis[1]!, "POST", "/v1/api-keys", headers, { name: "limited", rate_limit: limit });
      expect(created.status).toBe(201);
      const key = { "x-api-key": created.body.plain_key };

      const answers = await spread(limit * 2, (api) => call(api, "GET", "/v1/me", key));

      const ok = answers.filter((a) => a.status === 200).length;
      expect(tally(answers)).toEqual({ "200": ok, "429 rate_limited": limit * 2 - ok });
      const buckets = (
        await testDb.db.query<{ request_count: number }>(
          "SELECT request_count FROM public.api_key_usage_hourly WHERE key_id = $1",
          [created.body.api_key.id],
        )
      ).rows.map((r) => r.request_count);
      // Exactly the limit in the hour; a run straddling an hour boundary may fill two hours, each to the limit.
      for (const count of buckets) expect(count).toBeLessThanOrEqual(limit);
      expect(ok).toBe(buckets.reduce((sum, n) => sum + n, 0));
      if (buckets.length === 1) expect(ok).toBe(limit);
    });

    it("delivers every event triggered through either API exactly once, from the worker processes", async () => {
      const { userId, headers } = await user();
      const hook = await call(apis[0]!, "POST", "/v1/webhooks", headers, {
        url: receiver.url,
        events: ["call.started"],
      });
      expect(hook.status).toBe(201);
      const events = 60;

      const triggered = await spread(events, (api, i) =>
        call(api, "POST", "/v1/events", headers, { event: "call.started", payload: { i } }),
      );

      expect(tally(triggered)).toEqual({ "202": events });
      await receiver.waitForRequests(events);
      // Done when every message is recorded as delivered: after that no worker sends anything again.
      await vi.waitFor(
        async () => {
          const { rows } = await testDb.db.query<{ n: string }>(
            "SELECT count(*)::text AS n FROM public.webhook_messages WHERE user_id = $1 AND status = 'delivered'",
            [userId],
          );
          expect(Number(rows[0]!.n)).toBe(events);
        },
        { timeout: 20_000, interval: 50 },
      );
      const messages = (
        await testDb.db.query<{ id: string; attempts: number }>(
          "SELECT id, attempts FROM public.webhook_messages WHERE user_id = $1",
          [userId],
        )
      ).rows;
      // Each message claimed once (one attempt), sent once (one request with its webhook-id), logged once.
      expect(messages.map((m) => m.attempts)).toEqual(Array(events).fill(1));
      expect(receiver.requests).toHaveLength(events);
      expect(new Set(receiver.deliveredIds())).toEqual(new Set(messages.map((m) => m.id)));
      const payloads = receiver.requests.map((r) => JSON.parse(r.body).data.i as number).sort((x, y) => x - y);
      expect(payloads).toEqual(Array.from({ length: events }, (_, i) => i));
      const logs = await testDb.db.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM public.webhook_logs WHERE webhook_id = $1 AND status_code = 200",
        [hook.body.id],
      );
      expect(Number(logs.rows[0]!.n)).toBe(events);
    });

    it("applies every key pressed on one call, whichever API receives it, one step after another", async () => {
      const { headers } = await user();
      const menu = async (name: string, items: object[]) => {
        const created = await call(apis[0]!, "POST", "/v1/ivr/menus", headers, { name, prompt: `${name} menu`, items });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        return created.body.id as string;
      };
      // Eight 1s lead one menu deeper: an entry completes only when all eight keys have been applied.
      const leaf = await menu("Leaf", [{ digit: "1", action: "agent", target: "support" }]);
      const middle = await menu("Middle", [{ digit: "11111111", action: "submenu", target: leaf }]);
      const top = await menu("Top", [{ digit: "11111111", action: "submenu", target: middle }]);
      const callId = `CA${randomUUID().replaceAll("-", "")}`;
      const startedCall = await call(apis[1]!, "POST", "/v1/ivr/sessions", headers, {
        session_id: callId,
        menu_id: top,
      });
      expect(startedCall.status).toBe(201);

      // Eight presses at once, split over both APIs, twice: each answered 200 with no client-side retry.
      const press = (api: VxProcess) =>
        call(api, "POST", `/v1/ivr/sessions/${callId}/input`, headers, { digits: "1", partial: true });
      for (let round = 0; round < 2; round++) {
        expect(tally(await spread(8, press))).toEqual({ "200": 8 });
      }

      const session = await call(apis[0]!, "GET", `/v1/ivr/sessions/${callId}`, headers);
      expect(session.body).toMatchObject({
        menu_stack: [top, middle, leaf],
        status: "active",
        state: { buffer: "", invalid_count: 0 },
        // One write per key: none lost, none applied twice.
        version: 16,
      });
    });

    it("stops every process gracefully on SIGTERM", async () => {
      const codes = await Promise.all(started.map((p) => p.stop()));
      expect(codes, started.map((p) => p.output().slice(-2000)).join("\n---\n")).toEqual([0, 0, 0, 0]);
    });
  },
);
