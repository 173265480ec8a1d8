// Embedded PGlite is one Postgres session shared by every connection: exchanges and transactions must take turns
// whole, so many concurrent clients are all answered, correctly, and a vanished or stalled client frees the rest.
import { startEmbeddedPostgres } from "@vx/db";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function embedded(options: Parameters<typeof startEmbeddedPostgres>[0] = {}) {
  const server = await startEmbeddedPostgres(options);
  stops.push(() => server.stop());
  return server;
}

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on("error", () => {});
  await c.connect();
  stops.unshift(() => c.end().catch(() => {}));
  return c;
}

describe("embedded PGlite shared by many connections", () => {
  it("answers every statement of 12 concurrent clients mixing queries, transactions and errors", {
    timeout: 60_000,
  }, async () => {
    const server = await embedded();
    const pool = new pg.Pool({ connectionString: server.url, max: 12 });
    stops.unshift(() => pool.end());
    await pool.query("CREATE TABLE t (id serial PRIMARY KEY, lane int NOT NULL, v text NOT NULL)");
    const committed = new Array<number>(12).fill(0);
    const deadline = Date.now() + 3_000;
    await Promise.all(
      committed.map(async (_, lane) => {
        while (Date.now() < deadline) {
          if (lane % 3 === 0) {
            await pool.query("INSERT INTO t (lane, v) VALUES ($1, $2)", [lane, `plain ${lane}`]);
            committed[lane]!++;
            continue;
          }
          const c = await pool.connect();
          try {
            await c.query("BEGIN");
            await c.query("INSERT INTO t (lane, v) VALUES ($1, $2)", [lane, "in a transaction"]);
            const { rows } = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM t WHERE lane = $1", [lane]);
            expect(rows[0]!.n).toBe(committed[lane]! + 1);
            if (lane % 3 === 2) {
              // An error inside the transaction: it must roll back whole and leave the session usable.
              await expect(c.query("INSERT INTO t (lane, v) VALUES ($1, NULL)", [lane])).rejects.toThrow(/null value/);
              await c.query("ROLLBACK");
            } else {
              await c.query("COMMIT");
              committed[lane]!++;
            }
          } finally {
            c.release();
          }
        }
      }),
    );
    const { rows } = await pool.query<{ lane: number; n: number }>(
      "SELECT lane, count(*)::int AS n FROM t GROUP BY lane ORDER BY lane",
    );
    expect(Object.fromEntries(rows.map((r) => [r.lane, r.n]))).toEqual(
      Object.fromEntries(committed.map((n, lane) => [lane, n]).filter(([, n]) => (n ?? 0) > 0)),
    );
    expect(committed.reduce((a, b) => a + b)).toBeGreaterThan(12);
  });

  it("rolls back the open transaction of a client that vanishes, and serves the others", async () => {
    const server = await embedded();
    const setup = await client(server.url);
    await setup.query("CREATE TABLE t (v text)");
    const vanishing = await client(server.url);
    await vanishing.query("BEGIN");
    await vanishing.query("INSERT INTO t VALUES ($1)", ["never committed"]);
    const waiting = setup.query("SELECT count(*)::int AS n FROM t");
    (vanishing as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await waiting).rows).toEqual([{ n: 0 }]);
    await setup.query("INSERT INTO t VALUES ($1)", ["after"]);
    expect((await setup.query("SELECT v FROM t")).rows).toEqual([{ v: "after" }]);
  });

  it("closes a client idle inside a transaction while others wait, instead of hanging them", async () => {
    const server = await embedded({ idleInTransactionTimeoutMs: 300 });
    const stalled = await client(server.url);
    const other = await client(server.url);
    await stalled.query("BEGIN");
    await stalled.query("SELECT 1");
    const started = Date.now();
    expect((await other.query("SELECT 2 AS two")).rows).toEqual([{ two: 2 }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await expect(stalled.query("SELECT 3")).rejects.toThrow();
  });

  it("refuses connections beyond its limit with Postgres's own error", async () => {
    const server = await embedded({ maxConnections: 2 });
    await client(server.url);
    await client(server.url);
    await expect(client(server.url)).rejects.toThrow(/too many clients/);
  });
});
