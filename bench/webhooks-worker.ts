// Worker process of the webhooks benchmark. BENCH_MODE:
//   vx      our DeliveryWorker (BENCH_BATCH, BENCH_IN_FLIGHT, BENCH_GATHER_MS, BENCH_RECORDS), woken by NOTIFY
//   pgboss  pg-boss 10 `work()` loops (BENCH_LOOPS per process, BENCH_BATCH jobs per fetch) doing the same signed
//           POSTs, then one INSERT of the attempts' log rows per batch
//   ceiling a bare undici loop, no database: BENCH_MESSAGES signed POSTs with 50 in flight; prints
//           "done <ms> <its CPU ms during the loop>"
import { Database, listenForWebhookMessages, PgWebhookRepository } from "@vx/db";
import { createHttpSender, DeliveryWorker, signHeaders } from "@vx/webhooks";
import PgBoss from "pg-boss";

const mode = process.env.BENCH_MODE ?? "vx";
const url = process.env.DATABASE_URL ?? "";
const batch = Number(process.env.BENCH_BATCH ?? 50);
const sender = createHttpSender({ allowPrivateUrls: true });
export const QUEUE = "bench-webhooks";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

interface BossJob {
  id: string;
  data: { url: string; secret: string; body: string };
}

async function post(target: string, secret: string, id: string, body: string): Promise<number> {
  const headers = {
    "content-type": "application/json",
    ...signHeaders([secret], id, Math.floor(Date.now() / 1000), body),
  };
  try {
    return (await sender.send({ url: target, headers, body, timeoutMs: 15_000 })).status;
  } catch {
    return 0;
  }
}

async function runVx(): Promise<() => Promise<void>> {
  const db = new Database({ kind: "postgres", url, poolSize: 4 });
  const worker = new DeliveryWorker({
    repository: new PgWebhookRepository(db),
    send: sender.send,
    batchSize: batch,
    maxInFlight: Number(process.env.BENCH_IN_FLIGHT ?? batch * 2),
    ...(process.env.BENCH_GATHER_MS ? { gatherMs: Number(process.env.BENCH_GATHER_MS) } : {}),
    ...(process.env.BENCH_RECORDS ? { maxConcurrentRecords: Number(process.env.BENCH_RECORDS) } : {}),
    onError: (error) => console.error(`vx worker: ${(error as Error).message}`),
  });
  worker.start();
  const listener = await listenForWebhookMessages(url, () => worker.wake());
  return async () => {
    await listener.close();
    await worker.stop();
    await db.close();
  };
}

async function runPgBoss(): Promise<() => Promise<void>> {
  const boss = new PgBoss({ connectionString: url, max: 4, schedule: false, supervise: false });
  boss.on("error", (error) => console.error(`pg-boss: ${error.message}`));
  await boss.start();
  const db = new Database({ kind: "postgres", url, poolSize: 2 });
  const loops = Number(process.env.BENCH_LOOPS ?? 2);
  for (let i = 0; i < loops; i++) {
    await boss.work<BossJob["data"]>(QUEUE, { batchSize: batch, pollingIntervalSeconds: 0.5 }, async (jobs) => {
      const statuses = await Promise.all(jobs.map((job) => post(job.data.url, job.data.secret, job.id, job.data.body)));
      await db.query(
        "INSERT INTO bench_pgboss_logs (job_id, status_code) SELECT * FROM unnest($1::uuid[], $2::int[])",
        [jobs.map((job) => job.id), statuses],
      );
    });
  }
  return async () => {
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    await db.close();
  };
}

async function runCeiling(): Promise<void> {
  const target = process.env.BENCH_TARGET ?? "";
  const total = Number(process.env.BENCH_MESSAGES ?? 10_000);
  const body = JSON.stringify({
    type: "call.started",
    timestamp: new Date().toISOString(),
    data: { callId: "call_123" },
  });
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < total) {
        const id = `msg_${next++}`;
        await post(target, SECRET, id, body);
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(`done ${performance.now() - started} ${(cpu.user + cpu.system) / 1000}\n`);
  await sender.close();
}

if (mode === "ceiling") {
  await runCeiling();
} else {
  const stop = mode === "pgboss" ? await runPgBoss() : await runVx();
  process.stdout.write("ready\n");
  process.on("SIGTERM", async () => {
    await stop();
    await sender.close();
    process.exit(0);
  });
}
