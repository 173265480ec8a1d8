import { startEmbeddedPostgres } from "/work/main/packages/db/src/embedded.ts";
import pg from "pg";
const e = await startEmbeddedPostgres({});
const pool = new pg.Pool({ connectionString: e.url, max: 8 });
await pool.query("create table t(id serial primary key, v text)");
let ok = 0, bad = 0; const errs = new Map();
const deadline = Date.now() + 3000;
await Promise.all(Array.from({ length: 8 }, async (_, i) => {
  while (Date.now() < deadline) {
    try {
      if (i % 2) await pool.query("insert into t(v) values ($1)", ["x" + i]);
      else { const c = await pool.connect(); try { await c.query("begin"); await c.query("insert into t(v) values ($1)", ["y"]); await c.query("select * from t where id = $1", [1]); await c.query("commit"); } finally { c.release(); } }
      ok++;
    } catch (err) { bad++; errs.set(err.message, (errs.get(err.message) ?? 0) + 1); }
  }
}));
console.log({ ok, bad, errs });
await pool.end(); await e.stop();
