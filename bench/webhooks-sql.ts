// The database side of the webhooks benchmark alone, for trying a schema or SQL change before a full run: one
// connection enqueues batches of 64 events, claims them 100 at a time and records them delivered, serially on an idle
// machine, and prints wall µs per event of each phase (medians of 5 cycles of 6,400 events). Not part of `pnpm bench`.
// Run: `npx tsx bench/webhooks-sql.ts`; VARIANT=file.sql runs that SQL after the migrations (e.g. a replaced function),
// so a variant and the base can be compared run against run. Differences under ~5 µs are noise here.
import { readFileSync } from "node:fs";
import { openDatabase, PgWebhookRepository } from "@vx/db";
import { runOnServer, withDatabase } from "@vx/db/testing";
import { deliveredAttempt } from "@vx/webhooks/testing";
import { sql } from "../packages/db/src/webhooks/sql.js";

const SERVER = process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const DB_NAME = "vx_bench_webhooks_sql";
const BATCH = 64;
const ROUNDS = 100;
const BODY = JSON.stringify({
  type: "call.started",
  data: { callId: "call_1", agentId: "agent_456", phone: "+1234567890" },
});

await runOnServer(SERVER, `DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
await runOnServer(SERVER, `CREATE DATABASE ${DB_NAME}`);
const db = await openDatabase({ url: withDatabase(SERVER, DB_NAME), poolSize: 2 });
if (process.env.VARIANT) await db.query(readFileSync(process.env.VARIANT, "utf8"));
const repository = new PgWebhookRepository(db);
const { rows } = await db.query<{ id: string }>("INSERT INTO auth.users DEFAULT VALUES RETURNING id");
const user = rows[0]!.id;
await repository.createWebhook({
  user_id: user,
  url: "https://example.com/hook",
  events: ["call.started"],
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
});

type Phase = "enqueue" | "claim" | "record";

/** Enqueues `rounds` batches, claims everything and records it; returns µs per event of each phase. */
async function cycle(rounds: number): Promise<Record<Phase, number>> {
  const fill = <T>(value: T) => Array.from({ length: BATCH }, () => value);
  const timed = async (work: () => Promise<void>) => {
    const started = performance.now();
    await work();
    return ((performance.now() - started) * 1000) / (rounds * BATCH);
  };
  const enqueue = await timed(async () => {
    for (let r = 0; r < rounds; r++) {
      await db.query(sql.enqueueBatch, [
        fill(user),
        fill(null),
        fill("call.started"),
        fill(BODY),
        fill(null),
        fill(new Date()),
      ]);
    }
  });
  const claimed: Awaited<ReturnType<typeof repository.claim>> = [];
  const claim = await timed(async () => {
    for (;;) {
      const batch = await repository.claim({ workerId: "w1", limit: 100, now: new Date(), leaseMs: 30_000 });
      if (batch.length === 0) return;
      claimed.push(...batch);
    }
  });
  const record = await timed(async () => {
    for (let i = 0; i < claimed.length; i += 100) {
      const attempts = claimed.slice(i, i + 100).map((m) => deliveredAttempt(m));
      await repository.record(attempts, { workerId: "w1", now: new Date(), disableAfterMs: 60_000 });
    }
  });
  return { enqueue, claim, record };
}

await cycle(20); // warm: plans cached, tables past their first pages
const cycles: Record<Phase, number>[] = [];
for (let i = 0; i < 5; i++) cycles.push(await cycle(ROUNDS));
const median = (phase: Phase) =>
  cycles
    .map((c) => c[phase])
    .sort((a, b) => a - b)[2]!
    .toFixed(1);
console.log(
  `${process.env.VARIANT ?? "base"}: µs per event: enqueue ${median("enqueue")}, claim ${median("claim")}, record ${median("record")}`,
);
await db.close();
await runOnServer(SERVER, `DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
