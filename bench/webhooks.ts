// `pnpm bench webhooks`: webhook deliveries per second (trigger → signed POST received → attempt logged) to a local
// receiver, with 1 and 4 worker processes, against pg-boss 10 doing the same POSTs on the same Postgres and a bare
// undici loop with no database (the ceiling); end to end (producers triggering meanwhile) and draining a backlog;
// and trigger-to-delivery latency when idle.
// Writes bench/results/webhooks.md. Settings: BENCH_ROUNDS (3), BENCH_MESSAGES per figure (10000),
// BENCH_POSTGRES_URL (the local server). BENCH_RENDER=1 rewrites the report from the last run's raw figures.
// BENCH_ONLY=vx1,boss1,… measures only those figures, with pg-boss's usual best settings and no tuning pass, and
// prints them without writing the report (for trying a change; also "latency"). BENCH_WARM deliveries per worker
// process warm each figure's workers first (5000); BENCH_VX1_BATCH / BENCH_VX4_BATCH override vx's claim size per process; BENCH_STATS=1
// makes vx workers print their claim and record counts; BENCH_PRODUCERS and BENCH_MANY_PRODUCERS set the two
// numbers of concurrent producers end to end (16 and 64);
// BENCH_PROF=dir writes CPU profiles of the worker processes; BENCH_VARIANT=file.sql runs that SQL after the
// migrations (to try a schema change end to end); BENCH_SCHEMA=1 gives call.started a payload schema that every
// trigger is checked against (bench/webhooks-catalog.ts measures the check alone, and throttling).
// For a schema or SQL change, bench/webhooks-sql.ts first measures enqueue, claim and record alone (VARIANT=file.sql).
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { openDatabase, PgEventTypeRepository, PgWebhookRepository } from "@vx/db";
import { runOnServer, withDatabase } from "@vx/db/testing";
import { EventCatalog, WebhookService } from "@vx/webhooks";
import PgBoss from "pg-boss";
import { inParallel } from "./in-parallel.js";
import { type CpuPerMessage, meterCpu } from "./webhooks-cpu.js";
import { CALL_STARTED_SCHEMA } from "./webhooks-schema.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
const LATENCY_EVENTS = 200;
/**
 * Deliveries per worker process before a figure's clock starts (JIT, pools and connections warm). With 2,000 in all,
 * four processes still spent much of the measured time compiling: their CPU per delivery halved once each made 5,000.
 */
const WARM = Number(process.env.BENCH_WARM ?? 5_000);
const ONLY = (process.env.BENCH_ONLY ?? "").split(",").filter(Boolean);
const PRODUCERS = Number(process.env.BENCH_PRODUCERS ?? 16);
/**
 * End to end also runs with this many producers: with 16, vx's rate is bounded by how fast 16 callers can trigger
 * (each waits for its commit), not by delivery.
 */
const MANY_PRODUCERS = Number(process.env.BENCH_MANY_PRODUCERS ?? 64);
const SERVER_URL = process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const DB_NAME = "vx_bench_webhooks";
const QUEUE = "bench-webhooks";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const here = import.meta.dirname;
/** The raw measurements of the last run. */
const RAW = "/tmp/vx-bench-webhooks.json";
const root = join(here, "..");

/** pg-boss's settings for each kind of figure: chosen by the tuning pass, or BOSS_USUAL for BENCH_ONLY runs. */
type BossSettings = Record<"e2e1" | "e2e4" | "drain1" | "drain4", BossSetting>;
/** pg-boss jobs per fetch × `work()` loops per worker process. */
interface BossSetting {
  batch: number;
  loops: number;
}
/** The settings the tuning pass usually picks. */
const BOSS_USUAL: BossSettings = {
  e2e1: { batch: 1000, loops: 2 },
  e2e4: { batch: 500, loops: 1 },
  drain1: { batch: 1000, loops: 2 },
  drain4: { batch: 500, loops: 1 },
};
/** pg-boss settings tried in the tuning pass; the best is kept. */
const BOSS_GRID: BossSetting[] = [
  { batch: 100, loops: 4 },
  { batch: 500, loops: 1 },
  { batch: 500, loops: 2 },
  { batch: 1000, loops: 2 },
];
/**
 * vx's settings per worker process, picked with the BENCH_VX*_ knobs as pg-boss's are by its tuning pass. One process
 * doing all the work claims 100 at a time and keeps 400 in flight (a deeper pipeline: the next claims go out while
 * earlier batches are still being sent and recorded; 200 in flight delivered 10–20 % less). Four processes run
 * the library's defaults: claims of 50, 100 in flight each.
 */
const VX_SETTINGS: Record<number, { batch: number; inFlight: number }> = {
  1: { batch: 100, inFlight: 400 },
  4: { batch: 50, inFlight: 100 },
};
const vxSettings = (workers: number) => {
  const preset = VX_SETTINGS[workers] ?? { batch: 50, inFlight: 100 };
  const batch = Number(process.env[`BENCH_VX${workers}_BATCH`] ?? preset.batch);
  const inFlight = Number(process.env[`BENCH_VX${workers}_IN_FLIGHT`] ?? preset.inFlight);
  return { BENCH_MODE: "vx", BENCH_BATCH: String(batch), BENCH_IN_FLIGHT: String(inFlight) };
};

interface Tuning {
  setting: BossSetting;
  e2e1: number;
  e2e4: number;
  drain1: number;
  drain4: number;
}

type Figures = Record<
  | "ceiling"
  | "ceiling4"
  | "vx1"
  | "vx4"
  | "boss1"
  | "boss4"
  | "vx1Many"
  | "vx4Many"
  | "boss1Many"
  | "boss4Many"
  | "drainVx1"
  | "drainVx4"
  | "drainBoss1"
  | "drainBoss4",
  number[]
>;

interface Child {
  child: ChildProcess;
  lines: AsyncIterableIterator<string>;
}

function start(file: string, env: Record<string, string>): Child {
  // BENCH_PROF=dir writes a CPU profile of every worker process there.
  const prof =
    file === "webhooks-worker.ts" && process.env.BENCH_PROF
      ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROF}`]
      : [];
  const child = spawn(process.execPath, [...prof, "--import", "tsx", join(here, file)], {
    cwd: root,
    env: { ...process.env, ...env, TSX_TSCONFIG_PATH: join(root, "tsconfig.json"), NODE_ENV: "production" },
    stdio: ["pipe", "pipe", "inherit"],
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
// The receiver process, started by main().
let receiver: Child;
let statsUrl = "";

async function receiverStats(): Promise<{ count: number; latencies: number[] }> {
  return (await fetch(`${statsUrl}/stats`)).json() as Promise<{ count: number; latencies: number[] }>;
}

let resets = 0;
/** Zeroes the receiver's count; it will print "reached <resets>" at its MESSAGES-th request. */
async function resetReceiver(): Promise<void> {
  await fetch(`${statsUrl}/reset?target=${MESSAGES}&tag=${++resets}`, { method: "POST" });
}

/** Polls `counted` every `everyMs` until it reaches `target`. */
async function until(counted: () => Promise<number>, target: number, everyMs = 25): Promise<void> {
  while ((await counted()) < target) await new Promise((resolve) => setTimeout(resolve, everyMs));
}

/**
 * Waits until the receiver says it has answered MESSAGES requests since its last reset (after the warm-up), then until
 * `logged()` (a count in the database) reaches `target`. Polling a count over the growing table every 25 ms all along
 * cost the database under test several percent of a core, and polling the receiver cost the producer's process.
 */
async function untilLogged(logged: () => Promise<number>, target: number): Promise<void> {
  await line(receiver, `reached ${resets}`);
  // Only the last records are outstanding now: poll often, so the clock stops within a few ms of the last one.
  await until(logged, target, 5);
}

/** Runs `produce` until `done()` reaches MESSAGES; returns ms from the first trigger to the last logged delivery. */
async function timed(produce: () => Promise<void>, done: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const producing = produce().then(() => {
    if (process.env.BENCH_STATS) console.log(`  producers done after ${Math.round(performance.now() - started)} ms`);
  });
  await untilLogged(done, MESSAGES);
  await producing;
  return performance.now() - started;
}

const body = (i: number) => ({ callId: `call_${i}`, agentId: "agent_456", phoneNumber: "+1234567890" });

const loadAtStart = loadavg()[0]!;

async function main(): Promise<void> {
  await runOnServer(SERVER_URL, `DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await runOnServer(SERVER_URL, `CREATE DATABASE ${DB_NAME}`);
  const db = await openDatabase({ url: dbUrl, poolSize: Math.max(PRODUCERS, MANY_PRODUCERS) + 4 });
  if (process.env.BENCH_VARIANT) await db.query(readFileSync(process.env.BENCH_VARIANT, "utf8"));
  await db.query("CREATE TABLE bench_pgboss_logs (job_id uuid, status_code int, created_at timestamptz DEFAULT now())");
  receiver = start("webhooks-receiver.ts", {});
  const port = await line(receiver, "port");
  statsUrl = `http://127.0.0.1:${port}`;
  receiverUrl = `${statsUrl}/hook`;

  /** CPU per message of the last figure measured. */
  let lastCpu: CpuPerMessage = { pg: 0, workers: 0, receiver: 0, producer: 0 };
  const meter = (children: Child[]) =>
    meterCpu(
      db,
      children.map((c) => c.child.pid!),
      receiver.child.pid!,
    );

  const repository = new PgWebhookRepository(db);
  // BENCH_SCHEMA=1: call.started gets a payload schema, checked on every trigger through the catalog as in the API.
  const eventTypes = new EventCatalog({ repository: new PgEventTypeRepository(db) });
  if (process.env.BENCH_SCHEMA) await eventTypes.update("call.started", { schema: CALL_STARTED_SCHEMA });
  const service = new WebhookService({ repository, eventTypes, allowHttp: true, allowPrivateUrls: true });
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

  /**
   * Long-running workers are warm: before the clock starts each figure's fresh worker processes make about WARM
   * deliveries each, the same way. Returns how many deliveries the count already holds.
   */
  async function warmUp(
    processes: number,
    send: (i: number) => Promise<unknown>,
    counted: () => Promise<number>,
  ): Promise<number> {
    const warm = WARM * processes;
    await inParallel(warm, PRODUCERS, send);
    await until(counted, warm);
    await resetReceiver();
    return warm;
  }
  const vxTrigger = (i: number) => service.triggerEvent("call.started", body(i), { userId });
  /** pg-boss's job for event i: everything its handler needs, so it looks nothing up. */
  const bossJob = (i: number) => ({
    url: receiverUrl,
    secret: SECRET,
    body: JSON.stringify({ type: "call.started", data: body(i) }),
  });

  async function runVx(workers: number, producers = PRODUCERS): Promise<number> {
    await db.query("TRUNCATE webhook_events, webhook_logs CASCADE");
    await resetReceiver();
    const children = await startWorkers(workers, vxSettings(workers));
    const warm = await warmUp(workers, vxTrigger, vxDelivered);
    const cpu = await meter(children);
    const ms = await timed(
      () => inParallel(MESSAGES, producers, vxTrigger),
      async () => (await vxDelivered()) - warm,
    );
    lastCpu = await cpu(MESSAGES);
    await Promise.all(children.map(stop));
    await check(MESSAGES);
    return (MESSAGES / ms) * 1000;
  }

  async function runBoss(workers: number, setting: BossSetting, producers = PRODUCERS): Promise<number> {
    await db.query("DROP SCHEMA IF EXISTS pgboss CASCADE; TRUNCATE bench_pgboss_logs");
    const boss = new PgBoss({ connectionString: dbUrl, max: producers, schedule: false, supervise: false });
    await boss.start();
    await boss.createQueue(QUEUE);
    await resetReceiver();
    const children = await startWorkers(workers, {
      BENCH_MODE: "pgboss",
      BENCH_BATCH: String(setting.batch),
      BENCH_LOOPS: String(setting.loops),
    });
    const send = (i: number) => boss.send(QUEUE, bossJob(i));
    const warm = await warmUp(workers, send, bossLogged);
    const cpu = await meter(children);
    const ms = await timed(
      () => inParallel(MESSAGES, producers, send),
      async () => (await bossLogged()) - warm,
    );
    lastCpu = await cpu(MESSAGES);
    await Promise.all(children.map(stop));
    await boss.stop({ graceful: false, wait: true });
    await check(MESSAGES);
    return (MESSAGES / ms) * 1000;
  }

  /** The backlog is enqueued in one transaction while the workers idle; the clock starts at its commit. */
  async function drainVx(workers: number): Promise<number> {
    await db.query("TRUNCATE webhook_events, webhook_logs CASCADE");
    await resetReceiver();
    const children = await startWorkers(workers, vxSettings(workers));
    const warm = await warmUp(workers, vxTrigger, vxDelivered);
    let started = 0;
    let cpu: Awaited<ReturnType<typeof meter>> | undefined;
    await db.transaction(async (tx) => {
      for (let i = 0; i < MESSAGES; i++) await service.triggerEvent("call.started", body(i), { userId, tx });
      started = performance.now();
      cpu = await meter(children);
    });
    await untilLogged(vxDelivered, warm + MESSAGES);
    const ms = performance.now() - started;
    lastCpu = await cpu!(MESSAGES);
    await Promise.all(children.map(stop));
    await check(MESSAGES);
    return (MESSAGES / ms) * 1000;
  }

  /** The backlog is inserted with one `boss.insert` while the workers idle; the clock starts before it. */
  async function drainBoss(workers: number, setting: BossSetting): Promise<number> {
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
    const warm = await warmUp(workers, (i) => boss.send(QUEUE, bossJob(i)), bossLogged);
    const jobs = Array.from({ length: MESSAGES }, (_, i) => ({ name: QUEUE, data: bossJob(i) }));
    const cpu = await meter(children);
    const started = performance.now();
    await boss.insert(jobs);
    await untilLogged(bossLogged, warm + MESSAGES);
    const ms = performance.now() - started;
    lastCpu = await cpu(MESSAGES);
    await Promise.all(children.map(stop));
    await boss.stop({ graceful: false, wait: true });
    await check(MESSAGES);
    return (MESSAGES / ms) * 1000;
  }

  /**
   * The bare undici loop in `processes` processes sharing the 50 requests in flight, each warmed up first; the clock
   * runs from "go" to the last sender's end.
   */
  async function runCeiling(processes = 1): Promise<number> {
    const children = Array.from({ length: processes }, () =>
      start("webhooks-worker.ts", {
        BENCH_MODE: "ceiling",
        BENCH_TARGET: receiverUrl,
        BENCH_MESSAGES: String(MESSAGES / processes),
        BENCH_CONCURRENCY: String(Math.ceil(50 / processes)),
        BENCH_WARM: String(WARM),
      }),
    );
    await Promise.all(children.map((c) => line(c, "warm")));
    await resetReceiver();
    const cpu = await meter([]);
    const started = performance.now();
    for (const c of children) c.child.stdin!.write("go\n");
    const senderCpuMs = (await Promise.all(children.map((c) => line(c, "done")))).map(Number);
    const ms = performance.now() - started;
    lastCpu = { ...(await cpu(MESSAGES)), workers: (senderCpuMs.reduce((a, b) => a + b, 0) * 1000) / MESSAGES };
    await Promise.all(children.map(stop));
    await check(MESSAGES);
    return (MESSAGES / ms) * 1000;
  }

  /** Idle latency: one event at a time, 20 ms apart, to an idle worker woken by NOTIFY. */
  async function runLatency(): Promise<number[]> {
    await db.query("TRUNCATE webhook_events, webhook_logs CASCADE");
    await resetReceiver();
    const [child] = await startWorkers(1, vxSettings(1));
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

  /** Every figure, in the order each round measures them, with pg-boss at `boss`. */
  const figureRuns = (boss: BossSettings): Record<keyof Figures, () => Promise<number>> => ({
    ceiling: () => runCeiling(1),
    ceiling4: () => runCeiling(4),
    vx1: () => runVx(1),
    boss1: () => runBoss(1, boss.e2e1),
    vx4: () => runVx(4),
    boss4: () => runBoss(4, boss.e2e4),
    vx1Many: () => runVx(1, MANY_PRODUCERS),
    boss1Many: () => runBoss(1, boss.e2e1, MANY_PRODUCERS),
    vx4Many: () => runVx(4, MANY_PRODUCERS),
    boss4Many: () => runBoss(4, boss.e2e4, MANY_PRODUCERS),
    drainVx1: () => drainVx(1),
    drainBoss1: () => drainBoss(1, boss.drain1),
    drainVx4: () => drainVx(4),
    drainBoss4: () => drainBoss(4, boss.drain4),
  });

  // Warm-up (JIT, connections, the receiver), then the pg-boss tuning pass.
  console.log("warm-up");
  const saved = MESSAGES;
  if (ONLY.length === 0) {
    await runCeiling();
    await runVx(1);
  } else {
    const quick: Record<string, () => Promise<number>> = figureRuns(BOSS_USUAL);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const key of ONLY) {
        if (key === "latency") {
          const sorted = (await runLatency()).sort((a, b) => a - b);
          console.log(
            `round ${round} latency: p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms`,
          );
          continue;
        }
        const rate = await quick[key]!();
        const c = lastCpu;
        console.log(
          `round ${round} ${key}: ${fmt(rate)}/s, CPU µs/message pg ${fmt(c.pg)} workers ${fmt(c.workers)} receiver ${fmt(c.receiver)} producer ${fmt(c.producer)}`,
        );
      }
    }
    await service.close();
    await stop(receiver);
    await db.close();
    return;
  }
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
  const settings: BossSettings = {
    e2e1: best("e2e1"),
    e2e4: best("e2e4"),
    drain1: best("drain1"),
    drain4: best("drain4"),
  };

  const runs = figureRuns(settings);
  const keys = Object.keys(runs) as (keyof Figures)[];
  const figures = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Figures;
  const cpu = Object.fromEntries(keys.map((k) => [k, [] as CpuPerMessage[]])) as Record<keyof Figures, CpuPerMessage[]>;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const key of keys) {
      figures[key].push(await runs[key]());
      cpu[key].push(lastCpu);
    }
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
  await runOnServer(SERVER_URL, `DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  const run: Run = {
    figures,
    cpu,
    tuning,
    settings,
    latencies,
    messages: saved,
    load: [loadAtStart, loadavg()[0]!],
  };
  writeFileSync(RAW, JSON.stringify(run));
  writeResults(run);
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

/** One row per figure of the CPU table. */
function cpuRows(f: Figures, cpu: Record<keyof Figures, CpuPerMessage[]>): string {
  const labels: Record<keyof Figures, string> = {
    ceiling: "ceiling",
    ceiling4: "ceiling, 4 sender processes",
    vx1: "end to end: vx, 1 process",
    boss1: "end to end: pg-boss, 1 process",
    vx4: "end to end: vx, 4 processes",
    boss4: "end to end: pg-boss, 4 processes",
    vx1Many: `end to end, ${MANY_PRODUCERS} producers: vx, 1 process`,
    boss1Many: `end to end, ${MANY_PRODUCERS} producers: pg-boss, 1 process`,
    vx4Many: `end to end, ${MANY_PRODUCERS} producers: vx, 4 processes`,
    boss4Many: `end to end, ${MANY_PRODUCERS} producers: pg-boss, 4 processes`,
    drainVx1: "backlog: vx, 1 process",
    drainBoss1: "backlog: pg-boss, 1 process",
    drainVx4: "backlog: vx, 4 processes",
    drainBoss4: "backlog: pg-boss, 4 processes",
  };
  return (Object.keys(labels) as (keyof Figures)[])
    .filter((k) => f[k].length > 0)
    .map((k) => {
      const m = (part: keyof CpuPerMessage) => cpuPart(cpu, k, part);
      const total = cpuTotal(cpu, k);
      return `| ${labels[k]} | ${fmt(m("pg"))} | ${fmt(m("workers"))} | ${fmt(m("receiver"))} | ${fmt(m("producer"))} | ${fmt(total)} |`;
    })
    .join("\n");
}

/** Median total CPU µs per message of a figure. */
function cpuTotal(cpu: Record<keyof Figures, CpuPerMessage[]>, key: keyof Figures): number {
  return median(cpu[key].map((c) => c.pg + c.workers + c.receiver + c.producer));
}

/** Median CPU µs per message of one part of a figure. */
function cpuPart(cpu: Record<keyof Figures, CpuPerMessage[]>, key: keyof Figures, part: keyof CpuPerMessage): number {
  return median(cpu[key].map((c) => c[part]));
}

/**
 * The reading of the figures, from this run's CPU table. On 2 cores both engines are CPU-bound, so a rate is
 * about 2 cores ÷ CPU per message; the HTTP work (sender and receiver, the ceiling's whole cost) is the same for
 * both, which bounds how far ahead of pg-boss any engine can get.
 */
function reading(f: Figures, cpu: Record<keyof Figures, CpuPerMessage[]>): string {
  const t = (key: keyof Figures) => cpuTotal(cpu, key);
  const x = (a: number, b: number) => (a / b).toFixed(2);
  const http = t("ceiling");
  /** pg-boss's CPU per message over the bare loop's with as many processes. */
  const bound = (boss: keyof Figures, loop: keyof Figures) => x(t(boss), t(loop));
  const part = (key: keyof Figures, p: keyof CpuPerMessage) => fmt(cpuPart(cpu, key, p));
  /** Cores kept busy: deliveries per second × CPU seconds per delivery. */
  const cores = (key: keyof Figures) => ((median(f[key]) * t(key)) / 1e6).toFixed(2);
  return `Reading the figures. Rates swing between rounds on these shared cores, so read the ratios of the same round and,
steadier still, CPU per message. The ceiling spends ${fmt(http)} µs per message on HTTP alone (signing and sending,
receiving). vx spends ${fmt(t("vx1"))} µs end to end with 1 process against pg-boss's ${fmt(t("boss1"))} (pg-boss needs
${x(t("boss1"), t("vx1"))} × as much), and ${fmt(t("drainVx1"))} against ${fmt(t("drainBoss1"))} on a backlog (${x(t("drainBoss1"), t("drainVx1"))} × as much).

What bounds each figure: rate × CPU per message is how many of the ${cpus().length} cores a figure keeps busy.
- **End to end, 1 process:** vx keeps ${cores("vx1")} cores busy and pg-boss ${cores("boss1")}. The ${PRODUCERS} producers wait for each
  trigger's commit, so the rate cannot pass ${PRODUCERS} ÷ a trigger's latency (\`BENCH_STATS=1\` shows vx's producers
  finishing just before the last delivery). vx sends the triggers that overlap as one statement and one commit,
  so ${MANY_PRODUCERS} producers make larger, cheaper batches: vx keeps ${cores("vx1Many")} cores busy at
  ${fmt(t("vx1Many"))} µs per message. pg-boss commits each \`send\`; with ${MANY_PRODUCERS} producers its rate is
  ${ratio(f.boss1Many, f.boss1)} × its rate with ${PRODUCERS}.
- **End to end, 4 processes:** vx keeps ${cores("vx4")} cores busy (${cores("vx4Many")} with ${MANY_PRODUCERS} producers). Four
  processes cost more CPU for the same HTTP work than one, with or without a database: the bare loop's senders spend
  ${part("ceiling4", "workers")} µs per message in 4 processes against ${part("ceiling", "workers")} in one; vx's workers ${part("vx4", "workers")} against ${part("vx1", "workers")}, pg-boss's
  ${part("boss4", "workers")} against ${part("boss1", "workers")}. Against the bare loop in 4 processes, vx with 4 worker processes reaches
  ${ratio(f.vx4Many, f.ceiling4)} end to end (${MANY_PRODUCERS} producers) and ${ratio(f.drainVx4, f.ceiling4)} on a backlog.
- **Any engine against pg-boss:** both pay the same HTTP cost. When the cores are the limit, no engine, even one whose
  database work cost nothing, could beat pg-boss by more than pg-boss's CPU per message ÷ the bare loop's with as
  many processes: ${bound("boss1", "ceiling")} × end to end and ${bound("drainBoss1", "ceiling")} × on a backlog with 1 process,
  ${bound("boss4", "ceiling4")} × and ${bound("drainBoss4", "ceiling4")} × with 4.
- **On a backlog** vx is ${ratio(f.drainVx1, f.drainBoss1)} × pg-boss with 1 process and ${ratio(f.drainVx4, f.drainBoss4)} with 4: fetching 1,000 jobs
  per query, pg-boss spends ${fmt(t("drainBoss1"))} µs per message, within ${bound("drainBoss1", "ceiling")} × of the bare loop, so there is little
  left for any engine to win. vx spends ${fmt(t("drainVx1"))} µs with 1 process and keeps ${cores("drainVx1")} cores busy (pg-boss ${cores("drainBoss1")}).
- **vx against the ceiling:** the same arithmetic applies, and vx also pays for a durable queue's writes. Per message
  that is an event row, a message row, its claim and its completion (two updates, neither HOT: the due index
  changes), a log row, and a foreign-key check on each insert.
- **Enqueueing:** end to end, vx's Postgres time per message (${part("vx1", "pg")} µs) is about
  ${x(cpuPart(cpu, "vx1", "pg"), cpuPart(cpu, "drainVx1", "pg"))} × its backlog figure.

Where vx differs beyond throughput: latency (tens of milliseconds when idle instead of up to 500 ms), the event committing
with the caller's transaction, and leases that retry a dead worker's messages. Not taken: \`synchronous_commit = off\`
for the worker's claims and records (a Postgres crash could then resend a message and lose its attempt's log row,
never the message itself); both engines run here with the server's default, durable commits.`;
}

/** Everything a run measured: kept in RAW so the report can be rewritten (BENCH_RENDER=1) without measuring again. */
interface Run {
  figures: Figures;
  cpu: Record<keyof Figures, CpuPerMessage[]>;
  tuning: Tuning[];
  settings: BossSettings;
  latencies: number[];
  messages: number;
  /** Load average (1 min) at the start and the end. */
  load: [number, number];
}

function writeResults({ figures: f, cpu, tuning, settings, latencies, messages, load }: Run): void {
  const row = (label: string, values: number[], ceiling: number[], boss?: number[]) =>
    `| ${label} | ${fmt(median(values))} (${range(values)}) | ${ratio(values, ceiling)} | ${boss ? ratio(values, boss) : ""} |`;
  const s = (k: keyof typeof settings) => `batch ${settings[k].batch} × ${settings[k].loops} loops`;
  const n = messages.toLocaleString("en-US");
  /** Each round's better end-to-end figure of the two producer counts. */
  const better = (a: number[], b: number[]) => a.map((x, i) => Math.max(x, b[i] ?? 0));
  /** The ceiling of each round: the faster bare loop, in 1 process or in 4. */
  const ceiling = better(f.ceiling, f.ceiling4);
  const e2e = {
    vx1: better(f.vx1, f.vx1Many),
    vx4: better(f.vx4, f.vx4Many),
    boss1: better(f.boss1, f.boss1Many),
    boss4: better(f.boss4, f.boss4Many),
  };
  const text = `## Webhooks: deliveries per second (\`bench/webhooks.ts\`)

Command: \`pnpm bench webhooks\` (${ROUNDS} rounds of ${n} messages per figure, after a warm-up and a pg-boss tuning
pass; figures run in turn within each round, so each ratio compares figures of the same round). Worker processes are
started afresh for every figure and, like long-running workers, are warm before its clock starts: each first makes
about ${WARM.toLocaleString("en-US")} deliveries the same way (JIT, pools, connections), and so do the bare loop's senders. A delivery counts when
the receiver has answered the signed POST **and** the attempt is logged. Every worker, the receiver (answers 200 at
once) and the producer run in their own processes on 127.0.0.1; Postgres is the local server with its default
configuration. Medians with the range over rounds; ratios are medians of per-round ratios. Machine load average
(1 min) at the start and the end of the run: ${load[0].toFixed(1)} and ${load[1].toFixed(1)} on ${cpus().length} cores.

- **End to end**: the clock runs from the first trigger until all ${n} deliveries are logged, while ${PRODUCERS}
  concurrent producers (and in a second set of figures ${MANY_PRODUCERS}) trigger one event per call
  (\`triggerEvent\` / \`boss.send\`), each waiting for its commit, so producers and workers share the machine and the
  database, as in production.
- **Backlog**: ${n} messages are enqueued while the workers idle (vx: one transaction, the clock starts at its commit;
  pg-boss: one \`boss.insert\`, the clock starts before it) and drained: the delivery engine alone.

The ceiling of each round is the faster of two bare undici loops with no database: one process with 50 requests in
flight, and 4 processes sharing them (on these 2 cores, once warm, 4 processes can be the faster).

| figure | deliveries/s | ÷ ceiling | ÷ pg-boss, same processes and mode |
|---|---|---|---|
${row("bare undici loop, no database, 50 in flight", f.ceiling, ceiling)}
${row("the same loop in 4 processes, 13 in flight each", f.ceiling4, ceiling)}
${row(`end to end, ${PRODUCERS} producers: vx, 1 worker process`, f.vx1, ceiling, f.boss1)}
${row(`end to end, ${PRODUCERS} producers: vx, 4 worker processes`, f.vx4, ceiling, f.boss4)}
${row(`end to end, ${PRODUCERS} producers: pg-boss, 1 process (${s("e2e1")})`, f.boss1, ceiling)}
${row(`end to end, ${PRODUCERS} producers: pg-boss, 4 processes (${s("e2e4")})`, f.boss4, ceiling)}
${row(`end to end, ${MANY_PRODUCERS} producers: vx, 1 worker process`, f.vx1Many, ceiling, f.boss1Many)}
${row(`end to end, ${MANY_PRODUCERS} producers: vx, 4 worker processes`, f.vx4Many, ceiling, f.boss4Many)}
${row(`end to end, ${MANY_PRODUCERS} producers: pg-boss, 1 process (${s("e2e1")})`, f.boss1Many, ceiling)}
${row(`end to end, ${MANY_PRODUCERS} producers: pg-boss, 4 processes (${s("e2e4")})`, f.boss4Many, ceiling)}
${row("backlog: vx, 1 worker process", f.drainVx1, ceiling, f.drainBoss1)}
${row("backlog: vx, 4 worker processes", f.drainVx4, ceiling, f.drainBoss4)}
${row(`backlog: pg-boss, 1 process (${s("drain1")})`, f.drainBoss1, ceiling)}
${row(`backlog: pg-boss, 4 processes (${s("drain4")})`, f.drainBoss4, ceiling)}

Targets, end to end with each engine at its better number of producers in each round (as pg-boss gets its best
batch and loops): ≥ 2 × pg-boss — **${ratio(e2e.vx1, e2e.boss1)}** (1 process) and **${ratio(e2e.vx4, e2e.boss4)}** (4);
≥ 0.5 × the ceiling — **${ratio(e2e.vx1, ceiling)}** and **${ratio(e2e.vx4, ceiling)}**. With ${PRODUCERS} producers
only, against pg-boss: ${ratio(f.vx1, f.boss1)} and ${ratio(f.vx4, f.boss4)}. On a backlog: ${ratio(f.drainVx1, f.drainBoss1)} and
${ratio(f.drainVx4, f.drainBoss4)} × pg-boss, ${ratio(f.drainVx1, ceiling)} and ${ratio(f.drainVx4, ceiling)} × the ceiling.

Trigger-to-delivery latency when idle (one event every 20 ms to one idle vx worker process woken by NOTIFY,
${latencies.length} events, measured by the receiver): p50 **${percentile(latencies, 50).toFixed(1)} ms**,
p99 **${percentile(latencies, 99).toFixed(1)} ms**, max ${latencies.at(-1)?.toFixed(1)} ms (target: p99 < 100 ms).
pg-boss 10 polls every 0.5 s at the fastest, so its idle latency is up to 500 ms by design.

What each side does per message. **vx**: \`triggerEvent\` is one SQL function call (an event row, one message per
matching webhook, NOTIFY by at most one transaction at a time); calls that overlap on the pool are sent together as
one set-based statement and one commit (\`vx_webhook_enqueue_batch\`, each event answered as if alone; one batch
on its way at a time, the next gathering meanwhile). A worker
claims up to ${VX_SETTINGS[1]!.batch} due messages in one statement and keeps ${VX_SETTINGS[1]!.inFlight} in flight with 1 process,
${VX_SETTINGS[4]!.batch} and ${VX_SETTINGS[4]!.inFlight} per process with 4 (\`FOR UPDATE SKIP LOCKED\`, with a lease), signs (Standard Webhooks HMAC-SHA256) and
POSTs each with undici (keep-alive), and records finished attempts in batches: one SQL function sets each
message's state (found by primary key), writes its \`webhook_logs\` row and keeps the webhook's \`last_*\` columns
current; one record statement at a time (attempts finishing meanwhile, or within 20 ms, join the next), and after
a partial claim the next waits 25 ms, so a trickle is still claimed and recorded in batches. **pg-boss 10.4**
(\`schedule: false, supervise: false\`, sparing it its maintenance work): one job per event with url, secret and
body in the job data (no lookup); \`work()\` fetches a batch, signs and POSTs every job at once with the same undici
sender, inserts the batch's log rows in one statement (into a table without indexes), and pg-boss completes the
batch. Its tuning pass (jobs per fetch × \`work()\` loops per process), deliveries/s:

| batch × loops | end to end, 1 process | end to end, 4 | backlog, 1 | backlog, 4 |
|---|---|---|---|---|
${tuning.map((t) => `| ${t.setting.batch} × ${t.setting.loops} | ${fmt(t.e2e1)} | ${fmt(t.e2e4)} | ${fmt(t.drain1)} | ${fmt(t.drain4)} |`).join("\n")}

Where the time goes: CPU per delivered message (µs, medians over rounds) of every Postgres backend of the benchmark
database, the worker processes (the ceiling: its sender), the receiver and the producer (this process; for the
backlog figures only the part after the backlog committed). Throughput on these 2 shared cores follows the total.

| figure | Postgres | workers | receiver | producer | total |
|---|---|---|---|---|---|
${cpuRows(f, cpu)}

${reading(f, cpu)}
`;
  writeFileSync(join(here, "results", "webhooks.md"), text);
  console.log(text);
}

if (process.env.BENCH_RENDER) {
  writeResults(JSON.parse(readFileSync(RAW, "utf8")) as Run);
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
