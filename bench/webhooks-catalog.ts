// `pnpm bench webhooks-catalog`: what the event catalog and throttling cost and do.
// 1. Payload checks: `EventCatalog.checkEvent` per event with the benchmark's schema (compiled once, cached) against
//    the same call on a type without a schema, in this process (no database).
// 2. Throttling: a backlog to one webhook with `rate_limit_per_second` drained by two worker processes; the deliveries
//    the receiver counts in each calendar second, against the limit.
// 3. End to end with the schema checked on every trigger: bench/webhooks.ts with BENCH_SCHEMA=1 for vx and pg-boss,
//    16 and 64 producers, 1 worker process (BENCH_E2E_MESSAGES per figure, 5000; BENCH_E2E=0 skips it).
// Writes bench/results/webhooks-catalog.md. Settings: BENCH_ROUNDS (3), BENCH_RATE (200/s), BENCH_SECONDS of backlog
// (8), BENCH_POSTGRES_URL (the local server).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { openDatabase, PgWebhookRepository } from "@vx/db";
import { runOnServer, withDatabase } from "@vx/db/testing";
import { defineEventTypes, envelope, WebhookService } from "@vx/webhooks";
import { CALL_STARTED_SCHEMA, callStarted } from "./webhooks-schema.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CHECKS = 200_000;
const SERVER_URL = process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const DB_NAME = "vx_bench_webhooks_catalog";
const here = import.meta.dirname;
const root = join(here, "..");

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const range = (values: number[], digits = 1) =>
  `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

/** µs per checkEvent call, with and without a payload schema (and the envelope every trigger builds, for scale). */
async function measureChecks(): Promise<{ schema: number; none: number; envelope: number }> {
  const catalog = defineEventTypes([
    { name: "bench.checked", description: "With a schema.", schema: CALL_STARTED_SCHEMA },
    { name: "bench.free", description: "Without." },
  ]);
  const payloads = Array.from({ length: 1000 }, (_, i) => callStarted(i));
  const time = async (work: (i: number) => unknown) => {
    for (let i = 0; i < 20_000; i++) await work(i);
    const started = process.hrtime.bigint();
    for (let i = 0; i < CHECKS; i++) await work(i);
    return Number(process.hrtime.bigint() - started) / 1000 / CHECKS;
  };
  const now = new Date();
  return {
    schema: await time((i) => catalog.checkEvent("bench.checked", payloads[i % 1000])),
    none: await time((i) => catalog.checkEvent("bench.free", payloads[i % 1000])),
    envelope: await time((i) => envelope("call.started", payloads[i % 1000], now)),
  };
}

/** A receiver that answers 200 at once and remembers when each request arrived (ms since the epoch). */
async function startTimingReceiver() {
  const arrivals: number[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      arrivals.push(Date.now());
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, arrivals, close: () => server.close() };
}

function startWorker(url: string): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, ["--import", "tsx", join(here, "webhooks-worker.ts")], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, BENCH_MODE: "vx", TSX_TSCONFIG_PATH: join(root, "tsconfig.json") },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<void>((resolve) => lines.on("line", (line) => line.startsWith("ready") && resolve()));
  return { child, ready };
}

interface Drain {
  /** Deliveries per full calendar second, the first and last (partial) seconds left out. */
  perSecond: number[];
  /** The most deliveries in any one calendar second. */
  max: number;
}

/** One throttled backlog drained by two worker processes. */
async function measureDrain(): Promise<Drain> {
  await runOnServer(SERVER_URL, `DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await runOnServer(SERVER_URL, `CREATE DATABASE ${DB_NAME}`);
  const url = withDatabase(SERVER_URL, DB_NAME);
  const db = await openDatabase({ url, poolSize: 4 });
  const receiver = await startTimingReceiver();
  const service = new WebhookService({
    repository: new PgWebhookRepository(db),
    allowHttp: true,
    allowPrivateUrls: true,
  });
  const { rows } = await db.query<{ id: string }>("INSERT INTO auth.users DEFAULT VALUES RETURNING id");
  const userId = rows[0]!.id;
  await service.createWebhook({
    user_id: userId,
    url: receiver.url,
    events: ["call.*"],
    rate_limit_per_second: RATE,
  });
  const total = RATE * SECONDS;
  await db.transaction(async (tx) => {
    for (let i = 0; i < total; i++) await service.triggerEvent("call.started", callStarted(i), { userId, tx });
  });
  const workers = [startWorker(url), startWorker(url)];
  await Promise.all(workers.map((w) => w.ready));
  while (receiver.arrivals.length < total) await new Promise((resolve) => setTimeout(resolve, 50));
  for (const w of workers) w.child.kill("SIGTERM");
  receiver.close();
  await service.close();
  await db.close();

  const counts = new Map<number, number>();
  for (const at of receiver.arrivals) counts.set(Math.floor(at / 1000), (counts.get(Math.floor(at / 1000)) ?? 0) + 1);
  const seconds = [...counts.keys()].sort((a, b) => a - b);
  return {
    perSecond: seconds.slice(1, -1).map((second) => counts.get(second)!),
    max: Math.max(...counts.values()),
  };
}

type EndToEnd = Record<"vx1" | "boss1" | "vx1Many" | "boss1Many", number>;

/** bench/webhooks.ts's figures with BENCH_SCHEMA=1, one per round, read from the lines it prints. */
function measureEndToEnd(): { rate: EndToEnd; cpu: EndToEnd }[] {
  const out = execFileSync(process.execPath, ["--import", "tsx", join(here, "webhooks.ts")], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      BENCH_SCHEMA: "1",
      BENCH_ONLY: "vx1,boss1,vx1Many,boss1Many",
      BENCH_ROUNDS: String(ROUNDS),
      BENCH_MESSAGES: process.env.BENCH_E2E_MESSAGES ?? "5000",
      BENCH_WARM: "2000",
      TSX_TSCONFIG_PATH: join(root, "tsconfig.json"),
    },
  });
  const rounds: { rate: Partial<EndToEnd>; cpu: Partial<EndToEnd> }[] = [];
  const number = (text: string) => Number(text.replace(/,/g, ""));
  const line =
    /^round (\d+) (\w+): ([\d,]+)\/s, CPU µs\/message pg ([\d,]+) workers ([\d,]+) receiver ([\d,]+) producer ([\d,]+)/gm;
  for (const match of out.matchAll(line)) {
    const index = Number(match[1]) - 1;
    rounds[index] ??= { rate: {}, cpu: {} };
    const round = rounds[index]!;
    const key = match[2] as keyof EndToEnd;
    round.rate[key] = number(match[3]!);
    round.cpu[key] = [4, 5, 6, 7].reduce((sum, i) => sum + number(match[i]!), 0);
  }
  return rounds as { rate: EndToEnd; cpu: EndToEnd }[];
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  const checks: Awaited<ReturnType<typeof measureChecks>>[] = [];
  const drains: Drain[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    checks.push(await measureChecks());
    drains.push(await measureDrain());
    const c = checks.at(-1)!;
    const d = drains.at(-1)!;
    console.log(
      `round ${round}: check ${c.schema.toFixed(2)} µs with schema, ${c.none.toFixed(2)} without; ` +
        `drain ${d.perSecond.join(", ")} /s (max ${d.max})`,
    );
  }
  const e2e = process.env.BENCH_E2E === "0" ? [] : measureEndToEnd();
  const bestRatio = e2e.map(({ rate: r }) => Math.max(r.vx1, r.vx1Many) / Math.max(r.boss1, r.boss1Many));
  /** How many times vx's CPU per message (Postgres, workers, receiver, producer) pg-boss needs, 64 producers. */
  const cpuRatio = e2e.map(({ cpu }) => cpu.boss1Many / cpu.vx1Many);
  const fmt = (n: number) => Math.round(n).toLocaleString("en");
  const e2eReport =
    e2e.length === 0
      ? ""
      : `
**End to end with the schema checked on every trigger** (\`bench/webhooks.ts\` with \`BENCH_SCHEMA=1\`,
\`BENCH_ONLY=vx1,boss1,vx1Many,boss1Many\`, ${process.env.BENCH_E2E_MESSAGES ?? "5000"} messages per figure, 2,000 warm-up
deliveries per process, pg-boss at its usual best settings; throttling off). Deliveries/s per round:

| round | vx, 16 producers | pg-boss, 16 | vx, 64 producers | pg-boss, 64 | vx ÷ pg-boss, each at its better number |
|---|---|---|---|---|---|
${e2e.map(({ rate: r }, i) => `| ${i + 1} | ${fmt(r.vx1)} | ${fmt(r.boss1)} | ${fmt(r.vx1Many)} | ${fmt(r.boss1Many)} | ${bestRatio[i]!.toFixed(2)} |`).join("\n")}

Median ratio **${median(bestRatio).toFixed(2)}** (${range(bestRatio, 2)}; target ≥ 2). CPU per delivered message, the
steadier figure on these shared cores (every Postgres backend of the database, the worker process, the receiver and
the producers), 64 producers: vx ${fmt(median(e2e.map((r) => r.cpu.vx1Many)))} µs, pg-boss
${fmt(median(e2e.map((r) => r.cpu.boss1Many)))} µs: pg-boss needs **${median(cpuRatio).toFixed(2)} ×** (${range(cpuRatio, 2)}) as much.
`;
  const rates = drains.map((d) => d.perSecond.reduce((a, b) => a + b, 0) / d.perSecond.length);
  const errors = rates.map((rate) => (100 * Math.abs(rate - RATE)) / RATE);
  const report = `## Webhooks: payload schemas and throttling (\`bench/webhooks-catalog.ts\`)

Command: \`pnpm bench webhooks-catalog\` (${ROUNDS} rounds). Machine load average (1 min) at the start and the end of
the run: ${loadAtStart.toFixed(1)} and ${loadavg()[0]!.toFixed(1)} on 2 cores.

**Payload schemas.** \`EventCatalog.checkEvent\` on the webhooks benchmark's payload, with its JSON Schema (three
required strings, one pattern, no other properties; compiled once by Ajv and cached with the catalog) and on a type
without a schema, ${CHECKS.toLocaleString("en")} calls after a warm-up, one core: **${median(checks.map((c) => c.schema)).toFixed(2)} µs**
(${range(
    checks.map((c) => c.schema),
    2,
  )}) per event with the schema, ${median(checks.map((c) => c.none)).toFixed(2)} µs
(${range(
    checks.map((c) => c.none),
    2,
  )}) without; building the envelope (\`JSON.stringify\`) costs
${median(checks.map((c) => c.envelope)).toFixed(2)} µs. End to end, the webhooks benchmark with \`BENCH_SCHEMA=1\` (every
trigger checked) is in its section below.

**Throttling.** One webhook with \`rate_limit_per_second: ${RATE}\`, a backlog of ${(RATE * SECONDS).toLocaleString("en")}
messages (${SECONDS} s at the limit) committed at once, drained by two worker processes (the library's defaults,
woken by NOTIFY) to a receiver that answers at once. Deliveries the receiver counted in each full calendar second
(the first and the last, partial, left out): mean **${median(rates).toFixed(1)}/s** (${range(rates)}) against the limit of
${RATE}, off by ${median(errors).toFixed(1)} % (${range(errors)}; target ≤ 5 %); the most in any one second:
${Math.max(...drains.map((d) => d.max))}. Per round: ${drains.map((d) => d.perSecond.join(", ")).join("; ")}.
Both processes claim through \`vx_webhook_claim\`, which counts a webhook's claims per calendar second in
\`webhook_throttles\` under a row lock: neither knows the other, and messages over the limit wait, in order, for the
next second. The most in one second can pass the limit at the receiver only when deliveries claimed at the end of
one second arrive in the next (the claims themselves are counted per second).
${e2eReport}`;
  writeFileSync(join(here, "results", "webhooks-catalog.md"), report);
  console.log(report);
}

await main();
