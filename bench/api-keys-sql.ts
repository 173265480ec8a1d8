// The database side of the api-keys benchmark alone, without HTTP or the route: statements per second of the
// ceiling's UPDATE … RETURNING and of one vx_api_key_verify call, on one hot key from 10 pooled connections (the
// servers' pool size). Tells how much of the gap between (b-exact) and (r) is the SQL and how much the route.
import pg from "pg";

const CONNECTIONS = 10;

export const SQL_FIGURES = {
  "r-sql":
    "UPDATE public.api_keys SET usage_count = usage_count + 1, last_used_at = now() WHERE key_hash = $1 RETURNING id, user_id, scopes",
  "b-exact-sql": "SELECT * FROM public.vx_api_key_verify($1, '{}'::text[], 1, '', now())",
} as const;
export type SqlFigure = keyof typeof SQL_FIGURES;

/** Statements per second of `text` with `[keyHash]`, each of CONNECTIONS clients looping for `seconds`. */
export async function sqlRate(url: string, figure: SqlFigure, keyHash: string, seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: CONNECTIONS });
  const run = async (until: (done: number) => boolean) => {
    let done = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (!until(done)) {
          await pool.query(SQL_FIGURES[figure], [keyHash]);
          done++;
        }
      }),
    );
    return done;
  };
  try {
    await run((done) => done >= 20 * CONNECTIONS); // warm-up: connections, plans
    const start = performance.now();
    const end = start + seconds * 1000;
    const done = await run(() => performance.now() >= end);
    return done / ((performance.now() - start) / 1000);
  } finally {
    await pool.end();
  }
}
