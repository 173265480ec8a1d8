// `pnpm bench webhooks`: webhook deliveries per second (trigger → signed POST received → attempt logged) to a local
// receiver, with 1 and 4 worker processes, against pg-boss 10 doing the same POSTs on the same Postgres and a bare
// undici loop with no database (the ceiling); end to end (producers triggering meanwhile) and draining a backlog;
// and trigger-to-delivery latency when idle.
// Writes bench/results/webhooks.md. Settings: BENCH_ROUNDS (3), BENCH_MESSAGES per figure (10000),
// BENCH_POSTGRES_URL (the local server).
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { openDatabase, PgWebhookRepository } from "@vx/db";
import { withDatabase } from "@vx/db/testing";
import { WebhookService } from "@vx/webhooks";
import pg from "pg";
import PgBoss from "pg-boss";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
const LATENCY_EVENTS = 200;
const PRODUCERS = 16;
const SERVER_URL = process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const DB_NAME = "vx_bench_webhooks";
const QUEUE = "bench-webhooks";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const here = import.meta.dirname;
const root = join(here, "..");

/** pg-boss settings tried in the tuning pass (jobs per fetch × work() loops per process); the best is kept. */
const BOSS_GRID = [
  { batch: 100, loops: 4 },
  { batch: 500, loops: 1 },
  { batch: 500, loops: 2 },
  { batch: 1000, loops: 2 },
];
const VX_BATCH = 100;

interface Tuning {
  setting: { batch: number; loops: number };
  e2e1: number;
  e2e4: number;
  drain1: number;
  drain4: number;
}

type Figures = Record<
  "ceiling" | "vx1" | "vx4" | "boss1" | "boss4" | "drainVx1" | "drainVx4" | "drainBoss1" | "drainBoss4",
  number[]
>;

interface Child {
  child: ChildProcess;
  lines: AsyncIterableIterator<string>;
}

function start(file: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ["--import", "tsx", join(here, file)], {
    cwd: root,
    env: { ...process.env, ...env, TSX_TSCONFIG_PATH: join(root, "tsconfig.json"), NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
}

async function line(c: Child, prefix: string): Promise<string> {
  for (;;) {
    const next = await c.lines.next();
    if (next.done) throw new Error(`child exited before printing "${prefix}"`);
    if (next.value.startsWith(prefix)) return next.value.slice(prefix.length).trim();
  }
}

function stop(c: Child): Promise<void> {
  return new Promise((resolve) => {
    if (c.child.exitCode !== null) return resolve();
    c.child.once("exit", () => resolve());
    c.child.kill("SIGTERM");
  });
}

async function startWorkers(count: number, env: Record<string, string>): Promise<Child[]> {
  const children = Array.from({ length: count }, () => start("webhooks-worker.ts", { DATABASE_URL: dbUrl, ...env }));
  await Promise.all(children.map((c) => line(c, "ready")));
  return children;
}

const dbUrl = withDatabase(SERVER_URL, DB_NAME);
let receiverUrl = "";
let statsUrl = "";

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function receiverStats(): Promise<{ count: number; latencies: number[] }> {
  return (await fetch(`${statsUrl}/stats`)).json() as Promise<{ count: number; latencies: number[] }>;
}

async function resetReceiver(): Promise<void> {
  await fetch(`${statsUrl}/reset`, { method: "POST" });
}

/** Runs `produce` while polling `done()` every 25 ms; returns ms from the first trigger to the last logged delivery. */
async function timed(produce: () => Promise<void>, done: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const producing = produce();
  for (;;) {
    if ((await done()) >= MESSAGES) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await producing;
  return performance.now() - started;
}

async function inParallel(total: number, lanes: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < total) await work(next++);
    }),
  );
}

const body = (i: number) => ({ callId: `call_${i}`, agentId: "agent_456", phoneNumber: "+1234567890" });

const loadAtStart = loadavg()[0]!;

async function main(): Promise<void> {
  await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${DB_NAME}`);
  const db = await openDatabase({ url: dbUrl, poolSize: PRODUCERS + 4 });
  await db.query("CREATE TABLE bench_pgboss_logs (job_id uuid, status_code int, created_at timestamptz DEFAULT now())");
  const receiver = start("webhooks-receiver.ts", {});
  const port = await line(receiver, "port");
  statsUrl = `http://127.0.0.1:${port}`;
  receiverUrl = `${statsUrl}/hook`;

  const repository = new PgWebhookRepository(db);
  const service = new WebhookService({ repository, allowHttp: true, allowPrivateUrls: true });
  const { rows } = await db.query<{ id: string }>("INSERT INTO auth.users DEFAULT VALUES RETURNING id");
  const userId = rows[0]!.id;
  await service.createWebhook({ user_id: userId, url: receiverUrl, events: ["call.started"] });

  const vxDelivered = async () =>
    Number(
      (await db.query<{ n: string }>("SELECT count(*) AS n FROM webhook_messages WHERE status = 'delivered'")).rows[0]!
        .n,
    );
  const bossLogged = async () =>
    Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM bench_pgboss_logs")).rows[0]!.n);

  async function runVx(workers: number): Promise<number> {
    await db.query("TRUNCATE webhook_events, webhook_logs CASCADE");
    await resetReceiver();
    const children = await startWorkers(workers, { BENCH_MODE: "vx", BENCH_BATCH: String(VX_BATCH) });
    const ms = await timed(
      () => inParallel(MESSAGES, PRODUCERS, (i) => service.triggerEvent("call.started", body(i), { userId })),
      vxDelivered,
    );
    await Promise.all(children.map(stop));
    await check(MESSAGES);
    return (MESSAGES / ms) * 1000;
  }

  async function runBoss(workers: number, setting: { batch: number; loops: number }): Promise<number> {
    await db.query("DROP SCHEMA IF EXISTS pgboss CASCADE; TRUNCATE bench_pgboss_logs");
    const boss = new PgBoss({ connectionString: dbUrl, max: PRODUCERS, schedule: false, supervise: false });
    await boss.start();
    await boss.createQueue(QUEUE);
    await resetReceiver();
    const children = await startWorkers(workers, {
      BENCH_MODE: "pgboss",
      BENCH_BATCH: String(setting.batch),
      BENCH_LOOPS: String(setting.loops),
    });
    const ms = await timed(
      () =>
        inParallel(MESSAGES, PRODUCERS, (i) =>
          boss.send(QUEUE, {
            url: receiverUrl,
            secret: SECRET,
            body: JSON.stringify({ type: "call.started", data: body(i) }),
          }),
        ),
      bossLogged,
    );
    await Promise.all(children.map(stop));
    await boss.stop({ graceful: false, wait: true });
    await check(MESSAGES);
    return (MESSAGES / ms) * 1000;
  }

  /** The backlog is enqueued in one transaction while the workers idle; the clock starts at its commit. */
  async function drainVx(workers: number): Promise<number> {
    await db.query("TRUNCATE webhook_events, webhook_logs CASCADE");
    await resetReceiver();
    const children = await startWorkers(workers, { BENCH_MODE: "vx", BENCH_BATCH: String(VX_BATCH) });
    let started = 0;
    await db.transaction(async (tx) => {
      for (let i = 0; i < MESSAGES; i++) await service.triggerEvent("call.started", body(i), { userId, tx });
      started = performance.now();
    });
    while ((await vxDelivered()) < MESSAGES) await new Promise((resolve) => setTimeout(resolve, 25));
    const ms = performance.now() - started;
    await Promise.all(children.map(stop));
    await check(MESSAGES);
    return (MESSAGES / ms) * 1000;
  }

  /** The backlog is inserted with one `boss.insert` while the workers idle; the clock starts before it. */
  async function drainBoss(workers: number, setting: { batch: number; loops: number }): Promise<number> {
    await db.query("DROP SCHEMA IF EXISTS pgboss CASCADE; TRUNCATE bench_pgboss_logs");
    const boss = new PgBoss({ connectionString: dbUrl, max: 4, schedule: false, supervise: false });
    await boss.start();
    await boss.createQueue(QUEUE);
    await resetReceiver();
    const children = await startWorkers(workers, {
      BENCH_MODE: "pgboss",
      BENCH_BATCH: String(setting.batch),
      BENCH_LOOPS: String(setting.loops),
    });
    const jobs = Array.from({ length: MESSAGES }, (_, i) => ({
      name: QUEUE,
      data: { url: receiverUrl, secret: SECRET, body: JSON.stringify({ type: "call.started", data: body(i) }) },
    }));
    const started = performance.now();
    await boss.insert(jobs);
    while ((await bossLogged()) < MESSAGES) await new Promise((resolve) => setTimeout(resolve, 25));
    const ms = performance.now() - started;
    await Promise.all(children.map(stop));
    await boss.stop({ graceful: false, wait: true });
    await check(MESSAGES);
    return (MESSAGES / ms) * 1000;
  }

  async function runCeiling(): Promise<number> {
    await resetReceiver();
    const c = start("webhooks-worker.ts", {
      BENCH_MODE: "ceiling",
      BENCH_TARGET: receiverUrl,
      BENCH_MESSAGES: String(MESSAGES),
    });
    const ms = Number(await line(c, "done"));
    await stop(c);
    await check(MESSAGES);
    return (MESSAGES / ms) * 1000;
  }

  /** Idle latency: one event at a time, 20 ms apart, to an idle worker woken by NOTIFY. */
  async function runLatency(): Promise<number[]> {
    await db.query("TRUNCATE webhook_events, webhook_logs CASCADE");
    await resetReceiver();
    const [child] = await startWorkers(1, { BENCH_MODE: "vx", BENCH_BATCH: String(VX_BATCH) });
    for (let i = 0; i < LATENCY_EVENTS; i++) {
      await service.triggerEvent("call.started", { sent_at: performance.timeOrigin + performance.now() }, { userId });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    while ((await receiverStats()).count < LATENCY_EVENTS) await new Promise((resolve) => setTimeout(resolve, 50));
    await stop(child!);
    return (await receiverStats()).latencies;
  }

  async function check(expected: number): Promise<void> {
    const { count } = await receiverStats();
    if (count < expected) throw new Error(`receiver saw ${count} requests, expected ${expected}`);
  }

  // Warm-up (JIT, connections, the receiver), then the pg-boss tuning pass.
  console.log("warm-up");
  const saved = MESSAGES;
  await runCeiling();
  await runVx(1);
  console.log("tuning pg-boss");
  const tuning: Tuning[] = [];
  for (const setting of BOSS_GRID) {
    const t: Tuning = {
      setting,
      e2e1: await runBoss(1, setting),
      e2e4: await runBoss(4, setting),
      drain1: await drainBoss(1, setting),
      drain4: await drainBoss(4, setting),
    };
    tuning.push(t);
    console.log(
      `  pg-boss ${setting.batch} × ${setting.loops}: e2e ${fmt(t.e2e1)}/${fmt(t.e2e4)}/s, drain ${fmt(t.drain1)}/${fmt(t.drain4)}/s`,
    );
  }
  const best = (key: keyof Omit<Tuning, "setting">) => tuning.reduce((a, b) => (b[key] > a[key] ? b : a)).setting;
  const settings = { e2e1: best("e2e1"), e2e4: best("e2e4"), drain1: best("drain1"), drain4: best("drain4") };

  const figures: Figures = {
    ceiling: [],
    vx1: [],
    vx4: [],
    boss1: [],
    boss4: [],
    drainVx1: [],
    drainVx4: [],
    drainBoss1: [],
    drainBoss4: [],
  };
  for (let round = 1; round <= ROUNDS; round++) {
    figures.ceiling.push(await runCeiling());
    figures.vx1.push(await runVx(1));
    figures.boss1.push(await runBoss(1, settings.e2e1));
    figures.vx4.push(await runVx(4));
    figures.boss4.push(await runBoss(4, settings.e2e4));
    figures.drainVx1.push(await drainVx(1));
    figures.drainBoss1.push(await drainBoss(1, settings.drain1));
    figures.drainVx4.push(await drainVx(4));
    figures.drainBoss4.push(await drainBoss(4, settings.drain4));
    console.log(
      `round ${round}: ${Object.entries(figures)
        .map(([k, v]) => `${k} ${fmt(v.at(-1)!)}/s`)
        .join(", ")}`,
    );
  }
  const latencies = (await runLatency()).sort((a, b) => a - b);

  await service.close();
  await stop(receiver);
  await db.close();
  await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  writeResults(figures, tuning, settings, latencies, saved);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const range = (values: number[]) => `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`;

function ratio(a: number[], b: number[]): string {
  const per = a.map((x, i) => x / b[i]!);
  return `${median(per).toFixed(2)} (${Math.min(...per).toFixed(2)}–${Math.max(...per).toFixed(2)})`;
}

function writeResults(
  f: Figures,
  tuning: Tuning[],
  settings: Record<"e2e1" | "e2e4" | "drain1" | "drain4", { batch: number; loops: number }>,
  latencies: number[],
  messages: number,
): void {
  const row = (label: string, values: number[], ceiling: number[], boss?: number[]) =>
    `| ${label} | ${fmt(median(values))} (${range(values)}) | ${ratio(values, ceiling)} | ${boss ? ratio(values, boss) : ""} |`;
  const s = (k: keyof typeof settings) => `batch ${settings[k].batch} × ${settings[k].loops} loops`;
  const n = messages.toLocaleString("en-US");
  const text = `## Webhooks: deliveries per second (\`bench/webhooks.ts\`)

Command: \`pnpm bench webhooks\` (${ROUNDS} rounds of ${n} messages per figure, after a warm-up and a pg-boss tuning
pass; figures run in turn within each round, so each ratio compares figures of the same round). A delivery counts when
the receiver has answered the signed POST **and** the attempt is logged. Every worker, the receiver (answers 200 at
once) and the producer run in their own processes on 127.0.0.1; Postgres is the local server with its default
configuration. Medians with the range over rounds; ratios are medians of per-round ratios. Machine load average
(1 min) at the start and the end of the run: ${loadAtStart.toFixed(1)} and ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores.

- **End to end**: the clock runs from the first trigger until all ${n} deliveries are logged, while ${PRODUCERS}
  concurrent producers trigger one event per call (\`triggerEvent\` / \`boss.send\`), so producers and workers share
  the machine and the database, as in production.
- **Backlog**: ${n} messages are enqueued while the workers idle (vx: one transaction, the clock starts at its commit;
  pg-boss: one \`boss.insert\`, the clock starts before it) and drained: the delivery engine alone.

| figure | deliveries/s | ÷ ceiling | ÷ pg-boss, same processes and mode |
|---|---|---|---|
${row("bare undici loop, no database (the ceiling), 50 in flight", f.ceiling, f.ceiling)}
${row("end to end: vx, 1 worker process", f.vx1, f.ceiling, f.boss1)}
${row("end to end: vx, 4 worker processes", f.vx4, f.ceiling, f.boss4)}
${row(`end to end: pg-boss, 1 process (${s("e2e1")})`, f.boss1, f.ceiling)}
${row(`end to end: pg-boss, 4 processes (${s("e2e4")})`, f.boss4, f.ceiling)}
${row("backlog: vx, 1 worker process", f.drainVx1, f.ceiling, f.drainBoss1)}
${row("backlog: vx, 4 worker processes", f.drainVx4, f.ceiling, f.drainBoss4)}
${row(`backlog: pg-boss, 1 process (${s("drain1")})`, f.drainBoss1, f.ceiling)}
${row(`backlog: pg-boss, 4 processes (${s("drain4")})`, f.drainBoss4, f.ceiling)}

Targets: ≥ 2 × pg-boss — end to end **${ratio(f.vx1, f.boss1)}** (1 process) and **${ratio(f.vx4, f.boss4)}** (4),
backlog **${ratio(f.drainVx1, f.drainBoss1)}** and **${ratio(f.drainVx4, f.drainBoss4)}**; ≥ 0.5 × the ceiling — end to end
**${ratio(f.vx1, f.ceiling)}** and **${ratio(f.vx4, f.ceiling)}**, backlog **${ratio(f.drainVx1, f.ceiling)}** and
**${ratio(f.drainVx4, f.ceiling)}**.

Trigger-to-delivery latency when idle (one event every 20 ms to one idle vx worker process woken by NOTIFY,
${latencies.length} events, measured by the receiver): p50 **${percentile(latencies, 50).toFixed(1)} ms**,
p99 **${percentile(latencies, 99).toFixed(1)} ms**, max ${latencies.at(-1)?.toFixed(1)} ms (target: p99 < 100 ms).
pg-boss 10 polls every 0.5 s at the fastest, so its idle latency is up to 500 ms by design.

What each side does per message. **vx**: \`triggerEvent\` is one SQL function (an event row, one message per matching
webhook, NOTIFY by at most one transaction at a time); a worker claims up to ${VX_BATCH} due messages in one statement
(\`FOR UPDATE SKIP LOCKED\`, with a lease), signs (Standard Webhooks HMAC-SHA256) and POSTs each with undici
(keep-alive), and records finished attempts in batches: one SQL function sets each message's state, writes its
\`webhook_logs\` row and keeps the webhook's \`last_*\` columns current (at most ${VX_BATCH * 2} messages in flight per
process, otherwise default settings). **pg-boss 10.4** (\`schedule: false, supervise: false\`, sparing it its
maintenance work): one job per event with url, secret and body in the job data (no lookup); \`work()\` fetches a
batch, signs and POSTs every job at once with the same undici sender, inserts the batch's log rows in one statement,
and pg-boss completes the batch. Its tuning pass (jobs per fetch × \`work()\` loops per process), deliveries/s:

Reading the figures. Per delivered message vx writes five rows (the event, the message, two message updates, the
log row) and pg-boss in this benchmark four (the job, two job updates, the log row); tuned to batches of hundreds,
pg-boss's 0.5 s polling costs it little throughput, so both are bound by the same Postgres commits and index writes
on the same two cores, and more worker processes add contention rather than capacity there. Where vx differs is
latency (milliseconds when idle instead of up to 500 ms), the event committing with the caller's transaction, and
leases that retry a dead worker's messages. Levers not taken by default: \`synchronous_commit = off\` for claims
and records only (a Postgres crash could then resend a message and lose its attempt's log row, never lose the
message), and batching enqueues of a request that triggers many events.

| batch × loops | end to end, 1 process | end to end, 4 | backlog, 1 | backlog, 4 |
|---|---|---|---|---|
${tuning.map((t) => `| ${t.setting.batch} × ${t.setting.loops} | ${fmt(t.e2e1)} | ${fmt(t.e2e4)} | ${fmt(t.drain1)} | ${fmt(t.drain4)} |`).join("\n")}
`;
  writeFileSync(join(here, "results", "webhooks.md"), text);
  console.log(text);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
