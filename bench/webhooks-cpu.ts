// CPU time per delivered message, by process group, read from /proc (Linux): where a figure's time goes.
// pg = every Postgres backend of the benchmark database (producers', workers', listeners', autovacuum's).
import { readFileSync } from "node:fs";

export interface CpuPerMessage {
  /** Microseconds of CPU per message. */
  pg: number;
  workers: number;
  receiver: number;
  producer: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0; // exited: its CPU up to now was counted at the start only, so a short-lived backend counts as 0
  }
}

interface Queryable {
  query<R>(text: string): Promise<{ rows: R[] }>;
}

/** CPU ms by pid of every backend of the database now, and of the given processes. */
async function snapshot(db: Queryable, workers: number[], receiver: number) {
  const { rows } = await db.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()",
  );
  const usage = process.cpuUsage();
  return {
    pg: new Map(rows.map((r) => [r.pid, cpuMsOf(r.pid)])),
    workers: workers.reduce((total, pid) => total + cpuMsOf(pid), 0),
    receiver: cpuMsOf(receiver),
    producer: (usage.user + usage.system) / 1000,
  };
}

/**
 * Starts counting; the returned function stops and gives µs per message. A backend that ends during the run is
 * missed (pools here keep theirs), one that starts during it counts in full.
 */
export async function meterCpu(
  db: Queryable,
  workers: number[],
  receiver: number,
): Promise<(messages: number) => Promise<CpuPerMessage>> {
  const before = await snapshot(db, workers, receiver);
  return async (messages) => {
    const after = await snapshot(db, workers, receiver);
    let pgMs = 0;
    for (const [pid, ms] of after.pg) pgMs += ms - (before.pg.get(pid) ?? 0);
    const per = (ms: number) => Math.max(0, (ms * 1000) / messages);
    return {
      pg: per(pgMs),
      workers: per(after.workers - before.workers),
      receiver: per(after.receiver - before.receiver),
      producer: per(after.producer - before.producer),
    };
  };
}
