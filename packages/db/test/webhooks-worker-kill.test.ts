// The no-loss proof: worker processes on one Postgres, SIGKILLed mid-delivery, and still every message arrives,
// each webhook-id is seen by a deduplicating receiver exactly once, and every attempt is logged.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PgWebhookRepository } from "@vx/db";
import { createPostgresTestDatabase, createUser, type TestDatabase, testPostgresUrl } from "@vx/db/testing";
import { WebhookService } from "@vx/webhooks";
import { type ReceivedRequest, type Receiver, startReceiver } from "@vx/webhooks/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const EVENTS = 120;
const WEBHOOKS = 2;
const MESSAGES = EVENTS * WEBHOOKS;
/** The receiver holds these requests until the worker that sent them has been SIGKILLed. */
const KILL_AT = [30, 90, 150];
const root = fileURLToPath(new URL("../../../", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/webhook-worker.ts", import.meta.url));
// The loader, not the tsx CLI: the CLI runs the script in a child process that a SIGKILL would orphan.
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;

const title = "webhook workers killed with SIGKILL mid-delivery";
describe.skipIf(!testPostgresUrl())(
  testPostgresUrl() ? title : `${title} [SKIPPED: needs TEST_DATABASE_URL; PGlite cannot be shared by processes]`,
  () => {
    let testDb: TestDatabase;
    let receiver: Receiver;
    const workers = new Map<string, ChildProcess>();
    let started = 0;
    const held: { request: ReceivedRequest; release: () => void }[] = [];
    let onHold: ((request: ReceivedRequest) => void) | undefined;

    async function startWorker(): Promise<void> {
      const id = `kill-test-${++started}`;
      const child = spawn(process.execPath, ["--import", tsx, fixture], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: testDb.db.url, WORKER_ID: id, TSX_TSCONFIG_PATH: `${root}tsconfig.json` },
        stdio: ["ignore", "pipe", "inherit"],
      });
      workers.set(id, child);
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
        child.once("exit", (code) => reject(new Error(`worker ${id} exited early (${code})`)));
      });
    }

    function kill(id: string): Promise<void> {
      const child = workers.get(id)!;
      workers.delete(id);
      return new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      });
    }

    beforeAll(async () => {
      testDb = await createPostgresTestDatabase(testPostgresUrl()!);
      receiver = await startReceiver({
        respond: (request) => {
          if (!KILL_AT.includes(request.sequence)) return { status: 200 };
          return new Promise((resolve) => {
            held.push({ request, release: () => resolve({ status: 200 }) });
            onHold?.(request);
          });
        },
      });
    }, 60_000);

    afterAll(async () => {
      for (const child of workers.values()) child.kill("SIGKILL");
      await receiver?.close();
      await testDb?.drop();
    }, 60_000);

    it("loses nothing, and a deduplicating receiver sees each message exactly once", { timeout: 60_000 }, async () => {
      const repository = new PgWebhookRepository(testDb.db);
      const service = new WebhookService({ repository, allowHttp: true, allowPrivateUrls: true });
      const userId = await createUser(testDb.db);
      for (let i = 0; i < WEBHOOKS; i++) {
        await service.createWebhook({ user_id: userId, url: receiver.url, events: ["call.started"] });
      }
      await Promise.all([startWorker(), startWorker(), startWorker()]);

      let kills = 0;
      const killed = new Promise<void>((resolve) => {
        onHold = (request) => {
          // The process that sent this request is still waiting for the answer: kill it now, then answer.
          void kill(String(request.headers["x-test-worker"]))
            .then(() => startWorker())
            .then(() => {
              held.find((h) => h.request === request)!.release();
              if (++kills === KILL_AT.length) resolve();
            });
        };
      });
      for (let i = 0; i < EVENTS; i++) await service.triggerEvent("call.started", { i }, { userId });
      await killed;

      await vi.waitFor(
        async () => {
          const { rows } = await testDb.db.query<{ n: string }>(
            "SELECT count(*) AS n FROM public.webhook_messages WHERE status = 'delivered'",
          );
          expect(Number(rows[0]!.n)).toBe(MESSAGES);
        },
        { timeout: 30_000, interval: 100 },
      );
      await Promise.all(
        [...workers.values()].map((child) => new Promise((resolve) => child.once("exit", resolve).kill("SIGTERM"))),
      );
      workers.clear();
      await service.close();

      const messages = (
        await testDb.db.query<{ id: string; attempts: number }>("SELECT id, attempts FROM public.webhook_messages")
      ).rows;
      const logs = (
        await testDb.db.query<{ message_id: string; attempts: number[] }>(
          `SELECT m.id AS message_id, array_agg(l.attempt_number ORDER BY l.attempt_number) AS attempts
             FROM public.webhook_messages m JOIN public.webhook_logs l ON l.webhook_id = m.webhook_id
            WHERE l.payload = (SELECT e.body::jsonb FROM public.webhook_events e WHERE e.id = m.event_id)
            GROUP BY m.id`,
        )
      ).rows;
      const attemptsLogged = new Map(logs.map((row) => [row.message_id, row.attempts]));
      const requestsPerId = new Map<string, number>();
      for (const r of receiver.requests) {
        const id = String(r.headers["webhook-id"]);
        requestsPerId.set(id, (requestsPerId.get(id) ?? 0) + 1);
      }

      expect(kills).toBe(KILL_AT.length);
      // No loss: every message arrived, and the deduplicated stream is exactly the set of messages.
      expect(messages).toHaveLength(MESSAGES);
      expect(new Set(receiver.deliveredIds())).toEqual(new Set(messages.map((m) => m.id)));
      for (const message of messages) {
        const sent = requestsPerId.get(message.id) ?? 0;
        // Every attempt logged, numbered 1..n without gaps or repeats, and never more requests than attempts.
        expect(attemptsLogged.get(message.id), message.id).toEqual(
          Array.from({ length: message.attempts }, (_, i) => i + 1),
        );
        expect(sent).toBeGreaterThanOrEqual(1);
        expect(sent).toBeLessThanOrEqual(message.attempts);
        // A message whose first worker never died was sent exactly once.
        if (message.attempts === 1) expect(sent).toBe(1);
      }
      // The held messages were in flight when their worker died: they were retried by another worker.
      for (const { request } of held) {
        const id = String(request.headers["webhook-id"]);
        expect(messages.find((m) => m.id === id)!.attempts).toBeGreaterThanOrEqual(2);
      }
    });
  },
);
