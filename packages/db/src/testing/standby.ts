/** The real streaming standby `scripts/standby.sh` makes, for tests that need replication lag, not a stand-in. */
import pg from "pg";
import { beforeAll, describe, it } from "vitest";
import type { Database } from "../database.js";
import { withDatabase } from "./test-database.js";

/** The standby's server URL (TEST_STANDBY_URL, printed by `scripts/standby.sh up`), or undefined. */
export function testStandbyUrl(): string | undefined {
  return process.env.TEST_STANDBY_URL || undefined;
}

export interface TestStandby {
  /** The test database's URL on the standby. */
  url: string;
  /** Resolves once the standby has replayed everything the primary has written so far. */
  caughtUp(): Promise<void>;
  /**
   * Runs `work` while the standby does not replay WAL (`pg_wal_replay_pause()`), then resumes replay. The pause
   * is the whole standby's: a session advisory lock on the primary keeps it from overlapping `shared()` blocks.
   */
  whileReplayPaused<T>(work: () => Promise<T>): Promise<T>;
  /** Marks tests that need replay running: no other test file pauses it until `release()`. */
  shared(): Promise<{ release(): Promise<void> }>;
}

/** Any 64-bit number of our own: the advisory lock that orders pausing replay against tests that need it. */
const REPLAY_LOCK = 7_221_015_017;

/**
 * The test database `db` on the standby, once replication has brought it there. Throws when the standby does not
 * replicate `db`'s server: a wrong TEST_STANDBY_URL must fail loudly, not test the primary twice.
 */
export async function connectTestStandby(db: Database, standbyServerUrl: string): Promise<TestStandby> {
  const database = new URL(db.url).pathname.slice(1);
  const server = new URL(db.url);
  server.pathname = "/postgres";
  const onStandby = (sql: string, params: unknown[] = []) => once(standbyServerUrl, sql, params);
  const [primaryId, standbyId] = await Promise.all([
    once(server.toString(), "SELECT system_identifier::text AS id FROM pg_control_system()"),
    onStandby("SELECT system_identifier::text AS id, pg_is_in_recovery() AS standby FROM pg_control_system()"),
  ]);
  if (primaryId[0]?.id !== standbyId[0]?.id || standbyId[0]?.standby !== true) {
    throw new Error(`TEST_STANDBY_URL (${standbyServerUrl}) is not a standby of ${server.host}`);
  }

  async function caughtUp(): Promise<void> {
    const { rows } = await db.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
    for (let tries = 0; ; tries++) {
      const [row] = await onStandby("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done", [rows[0]!.lsn]);
      if (row?.done) return;
      if (tries > 500) throw new Error("the standby did not catch up within 5 s: is replay paused?");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async function locked(mode: "shared" | "exclusive"): Promise<{ release(): Promise<void> }> {
    const client = new pg.Client({ connectionString: server.toString() });
    await client.connect();
    await client.query(mode === "shared" ? "SELECT pg_advisory_lock_shared($1)" : "SELECT pg_advisory_lock($1)", [
      REPLAY_LOCK,
    ]);
    return { release: () => client.end() };
  }

  await caughtUp();
  return {
    url: withDatabase(standbyServerUrl, database),
    caughtUp,
    shared: () => locked("shared"),
    async whileReplayPaused(work) {
      const lock = await locked("exclusive");
      try {
        await onStandby("SELECT pg_wal_replay_pause()");
        for (;;) {
          const [row] = await onStandby("SELECT pg_get_wal_replay_pause_state() AS state");
          if (row?.state === "paused") break;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return await work();
      } finally {
        await onStandby("SELECT pg_wal_replay_resume()");
        await lock.release();
      }
    },
  };
}

async function once(url: string, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A block of tests on the real standby of `db()`'s server; without TEST_STANDBY_URL one skipped test says how to
 * run them. `standby()` is valid inside tests and hooks.
 */
export function describeStandby(title: string, db: () => Database, body: (standby: () => TestStandby) => void): void {
  const serverUrl = testStandbyUrl();
  if (!serverUrl) {
    describe.skip(`${title} [SKIPPED: set TEST_STANDBY_URL to what scripts/standby.sh up prints to run]`, () => {
      it("needs a standby", () => {});
    });
    return;
  }
  describe(title, () => {
    let standby: TestStandby | undefined;
    beforeAll(async () => {
      standby = await connectTestStandby(db(), serverUrl);
    });
    body(() => {
      if (!standby) throw new Error("standby not ready");
      return standby;
    });
  });
}
