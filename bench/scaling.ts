// `pnpm bench scaling`: what migration 017 (webhook_logs partitioned by month) costs a live table, and what
// read-your-writes costs a replica read.
// Partitioning: a database at migration 016 with BENCH_LOG_ROWS (1 M) webhook logs, copied from one template per
// variant; a writer inserts a log every 2 ms throughout, and its longest insert is the stall users see.
//   (copy)    baseline: the textbook offline path, a partitioned table filled with INSERT … SELECT, then renamed;
//   (plain)   migration 017 alone, which builds its (id, created_at) index and checks the bound under its lock;
//   (online)  the documented path: that index CONCURRENTLY and the check NOT VALID + VALIDATE first, then 017.
// Replica reads (with TEST_STANDBY_URL, `scripts/standby.sh up`): one readAsUser listing on the standby with the
// read-your-writes fence, against the same listing on the primary.
// Writes bench/results/scaling.md. Settings: BENCH_ROUNDS (3), BENCH_LOG_ROWS, BENCH_POSTGRES_URL.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Database, listMigrationFiles, migrate, openDatabase, prepareWebhookLogsPartitioning } from "@vx/db";
import { runOnServer, withDatabase } from "@vx/db/testing";
import pg from "pg";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROWS = Number(process.env.BENCH_LOG_ROWS ?? 1_000_000);
const SERVER_URL = process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const STANDBY_URL = process.env.TEST_STANDBY_URL;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const spread = (xs: number[], digits = 0) =>
  `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;
const seconds = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};

const WEBHOOK = "10000000-0000-4000-8000-000000000001";

/** A database at migration 016 holding ROWS logs of one webhook over the last 30 days: the template. */
async function makeTemplate(name: string): Promise<void> {
  await runOnServer(SERVER_URL, `CREATE DATABASE ${name}`);
  const url = withDatabase(SERVER_URL, name);
  const files = await listMigrationFiles();
  await migrate({ databaseUrl: url, count: files.findIndex((f) => f.startsWith("017_")) });
  const db = await openDatabase({ url, migrate: false });
  try {
    await db.query(`
      INSERT INTO auth.users (id) VALUES ('00000000-0000-4000-8000-000000000001');
      INSERT INTO webhooks (id, user_id, url, events, secret) VALUES ('${WEBHOOK}',
        '00000000-0000-4000-8000-000000000001', 'https://example.com/h', '{call.started}', 'whsec_0123456789abcdef');
      INSERT INTO webhook_logs (webhook_id, event, payload, status_code, created_at)
      SELECT '${WEBHOOK}', 'call.started', '{"call":"x"}', 200, now() - make_interval(secs => i * 2592000.0 / ${ROWS})
      FROM generate_series(1, ${ROWS}) i;`);
    await db.query("VACUUM ANALYZE webhook_logs");
  } finally {
    await db.close();
  }
}

/** Inserts a log every 2 ms until stopped; the longest insert, in ms. */
function writer(url: string): { stop(): Promise<number> } {
  let running = true;
  let longest = 0;
  const done = (async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      while (running) {
        const started = performance.now();
        await client.query("INSERT INTO webhook_logs (webhook_id, event) VALUES ($1, 'call.started')", [WEBHOOK]);
        longest = Math.max(longest, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    } finally {
      await client.end();
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return longest;
    },
  };
}

const COPY = `
  BEGIN;
  LOCK TABLE webhook_logs IN ACCESS EXCLUSIVE MODE;
  CREATE TABLE webhook_logs_p (LIKE webhook_logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (created_at);
  ALTER TABLE webhook_logs_p ADD PRIMARY KEY (id, created_at);
  CREATE INDEX ON webhook_logs_p (webhook_id, created_at DESC);
  CREATE INDEX ON webhook_logs_p (event);
  CREATE INDEX ON webhook_logs_p (created_at);
  CREATE TABLE webhook_logs_p_old PARTITION OF webhook_logs_p FOR VALUES FROM (MINVALUE) TO ('2100-01-01');
  INSERT INTO webhook_logs_p SELECT * FROM webhook_logs;
  ALTER TABLE webhook_logs RENAME TO webhook_logs_gone;
  ALTER TABLE webhook_logs_p RENAME TO webhook_logs;
  COMMIT;`;

type Variant = "copy" | "plain" | "online";
interface Figure {
  /** Seconds of preparation that blocks no writes. */
  prepare: number;
  /** Seconds of the step that holds the table's lock. */
  locked: number;
  /** The concurrent writer's longest insert, ms. */
  stall: number;
}

async function runVariant(template: string, variant: Variant): Promise<Figure> {
  const name = `vx_bench_${randomBytes(5).toString("hex")}`;
  await runOnServer(SERVER_URL, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = withDatabase(SERVER_URL, name);
  const db = await openDatabase({ url, migrate: false });
  try {
    const write = writer(url);
    await new Promise((resolve) => setTimeout(resolve, 200));
    let prepare = 0;
    if (variant === "online") {
      prepare = await seconds(() => prepareWebhookLogsPartitioning(db));
    }
    const locked = await seconds(() => (variant === "copy" ? db.query(COPY) : migrate({ databaseUrl: url })));
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { prepare, locked, stall: await write.stop() };
  } finally {
    await db.close();
    await runOnServer(SERVER_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

/** Median ms of `reads` sequential listings of 50 logs. */
async function listingMs(db: Database, userId: string, reads: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < reads; i++) {
    const started = performance.now();
    await db.readAsUser(userId, (tx) =>
      tx.query("SELECT * FROM vx_webhook_logs($1, $2, 50, NULL, NULL, NULL)", [WEBHOOK, userId]),
    );
    times.push(performance.now() - started);
  }
  return median(times);
}

async function replicaFigures(template: string): Promise<{ primary: number[]; standby: number[] } | undefined> {
  if (!STANDBY_URL) return undefined;
  const name = `vx_bench_${randomBytes(5).toString("hex")}`;
  await runOnServer(SERVER_URL, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = withDatabase(SERVER_URL, name);
  const primary = await openDatabase({ url, migrate: true });
  // The standby replays the new database (a copy of the template) before it can be connected to.
  for (let tries = 0; ; tries++) {
    const probe = new pg.Client({ connectionString: withDatabase(STANDBY_URL, name) });
    try {
      await probe.connect();
      await probe.end();
      break;
    } catch (error) {
      if (tries > 600) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const standby = await openDatabase({ url, readUrl: withDatabase(STANDBY_URL, name), migrate: false });
  const figures = { primary: [] as number[], standby: [] as number[] };
  try {
    const userId = "00000000-0000-4000-8000-000000000001";
    await listingMs(primary, userId, 100);
    await listingMs(standby, userId, 100);
    for (let round = 0; round < ROUNDS; round++) {
      figures.primary.push(await listingMs(primary, userId, 500));
      figures.standby.push(await listingMs(standby, userId, 500));
    }
    const counts = standby.replicaReadCounts();
    if (counts.replica === 0) throw new Error(`no read reached the standby: ${JSON.stringify(counts)}`);
    return figures;
  } finally {
    await Promise.all([primary.close(), standby.close()]);
    await runOnServer(SERVER_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

const template = `vx_bench_tpl_${randomBytes(4).toString("hex")}`;
try {
  await makeTemplate(template);
  const figures: Record<Variant, Figure[]> = { copy: [], plain: [], online: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of ["copy", "plain", "online"] as const) {
      figures[variant].push(await runVariant(template, variant));
      console.log(round, variant, figures[variant].at(-1));
    }
  }
  const replica = await replicaFigures(template);
  const ratio = (variant: Variant, key: keyof Figure) =>
    spread(
      figures[variant].map((f, i) => f[key] / figures.copy[i]![key]),
      2,
    );
  const rows = (["copy", "plain", "online"] as const).map((v) => {
    const label = {
      copy: "(copy) baseline: INSERT … SELECT into a new partitioned table",
      plain: "(plain) migration 017 alone",
      online: "(online) index CONCURRENTLY + check NOT VALID/VALIDATE, then 017",
    }[v];
    return `| ${label} | ${spread(
      figures[v].map((f) => f.prepare),
      2,
    )} | ${spread(
      figures[v].map((f) => f.locked),
      2,
    )} | ${ratio(v, "locked")} | ${spread(figures[v].map((f) => f.stall))} | ${ratio(v, "stall")} |`;
  });
  const replicaSection = replica
    ? `
Replica reads (a listing of 50 logs through \`vx_webhook_logs\`, 500 sequential reads per round, median ms per read):
on the primary **${spread(replica.primary, 2)}**, on the standby with the read-your-writes fence (one WAL-position
query on the primary, one replay check on the standby) **${spread(replica.standby, 2)}**: ratio
**${spread(
        replica.standby.map((s, i) => s / replica.primary[i]!),
        2,
      )}**.`
    : "\nReplica reads: SKIPPED (set TEST_STANDBY_URL to what `scripts/standby.sh up` prints).";
  const section = `## Scaling: webhook_logs partitioned by month, read-your-writes on a standby (\`bench/scaling.ts\`)

Command: \`pnpm bench scaling\` (${ROUNDS} rounds; ${fmt(ROWS)} webhook logs over 30 days at migration 016, one
database copied from a template per variant; a writer inserts one log every 2 ms throughout). Medians with the
range over rounds; ratios against the copy baseline of the same round.

| variant | seconds before, writes flowing | seconds holding the table's lock | ÷ (copy) | longest concurrent insert, ms | ÷ (copy) |
|---|---|---|---|---|---|
${rows.join("\n")}
${replicaSection}
`;
  writeFileSync(join(import.meta.dirname, "results", "scaling.md"), section);
  console.log(section);
} finally {
  await runOnServer(SERVER_URL, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
}
