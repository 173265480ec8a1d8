// Worker process of the webhooks benchmark. BENCH_MODE:
//   vx      our DeliveryWorker (BENCH_BATCH, BENCH_IN_FLIGHT, BENCH_GATHER_MS, BENCH_RECORDS, BENCH_RECORD_GATHER_MS),
//           woken by NOTIFY; BENCH_STATS=1 prints its claims and records (calls, messages and ms waited) to stderr
//           when it stops
//   pgboss  pg-boss 10 `work()` loops (BENCH_LOOPS per process, BENCH_BATCH jobs per fetch) doing the same signed
//           POSTs, then one INSERT of the attempts' log rows per batch
//   ceiling a bare undici loop, no database: BENCH_WARM signed POSTs, then "warm"; on a line on stdin,
//           BENCH_MESSAGES more with BENCH_CONCURRENCY (50) in flight, then "done <its CPU ms during them>"
import { createInterface } from "node:readline";
import { Database, listenForWebhookMessages, PgWebhookRepository } from "@vx/db";
import { createHttpSender, DeliveryWorker, signHeaders } from "@vx/webhooks";
import PgBoss from "pg-boss";
import { inParallel } from "./in-parallel.js";

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
  const repository = new PgWebhookRepository(db);
  const stats = { claims: 0, claimed: 0, empty: 0, claimMs: 0, records: 0, recorded: 0, recordMs: 0 };
  if (process.env.BENCH_STATS) {
    const claim = repository.claim.bind(repository);
    const record = repository.record.bind(repository);
    repository.claim = async (options) => {
      const started = performance.now();
      const rows = await claim(options);
      stats.claimMs += performance.now() - started;
      stats.claims++;
      stats.claimed += rows.length;
      if (rows.length === 0) stats.empty++;
      return rows;
    };
    repository.record = async (records, options) => {
      stats.records++;
      stats.recorded += records.length;
      const started = performance.now();
      const applied = await record(records, options);
      stats.recordMs += performance.now() - started;
      return applied;
    };
  }
  const worker = new DeliveryWorker({
    repository,
    send: sender.send,
    batchSize: batch,
    maxInFlight: Number(process.env.BENCH_IN_FLIGHT ?? batch * 2),
    ...(process.env.BENCH_GATHER_MS ? { gatherMs: Number(process.env.BENCH_GATHER_MS) } : {}),
    ...(process.env.BENCH_RECORDS ? { maxConcurrentRecords: Number(process.env.BENCH_RECORDS) } : {}),
    ...(process.env.BENCH_RECORD_GATHER_MS ? { recordGatherMs: Number(process.env.BENCH_RECORD_GATHER_MS) } : {}),
    onError: (error) => console.error(`vx worker: ${(error as Error).message}`),
  });
  worker.start();
  const listener = await listenForWebhookMessages(url, () => worker.wake());
  return async () => {
    if (process.env.BENCH_STATS) console.error(`vx worker ${process.pid}: ${JSON.stringify(stats)}`);
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
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 50);
  const body = JSON.stringify({
    type: "call.started",
    timestamp: new Date().toISOString(),
    data: { callId: "call_123" },
  });
  const loop = (count: number) => inParallel(count, concurrency, (i) => post(target, SECRET, `msg_${i}`, body));
  // Warm like the engines' workers, then wait for "go" on stdin, so that several senders start together.
  await loop(Number(process.env.BENCH_WARM ?? 0));
  process.stdout.write("warm\n");
  await createInterface({ input: process.stdin })[Symbol.asyncIterator]().next();
  const cpuBefore = process.cpuUsage();
  await loop(total);
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(`done ${(cpu.user + cpu.system) / 1000}\n`);
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
