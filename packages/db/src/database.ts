/** A Postgres database (real or embedded PGlite) behind a pg Pool, with RLS-aware ways to run work. */
import pg from "pg";
import { isTransactionPoolerUrl } from "./pooler.js";
import type { JwtClaims, Queryable, QueryResult } from "./queryable.js";
import {
  measureReplicaLag,
  type ReplicaLag,
  type ReplicaReadOutcome,
  WriteFence,
  waitForReplay,
} from "./replica-reads.js";

export type DatabaseKind = "postgres" | "pglite";

export interface HealthStatus {
  healthy: boolean;
  latencyMs: number;
  error?: string;
}

/** A read replica's health, with its lag behind the primary when it answered. */
export interface ReplicaHealthStatus extends HealthStatus {
  lag?: ReplicaLag;
}

/** Which server ran a statement: the primary, or the read replica given as `readUrl`. */
export type QueryTarget = "primary" | "replica";

/** Told about every statement: what ran (a low-cardinality name), where, how long it took, whether it failed. */
export type QueryObserver = (event: {
  operation: string;
  durationMs: number;
  failed: boolean;
  target: QueryTarget;
}) => void;

export interface DatabaseOptions {
  kind: DatabaseKind;
  url: string;
  poolSize?: number;
  /**
   * A read replica (e.g. a streaming standby) for `readAsUser`: read-heavy listings and stats only.
   * Writes, verifications and system work never go there.
   */
  readUrl?: string;
  /**
   * Read-your-writes: how long a replica read waits for the replica to replay what the primary had written when
   * the read began (default 100 ms). Past it, the read runs on the primary. 0: never wait.
   */
  readMaxWaitMs?: number;
  /**
   * How long a statement waits for a connection, whether Postgres is slow to accept one or every pooled
   * connection is busy, before it fails with an error `isDatabaseUnavailable` recognises (a 503). Default 5000 ms.
   * Raise it where bursts of many statements on one hot row are expected to queue. Embedded PGlite: no limit.
   */
  connectTimeoutMs?: number;
  /**
   * Send the hot statements (key verification, the rate limiter) as named prepared statements, so Postgres parses
   * and plans each once per connection instead of once per batch. Default: on for Postgres, off through a
   * transaction pooler (port 6543 or `pgbouncer=true`) and on embedded PGlite, whose connections share one session.
   * Should a pooler the URL does not reveal refuse them anyway, the statement is sent again unnamed and this
   * Database stops preparing.
   */
  preparedStatements?: boolean;
  /** Runs after the pool is closed: stops the embedded server. */
  onClose?: () => Promise<void>;
}

type Work<T> = (tx: Queryable) => Promise<T>;

/** After the replica refuses a connection, reads go to the primary for this long before it is tried again. */
const REPLICA_RETRY_MS = 5_000;
/** A replica that does not answer must not hold a request for the OS's TCP timeout. */
const REPLICA_CONNECT_TIMEOUT_MS = 2_000;
export const DEFAULT_READ_MAX_WAIT_MS = 100;
/**
 * Nor must the primary: while Postgres is down or full, a request waits at most this long for a connection, then
 * fails with an error `isDatabaseUnavailable` recognises (a 503). Embedded PGlite runs in this process: no limit.
 */
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export class Database implements Queryable {
  readonly kind: DatabaseKind;
  readonly url: string;
  readonly pool: pg.Pool;
  /** The read replica's pool, when `readUrl` was given. */
  readonly replicaPool?: pg.Pool;
  private replicaRetryAt = 0;
  private readonly fence: WriteFence;
  private readonly readMaxWaitMs: number;
  private readonly replicaReads: Record<ReplicaReadOutcome, number> = { replica: 0, lagging: 0, unreachable: 0 };
  private readonly onClose?: () => Promise<void>;
  private closed = false;
  private readonly observers: QueryObserver[] = [];
  private prepares: boolean;

  constructor(options: DatabaseOptions) {
    this.kind = options.kind;
    this.url = options.url;
    this.onClose = options.onClose;
    this.prepares = options.preparedStatements ?? (options.kind === "postgres" && !isTransactionPoolerUrl(options.url));
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      ...(options.kind === "postgres"
        ? { connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, keepAlive: true }
        : {}),
    });
    // An idle client losing its server must not crash the process; the pool replaces it.
    this.pool.on("error", () => {});
    this.fence = new WriteFence(this.pool);
    this.readMaxWaitMs = options.readMaxWaitMs ?? DEFAULT_READ_MAX_WAIT_MS;
    if (options.readUrl) {
      this.replicaPool = new pg.Pool({
        connectionString: options.readUrl,
        max: options.poolSize ?? 10,
        connectionTimeoutMillis: REPLICA_CONNECT_TIMEOUT_MS,
      });
      this.replicaPool.on("error", () => {});
    }
  }

  /** One statement as the connection's own role (system work: bypasses RLS). */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.observed(text, "primary", () => this.pool.query(text, params as unknown[] | undefined));
  }

  /**
   * One statement as `query` runs it, sent as the named prepared statement `name` where the connection allows it
   * (see `preparedStatements`): for statements run thousands of times a second, where parsing and planning the call
   * cost about a tenth of the work. One name per text. A server that refuses the name (a transaction pooler handing
   * the statement to another connection, or a migration that changed the statement's result type meanwhile) fails
   * before the statement runs, so it is sent again unnamed, and from then on every statement is.
   */
  async queryPrepared<R = Record<string, unknown>>(
    name: string,
    text: string,
    params: readonly unknown[],
  ): Promise<QueryResult<R>> {
    if (!this.prepares) return this.query<R>(text, params);
    try {
      return await this.observed<R>(text, "primary", () =>
        this.pool.query({ name, text, values: params as unknown[] }),
      );
    } catch (error) {
      if (!isPreparedStatementRefusal(error)) throw error;
      this.prepares = false;
      return this.query<R>(text, params);
    }
  }

  /** Whether `queryPrepared` still sends named prepared statements. */
  get preparesStatements(): boolean {
    return this.prepares;
  }

  /** Observe every statement's duration, e.g. for a metrics histogram per operation. Returns the unsubscribe. */
  observeQueries(observer: QueryObserver): () => void {
    this.observers.push(observer);
    return () => {
      const at = this.observers.indexOf(observer);
      if (at >= 0) this.observers.splice(at, 1);
    };
  }

  /** A transaction as the connection's own role (system work). */
  transaction<T>(work: Work<T>): Promise<T> {
    return this.inTransaction("BEGIN", work);
  }

  /** A transaction as the `service_role` role, which bypasses RLS as on Supabase. */
  asService<T>(work: Work<T>): Promise<T> {
    return this.inTransaction("BEGIN; SELECT set_config('role', 'service_role', true)", work);
  }

  /**
   * A transaction as role `authenticated` with the user's JWT claims, exactly as Supabase's
   * PostgREST runs a request, so row level security decides what the work can see and touch.
   */
  asUser<T>(userId: string, work: Work<T>, claims: Partial<JwtClaims> = {}): Promise<T> {
    return this.inTransaction(userBegin("BEGIN", userId, claims), work);
  }

  /**
   * `asUser` for read-heavy listings and stats: a READ ONLY transaction, on the read replica when `readUrl` was
   * given. It sees every write committed before it began (read-your-writes): it waits up to `readMaxWaitMs` for
   * the replica to replay them, and runs on the primary past that or while the replica refuses connections.
   */
  readAsUser<T>(userId: string, work: Work<T>, claims: Partial<JwtClaims> = {}): Promise<T> {
    return this.inTransaction(userBegin("BEGIN READ ONLY", userId, claims), work, "replica");
  }

  /** The specification's `const isHealthy = await databaseService.healthCheck()`: true when the database answers. */
  async healthCheck(): Promise<boolean> {
    return (await this.health()).healthy;
  }

  /** Whether the database answers, how fast, and the driver's error when it does not. */
  async health(): Promise<HealthStatus> {
    return probe(this.pool);
  }

  /**
   * The read replica's health and lag, or undefined when there is none. Reads fall back to the primary when it
   * is down or lags.
   */
  async replicaHealth(): Promise<ReplicaHealthStatus | undefined> {
    if (!this.replicaPool) return undefined;
    const health: ReplicaHealthStatus = await probe(this.replicaPool);
    if (!health.healthy) return health;
    try {
      return { ...health, lag: await measureReplicaLag(this.pool, this.replicaPool) };
    } catch {
      return health;
    }
  }

  /** How many `readAsUser` transactions ran where, and why on the primary: counters since the pool opened. */
  replicaReadCounts(): Readonly<Record<ReplicaReadOutcome, number>> {
    return { ...this.replicaReads };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.pool.end(), this.replicaPool?.end()]);
    await this.onClose?.();
  }

  private async inTransaction<T>(begin: string, work: Work<T>, wanted: QueryTarget = "primary"): Promise<T> {
    const { client, target } = await this.connect(wanted);
    // The pool stops listening while a client is checked out: a server lost between two statements would emit an
    // unhandled "error" and end the process. Ignored here, the next statement fails instead (an outage, a 503).
    client.on("error", ignoreError);
    try {
      await client.query(begin);
      const tx: Queryable = {
        query: <R>(text: string, params?: readonly unknown[]) =>
          this.observed<R>(text, target, () => client.query(text, params as unknown[] | undefined)),
      };
      const value = await work(tx);
      await client.query("COMMIT");
      return value;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.removeListener("error", ignoreError);
      client.release();
    }
  }

  /** A client of the wanted server; the primary's when the replica is absent, refusing connections or lagging. */
  private async connect(wanted: QueryTarget): Promise<{ client: pg.PoolClient; target: QueryTarget }> {
    if (wanted === "replica" && this.replicaPool) {
      const replica = await this.caughtUpReplica(this.replicaPool);
      if (replica) return { client: replica, target: "replica" };
    }
    return { client: await this.pool.connect(), target: "primary" };
  }

  /** A replica client that has replayed every write committed before this call, or undefined (read the primary). */
  private async caughtUpReplica(replicaPool: pg.Pool): Promise<pg.PoolClient | undefined> {
    if (Date.now() < this.replicaRetryAt) return this.counted("unreachable", undefined);
    const [fence, connected] = await Promise.allSettled([this.fence.current(), replicaPool.connect()]);
    if (connected.status === "rejected") {
      this.replicaRetryAt = Date.now() + REPLICA_RETRY_MS;
      return this.counted("unreachable", undefined);
    }
    const client = connected.value;
    try {
      // The primary did not answer: the read fails as all primary work does (a 503), never serves a stale view.
      if (fence.status === "rejected") throw fence.reason;
      if (await waitForReplay(client, fence.value, this.readMaxWaitMs)) return this.counted("replica", client);
    } catch (error) {
      client.release();
      throw error;
    }
    client.release();
    return this.counted("lagging", undefined);
  }

  private counted<T>(outcome: ReplicaReadOutcome, value: T): T {
    this.replicaReads[outcome] += 1;
    return value;
  }

  /** Runs a statement, telling observers how long it took. */
  private async observed<R>(
    text: string,
    target: QueryTarget,
    run: () => Promise<pg.QueryResult>,
  ): Promise<QueryResult<R>> {
    if (this.observers.length === 0) {
      const result = await run();
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    }
    const started = performance.now();
    let failed = false;
    try {
      const result = await run();
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      const event = { operation: operationName(text), durationMs: performance.now() - started, failed, target };
      for (const observer of this.observers) observer(event);
    }
  }
}

function ignoreError(): void {}

/** BEGIN plus the settings PostgREST makes for a request as the user, as literals: one round trip for all. */
function userBegin(begin: string, userId: string, claims: Partial<JwtClaims>): string {
  const json = JSON.stringify({ role: "authenticated", ...claims, sub: userId });
  return (
    `${begin}; SELECT set_config('role', 'authenticated', true), ` +
    `set_config('request.jwt.claims', ${pg.Client.prototype.escapeLiteral(json)}, true), ` +
    `set_config('request.jwt.claim.sub', ${pg.Client.prototype.escapeLiteral(userId)}, true)`
  );
}

async function probe(pool: pg.Pool): Promise<HealthStatus> {
  const started = performance.now();
  try {
    await pool.query("SELECT 1");
    return { healthy: true, latencyMs: elapsed(started) };
  } catch (error) {
    return { healthy: false, latencyMs: elapsed(started), error: (error as Error).message };
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

/**
 * A short, bounded name for a statement, so metrics get one series per operation and never one per query text:
 * the SQL function it calls (`vx_verify_api_keys`), else the verb and first table (`select api_keys`).
 */
export function operationName(text: string): string {
  const fn = /\b(vx_[a-z0-9_]+)\s*\(/i.exec(text);
  if (fn) return fn[1]!.toLowerCase();
  const verb =
    /^\s*(?:with\b[\s\S]*?\)\s*)?(select|insert|update|delete|begin|commit|rollback|set|notify|listen)\b/i.exec(text);
  const name = verb?.[1]?.toLowerCase() ?? "other";
  const table = /\b(?:from|into|update)\s+(?:public\.|auth\.)?"?([a-z_][a-z0-9_]*)/i.exec(text);
  return table && ["select", "insert", "update", "delete"].includes(name) ? `${name} ${table[1]!.toLowerCase()}` : name;
}

/**
 * Errors that mean the named statement cannot be used here, raised before it runs: 26000 (no such prepared
 * statement: another server connection behind a pooler), 42P05 (the name is taken on that connection), and 0A000
 * "cached plan must not change result type" (a migration changed what the statement returns).
 */
function isPreparedStatementRefusal(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === "26000" || code === "42P05") return true;
  return code === "0A000" && typeof message === "string" && message.includes("cached plan must not change result type");
}
