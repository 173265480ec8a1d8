/** A Postgres database (real or embedded PGlite) behind a pg Pool, with RLS-aware ways to run work. */
import pg from "pg";
import type { JwtClaims, Queryable, QueryResult } from "./queryable.js";

export type DatabaseKind = "postgres" | "pglite";

export interface HealthStatus {
  healthy: boolean;
  latencyMs: number;
  error?: string;
}

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

  constructor(options: DatabaseOptions) {
    this.kind = options.kind;
    this.url = options.url;
    this.onClose = options.onClose;
    this.pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // An idle client losing its server must not crash the process; the pool replaces it.
    this.pool.on("error", () => {});
  }

  /** One statement as the connection's own role (system work: bypasses RLS). */
  async query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    const result = await this.pool.query(text, params as unknown[] | undefined);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
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

  async healthCheck(): Promise<HealthStatus> {
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
        query: async <R>(text: string, params?: readonly unknown[]) => {
          const result = await client.query(text, params as unknown[] | undefined);
          return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
        },
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
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
