// `pnpm bench ivr`: IVR engine throughput against baselines measured in the same run.
// Pure: `step` transitions per second on one core vs a minimal state machine (map lookup + new object).
// Persisted: `IvrService` inputs per second and statements per input, on PGlite and on Postgres, vs the same
// concurrency doing (r1) one UPDATE … RETURNING per input and (r2) a SELECT plus a conditional UPDATE per input.
// Writes bench/results/ivr.md. Settings: BENCH_ROUNDS (3), BENCH_DURATION seconds (3), BENCH_POSTGRES_URL.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Database, openDatabase, PgIvrMenuRepository, PgIvrSessionRepository, type Queryable } from "@vx/db";
import { runOnServer, withDatabase } from "@vx/db/testing";
import { defineMenu, type IvrEvent, IvrService, type Menu, type SessionState, step } from "@vx/ivr";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION ?? 3) * 1000;
const SERVER_URL = process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
/** Calls in flight at once in the persisted figures (each a session walking the menus). */
const CALLS = 32;
const MAX_STEPS = 200_000_000;

// ---- Figures: medians with the range over rounds.
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const spread = (xs: number[], digits = 0) =>
  `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;

// ---- The specification's example menu, and a caller who keeps moving: into Sales, back, a wrong key, silence,
// and now and then the agent (which ends the call, so the next event starts a new one).
const main = defineMenu({
  id: "main",
  name: "Main Menu",
  prompt: "Press 1 for sales, 2 for support, 3 for billing",
  items: [
    { digit: "1", action: "submenu", target: "sales" },
    { digit: "2", action: "agent", target: "support-queue" },
    { digit: "3", action: "transfer", target: "+1234567890" },
  ],
  timeout: 30_000,
  maxRetries: 3,
});
const sales = defineMenu({
  id: "sales",
  name: "Sales",
  prompt: "Press 1 for new orders",
  items: [{ digit: "1", action: "agent", target: "sales-new" }],
});
const graph = new Map<string, Menu>([
  [main.id, main],
  [sales.id, sales],
]);
const SCRIPT: IvrEvent[] = [
  { type: "digits", digits: "1" },
  { type: "back" },
  { type: "digits", digits: "7" },
  { type: "timeout" },
  { type: "digits", digits: "1" },
  { type: "digits", digits: "*" },
  { type: "digits", digits: "2" },
];

function pureRound(): { ours: number; baseline: number } {
  // Ours: the real engine, including a new session after each hand-off.
  let state: SessionState | null = null;
  // Both loops keep their recent states reachable, so neither can have its allocations optimised away.
  const kept = new Array<unknown>(1024);
  let steps = 0;
  let i = 0;
  const t0 = performance.now();
  while (steps < MAX_STEPS) {
    for (let k = 0; k < 10_000; k++) {
      const event: IvrEvent =
        state === null || state.status !== "active" ? { type: "start", menuId: "main" } : SCRIPT[i++ % SCRIPT.length]!;
      state = step(graph, event.type === "start" ? null : state, event).state;
      kept[steps & 1023] = state;
      steps++;
    }
    if (performance.now() - t0 >= DURATION_MS) break;
  }
  const ours = steps / ((performance.now() - t0) / 1000);

  // Baseline: the smallest state machine that still looks a state up and returns a new one.
  const table = new Map([
    ["a", { next: "b" }],
    ["b", { next: "a" }],
  ]);
  let s = { at: "a", n: 0 };
  let n = 0;
  const t1 = performance.now();
  while (n < MAX_STEPS) {
    for (let k = 0; k < 10_000; k++) {
      s = { at: table.get(s.at)!.next, n: s.n + 1 };
      kept[n & 1023] = s;
      n++;
    }
    if (performance.now() - t1 >= DURATION_MS) break;
  }
  const baseline = n / ((performance.now() - t1) / 1000);
  if (s.n !== n) throw new Error("baseline state machine miscounted");
  return { ours, baseline };
}

// ---- Persisted figures.
function counting(db: Queryable): Queryable & { count: number } {
  const wrapper = {
    count: 0,
    query: <R>(text: string, params?: readonly unknown[]) => {
      wrapper.count++;
      return db.query<R>(text, params);
    },
  };
  return wrapper;
}

interface Persisted {
  ours: number;
  statementsPerInput: number;
  r1: number;
  r2: number;
}

/** Runs `work(call)` for each of CALLS concurrent calls until the time is up; returns completed units per second. */
async function drive(work: (call: number) => Promise<void>): Promise<number> {
  let done = 0;
  const deadline = performance.now() + DURATION_MS;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CALLS }, async (_, call) => {
      while (performance.now() < deadline) {
        await work(call);
        done++;
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

async function persistedRound(db: Database, userId: string, round: number): Promise<Persisted> {
  const conn = counting(db);
  const ivr = new IvrService({ menus: new PgIvrMenuRepository(conn), sessions: new PgIvrSessionRepository(conn) });
  const salesMenu = await ivr.createMenu(userId, {
    name: "Sales",
    prompt: "Press 1 for new orders",
    items: [{ digit: "1", action: "agent", target: "sales-new" }],
  });
  const mainMenu = await ivr.createMenu(userId, {
    name: "Main Menu",
    prompt: "Press 1 for sales, 2 for support, 3 for billing",
    items: [
      { digit: "1", action: "submenu", target: salesMenu.menu.id },
      { digit: "2", action: "agent", target: "support-queue" },
    ],
    timeout: 30_000,
    max_retries: 3,
  });
  const prefix = `bench-${round}-${randomBytes(4).toString("hex")}`;
  for (let call = 0; call < CALLS; call++) await ivr.startSession(`${prefix}-${call}`, mainMenu.menu.id);

  // Warm-up, then ours: each call keeps cycling Sales, back, a wrong key (never ending).
  const cycle = ["1", "*", "7"];
  const position = new Array<number>(CALLS).fill(0);
  const input = async (call: number) => {
    const at = position[call] ?? 0;
    position[call] = at + 1;
    await ivr.processMenuInput(`${prefix}-${call}`, cycle[at % cycle.length]!);
  };
  await Promise.all(Array.from({ length: CALLS }, (_, call) => input(call)));
  const before = conn.count;
  let inputs = 0;
  const ours = await drive(async (call) => {
    await input(call);
    inputs++;
  });
  const statementsPerInput = (conn.count - before) / inputs;

  // (r1): one atomic UPDATE … RETURNING per input on the same rows: the one-round-trip ceiling.
  const r1 = await drive(async (call) => {
    await db.query(
      "UPDATE public.ivr_sessions SET retry_count = (retry_count + 1) % 3, last_activity = now(), version = version + 1 WHERE session_id = $1 RETURNING *",
      [`${prefix}-${call}`],
    );
  });
  // (r2): read the row, then write it back only if its version is unchanged: the same two round trips as ours,
  // without the engine, the menus or the JSON.
  const r2 = await drive(async (call) => {
    const { rows } = await db.query<{ version: number }>("SELECT * FROM public.ivr_sessions WHERE session_id = $1", [
      `${prefix}-${call}`,
    ]);
    await db.query(
      "UPDATE public.ivr_sessions SET retry_count = (retry_count + 1) % 3, last_activity = now(), version = version + 1 WHERE session_id = $1 AND version = $2 RETURNING *",
      [`${prefix}-${call}`, rows[0]!.version],
    );
  });
  return { ours, statementsPerInput, r1, r2 };
}

async function persisted(target: "pglite" | "postgres"): Promise<Persisted[]> {
  let db: Database;
  let drop = async () => {};
  if (target === "pglite") {
    db = await openDatabase({ dataDir: "memory" });
  } else {
    const name = `vx_bench_ivr_${randomBytes(4).toString("hex")}`;
    await runOnServer(SERVER_URL, `CREATE DATABASE ${name}`);
    db = await openDatabase({ url: withDatabase(SERVER_URL, name), poolSize: 10 });
    drop = () => runOnServer(SERVER_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  try {
    const { rows } = await db.query<{ id: string }>("INSERT INTO auth.users DEFAULT VALUES RETURNING id");
    const results: Persisted[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      results.push(await persistedRound(db, rows[0]!.id, round));
      console.log(`${target} round ${round + 1}: ${fmt(results[round]!.ours)} inputs/s`);
    }
    return results;
  } finally {
    await db.close();
    await drop();
  }
}

// ---- Run and write.
const pure: { ours: number; baseline: number }[] = [];
pureRound(); // warm-up: JIT
for (let round = 0; round < ROUNDS; round++) {
  pure.push(pureRound());
  console.log(`pure round ${round + 1}: ${fmt(pure[round]!.ours)} steps/s`);
}
const onPglite = await persisted("pglite");
const onPostgres = await persisted("postgres");

const ratio = (xs: number[], ys: number[]) =>
  spread(
    xs.map((x, i) => x / ys[i]!),
    2,
  );
const persistedRows = (name: string, rs: Persisted[]) => [
  `| ${name}: (r1) one UPDATE … RETURNING per input | ${spread(rs.map((r) => r.r1))} | 1 | ${ratio(
    rs.map((r) => r.r1),
    rs.map((r) => r.r2),
  )} |`,
  `| ${name}: (r2) SELECT + conditional UPDATE per input | ${spread(rs.map((r) => r.r2))} | 2 | 1.00 |`,
  `| ${name}: **IvrService input** (engine, menus, compare-and-set) | ${spread(rs.map((r) => r.ours))} | ${spread(
    rs.map((r) => r.statementsPerInput),
    2,
  )} | ${ratio(
    rs.map((r) => r.ours),
    rs.map((r) => r.r2),
  )} |`,
];

const md = `## IVR: engine transitions and persisted inputs (\`bench/ivr.ts\`)

Command: \`pnpm bench ivr\` (${ROUNDS} rounds × ${DURATION_MS / 1000} s per figure, after a warm-up; medians with the range
over rounds; every ratio compares figures of the same round).

### Pure transitions, one core

The specification's example menu and a caller who goes into Sales, back, presses a wrong key, stays silent, and
now and then reaches an agent (which ends the call; the next event starts a new one). Baseline: the smallest state
machine that still looks a state up in a \`Map\` and returns a new state object.

| figure | transitions/s | ÷ baseline |
|---|---|---|
| baseline: map lookup + new object | ${spread(pure.map((p) => p.baseline))} | 1.00 |
| **\`step(menus, state, event)\`** | ${spread(pure.map((p) => p.ours))} | ${ratio(
  pure.map((p) => p.ours),
  pure.map((p) => p.baseline),
)} |

Target ≥ 1,000,000 transitions/s: **${fmt(median(pure.map((p) => p.ours)))}**.

### Persisted inputs

${CALLS} calls in flight at once, each cycling Sales → back → a wrong key through \`IvrService.processMenuInput\`
over \`PgIvrMenuRepository\`/\`PgIvrSessionRepository\` on a pg Pool (10 connections on Postgres, 8 on PGlite).
"Statements per input" is measured: statements sent ÷ inputs completed (a lost compare-and-set would add a retry).
Baselines on the same rows and pool: (r1) one atomic \`UPDATE … RETURNING\` per input, the one-round-trip ceiling;
(r2) \`SELECT\` then \`UPDATE … WHERE version = $n\`, the same two round trips as ours without the engine.

| figure | inputs/s | statements per input | ÷ (r2) |
|---|---|---|---|
${[...persistedRows("PGlite", onPglite), ...persistedRows("Postgres", onPostgres)].join("\n")}

Target: 2 round trips per input: **${spread(
  onPglite.map((r) => r.statementsPerInput),
  2,
)}** on PGlite,
**${spread(
  onPostgres.map((r) => r.statementsPerInput),
  2,
)}** on Postgres. What one input costs beyond (r2): the read also
brings the menus the step may need (the stack's and the current menu's submenus, as JSON), the engine step, and
a write of the stack, counters and status.
`;

writeFileSync(join(import.meta.dirname, "results", "ivr.md"), md);
console.log(md);
