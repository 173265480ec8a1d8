/** A Postgres database (real or embedded PGlite) behind a pg Pool, with RLS-aware ways to run work. */
import pg from "pg";
import type { JwtClaims, Queryable, QueryResult } from "./queryable.js";

export type DatabaseKind = "postgres" | "pglite";

export interface HealthStatus {
  healthy: boolean;
  latencyMs: number;
  error?: string;
}

/** Told about every statement: what ran (a low-cardinality name), how long it took, whether it failed. */
export type QueryObserver = (event: { operation: string; durationMs: number; failed: boolean }) => void;

export interface DatabaseOptions {
  kind: DatabaseKind;
  url: string;
  poolSize?: number;
  /** Runs after the pool is closed: stops the embedded server. */
  onClose?: () => Promise<void>;
}

type Work<T> = (tx: Queryable) => Promise<T>;

export class Database implements Queryable {
  readonly kind: DatabaseKind;
  readonly url: string;
  readonly pool: pg.Pool;
  private readonly onClose?: () => Promise<void>;
  private closed = false;
  private readonly observers: QueryObserver[] = [];

  constructor(options: DatabaseOptions) {
    this.kind = options.kind;
    this.url = options.url;
    this.onClose = options.onClose;
    this.pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // An idle client losing its server must not crash the process; the pool replaces it.
    this.pool.on("error", () => {});
  }

  /** One statement as the connection's own role (system work: bypasses RLS). */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.observed(text, () => this.pool.query(text, params as unknown[] | undefined));
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
    const json = JSON.stringify({ role: "authenticated", ...claims, sub: userId });
    // Literals instead of parameters: BEGIN and the settings then cost one round trip.
    const begin =
      "BEGIN; SELECT set_config('role', 'authenticated', true), " +
      `set_config('request.jwt.claims', ${pg.Client.prototype.escapeLiteral(json)}, true), ` +
      `set_config('request.jwt.claim.sub', ${pg.Client.prototype.escapeLiteral(userId)}, true)`;
    return this.inTransaction(begin, work);
  }

  /** The specification's `const isHealthy = await databaseService.healthCheck()`: true when the database answers. */
  async healthCheck(): Promise<boolean> {
    return (await this.health()).healthy;
  }

  /** Whether the database answers, how fast, and the driver's error when it does not. */
  async health(): Promise<HealthStatus> {
    const started = performance.now();
    try {
      await this.pool.query("SELECT 1");
      return { healthy: true, latencyMs: elapsed(started) };
    } catch (error) {
      return { healthy: false, latencyMs: elapsed(started), error: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
    await this.onClose?.();
  }

  private async inTransaction<T>(begin: string, work: Work<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(begin);
      const tx: Queryable = {
        query: <R>(text: string, params?: readonly unknown[]) =>
          this.observed<R>(text, () => client.query(text, params as unknown[] | undefined)),
      };
      const value = await work(tx);
      await client.query("COMMIT");
      return value;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** Runs a statement, telling observers how long it took. */
  private async observed<R>(text: string, run: () => Promise<pg.QueryResult>): Promise<QueryResult<R>> {
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
      const event = { operation: operationName(text), durationMs: performance.now() - started, failed };
      for (const observer of this.observers) observer(event);
    }
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
