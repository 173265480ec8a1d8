// Soak: mixed traffic (API-key verification, event triggers, IVR calls) against an API process while worker
// processes are SIGKILLed and replaced. Nothing is lost, no quota overshoots, and the API's memory stays flat.
// Short by default (SOAK_SECONDS=10 in the suite); run longer with e.g. SOAK_SECONDS=180. Postgres only, loopback only.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createPostgresTestDatabase, type TestDatabase, testPostgresUrl } from "@vx/db/testing";
import { type Receiver, startReceiver } from "@vx/webhooks/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "../src/token.js";
import { startVx, type VxProcess } from "./support/vx-process.js";

const SECRET = "soak-test-secret-0123456789abcdefghijkl";
const SOAK_MS = Number(process.env.SOAK_SECONDS ?? 10) * 1000;
const KILL_EVERY_MS = 2500;
const QUOTA = 60;

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

const title = "soak: mixed traffic while workers are killed and restarted";
describe.skipIf(!testPostgresUrl())(testPostgresUrl() ? title : `${title} [SKIPPED: needs TEST_DATABASE_URL]`, () => {
  let testDb: TestDatabase;
  let receiver: Receiver;
  let api: VxProcess;
  const workers: VxProcess[] = [];
  const common = () => ({
    DATABASE_URL: testDb.db.url,
    SUPABASE_JWT_SECRET: SECRET,
    WEBHOOK_ALLOW_HTTP: "true",
    WEBHOOK_ALLOW_PRIVATE_URLS: "true",
    // A short timeout makes a killed worker's lease (2 × timeout) expire quickly.
    WEBHOOK_TIMEOUT_MS: "1000",
    RATE_LIMIT_MAX: "1000000",
  });
  const startWorker = async () => {
    const worker = await startVx("worker", { ...common(), LOG_LEVEL: "info" });
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    testDb = await createPostgresTestDatabase(testPostgresUrl()!);
    receiver = await startReceiver();
    [api] = await Promise.all([
      startVx("serve", { ...common(), HOST: "127.0.0.1", PORT: "0", VX_WORKERS: "off", LOG_LEVEL: "warn" }),
      startWorker(),
      startWorker(),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([api, ...workers].filter(Boolean).map((p) => p.stop()));
    await receiver?.close();
    await testDb?.drop();
  }, 60_000);

  async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  it("loses no event, never overshoots a quota, ends every call consistently, and keeps memory flat", async () => {
    const userId = randomUUID();
    const auth = { authorization: `Bearer ${await signToken({ userId, secret: SECRET, expiresIn: "2h" })}` };
    const hook = await call("POST", "/v1/webhooks", auth, { url: receiver.url, events: ["call.started"] });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const key = await call("POST", "/v1/api-keys", auth, { name: "soak", usage_quota: QUOTA });
    expect(key.status).toBe(201);
    const keyHeaders = { "x-api-key": key.body.plain_key as string };
    const menu = await call("POST", "/v1/ivr/menus", auth, {
      name: "Main",
      prompt: "Press 1 for sales, 2 for support",
      items: [
        { digit: "1", label: "Sales", action: "agent", target: "sales" },
        { digit: "2", label: "Support", action: "agent", target: "support" },
      ],
    });
    expect(menu.status, JSON.stringify(menu.body)).toBe(201);

    let verifications = 0;
    let verified = 0;
    let accepted = 0;
    let calls = 0;
    let callsCompleted = 0;
    let killed = 0;
    const unexpected: string[] = [];
    const note = (what: string, status: number) => {
      if (unexpected.length < 20) unexpected.push(`${what}: ${status}`);
    };

    const started = Date.now();
    let rssEarly = 0;
    let nextKill = started + KILL_EVERY_MS;
    for (let round = 0; Date.now() - started < SOAK_MS && round < 5000; round++) {
      const verifying = Array.from({ length: 4 }, async () => {
        verifications++;
        const answer = await call("GET", "/v1/me", keyHeaders);
        if (answer.status === 200) verified++;
        else if (!(answer.status === 429 && answer.body?.code === "usage_exceeded")) note("verify", answer.status);
      });
      const triggering = Array.from({ length: 2 }, async () => {
        const answer = await call("POST", "/v1/events", auth, { event: "call.started", payload: { round } });
        if (answer.status === 202) accepted += answer.body.deliveries;
        else note("trigger", answer.status);
      });
      const calling = (async () => {
        const sessionId = `soak-${round}-${randomUUID()}`;
        calls++;
        const startAnswer = await call("POST", "/v1/ivr/sessions", auth, {
          session_id: sessionId,
          menu_id: menu.body.id,
        });
        if (startAnswer.status !== 201) return note("ivr start", startAnswer.status);
        const input = await call("POST", `/v1/ivr/sessions/${sessionId}/input`, auth, { digits: "2" });
        if (input.status !== 200) return note("ivr input", input.status);
        if (input.body.session.status === "completed") callsCompleted++;
      })();
      await Promise.all([...verifying, ...triggering, calling]);

      if (rssEarly === 0 && Date.now() - started > SOAK_MS / 4) rssEarly = await rssMiB(api.child.pid!);
      if (Date.now() >= nextKill) {
        // Kill a worker mid-flight, no goodbye, and bring up a replacement as a process manager would.
        const victim = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null);
        victim?.child.kill("SIGKILL");
        killed++;
        await startWorker();
        nextKill = Date.now() + KILL_EVERY_MS;
      }
    }
    const rssEnd = await rssMiB(api.child.pid!);

    expect(unexpected).toEqual([]);
    expect(killed).toBeGreaterThan(0);
    // Every accepted event reaches the receiver: leases of killed workers expire and survivors deliver.
    await receiver.waitForRequests(accepted);
    await expect.poll(() => receiver.deliveredIds().length, { timeout: 30_000, interval: 200 }).toBe(accepted);
    // And each message ends recorded as delivered (a killed worker's claim expired and another took it over).
    const delivered = async () =>
      Number(
        (
          await testDb.db.query<{ n: string }>(
            "SELECT count(*)::text AS n FROM webhook_messages WHERE status = 'delivered'",
          )
        ).rows[0]!.n,
      );
    await expect.poll(delivered, { timeout: 30_000, interval: 200 }).toBe(accepted);

    // The quota is exact: never one more success than it allows, and the stored count agrees.
    expect(verified).toBe(Math.min(QUOTA, verifications));
    const stored = await testDb.db.query<{ usage_count: number }>("SELECT usage_count FROM api_keys WHERE id = $1", [
      key.body.api_key.id,
    ]);
    expect(stored.rows[0]!.usage_count).toBe(verified);

    // Every call was handed to an agent and its session says so.
    expect(callsCompleted).toBe(calls);
    const sessions = await testDb.db.query<{ status: string; n: string }>(
      "SELECT status, count(*)::text AS n FROM ivr_sessions WHERE user_id = $1 GROUP BY status",
      [userId],
    );
    expect(sessions.rows).toEqual([{ status: "completed", n: String(calls) }]);

    // Flat memory: the end of the run is within a generous margin of a quarter of the way in.
    expect(rssEnd).toBeLessThan(rssEarly * 1.5 + 64);
  }, 180_000);
});
