/**
 * Read-your-writes on a lagging read replica. A replica read first learns how far the primary's WAL had got when
 * the read began (the fence), then waits, up to a bound, for the replica to have replayed that far; past the
 * bound the read runs on the primary. Whatever any process committed before the read began is therefore visible
 * to it, wherever it runs: no per-user state, so it holds across API processes behind a load balancer.
 */
import type pg from "pg";

/** How a replica read went: served by the replica, or by the primary because the replica lagged or refused. */
export type ReplicaReadOutcome = "replica" | "lagging" | "unreachable";

/** How far a replica is behind its primary. Both 0 when it has replayed everything (or is not a standby). */
export interface ReplicaLag {
  bytes: number;
  seconds: number;
}

/** An LSN as Postgres prints it (`16/B374D848`): anything else from the primary is a bug to fail on. */
const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/;

/**
 * The primary's WAL insert position, at least as far as it was when `current()` was called. Concurrent callers
 * share one query: a caller joins the next query to start, never one already running (which may have read the
 * position before the caller's own write committed). So there is at most one fence query in flight per process.
 * The insert position (not the flushed one) covers commits made with `synchronous_commit = off` too.
 */
export class WriteFence {
  private running?: Promise<string>;
  private queued?: Promise<string>;

  constructor(private readonly primary: pg.Pool) {}

  current(): Promise<string> {
    if (!this.running) return this.start();
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    return this.queued;
  }

  private start(): Promise<string> {
    const query = this.primary
      .query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn")
      .then(({ rows }) => {
        const lsn = rows[0]?.lsn ?? "";
        if (!LSN.test(lsn)) throw new Error(`unexpected WAL position from the primary: ${lsn}`);
        return lsn;
      });
    const running = query.finally(() => {
      if (this.running === running) this.running = undefined;
    });
    this.running = running;
    return running;
  }
}

/**
 * Whether the replica behind `client` has replayed up to `lsn`, polling until it has or `maxWaitMs` passed.
 * A server that is not in recovery (a promoted standby, or a read-only login on the primary itself) is never
 * behind.
 */
export async function waitForReplay(client: pg.PoolClient, lsn: string, maxWaitMs: number): Promise<boolean> {
  const deadline = performance.now() + maxWaitMs;
  let pauseMs = 1;
  for (;;) {
    const { rows } = await client.query<{ caught_up: boolean }>(
      "SELECT NOT pg_is_in_recovery() OR coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS caught_up",
      [lsn],
    );
    if (rows[0]?.caught_up) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, left)));
    pauseMs = Math.min(pauseMs * 2, 10);
  }
}

/**
 * The replica's lag: bytes of WAL the primary wrote that it has not replayed, and, while it has received WAL it
 * has not replayed yet, the age of the last transaction it replayed (0 once it has replayed all it received: an
 * idle standby is not minutes behind just because nothing was committed for minutes).
 */
export async function measureReplicaLag(primary: pg.Pool, replica: pg.Pool): Promise<ReplicaLag> {
  const { rows } = await replica.query<{ recovering: boolean; replayed: string | null; age: number | null }>(
    "SELECT pg_is_in_recovery() AS recovering, pg_last_wal_replay_lsn()::text AS replayed, " +
      "CASE WHEN pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn() " +
      "THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 ELSE 0 END AS age",
  );
  const standby = rows[0];
  if (!standby?.recovering || !standby.replayed) return { bytes: 0, seconds: 0 };
  const behind = await primary.query<{ bytes: string }>(
    "SELECT greatest(pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn), 0)::bigint::text AS bytes",
    [standby.replayed],
  );
  const bytes = Number(behind.rows[0]?.bytes ?? 0);
  return { bytes, seconds: Math.max(0, Math.round((standby.age ?? 0) * 1000) / 1000) };
}
