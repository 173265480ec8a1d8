// Index-use proofs on Postgres: with about a million rows per table, the hot queries (key verification, the
// due-message claim, logs by webhook, sessions by call id, the idle sweep) are index scans, never sequential
// scans, in both the custom plan (values known) and the generic plan (what PL/pgSQL and SQL functions reuse).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { migrationsDir } from "@vx/db";
import { createPostgresTestDatabase, type TestDatabase, testPostgresUrl } from "@vx/db/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectOverrides } from "../src/api-keys/pg-ratelimit-repository.js";
import * as keySql from "../src/api-keys/queries.js";
import * as ivrSql from "../src/ivr/queries.js";
import { sql as webhookSql } from "../src/webhooks/sql.js";

/** Rows in each big table. 1 M loads in well under the file's budget on a laptop-class machine. */
const ROWS = 1_000_000;
const USERS = 1_000;
const WEBHOOKS = 10_000;
/** Rows of the tables only listed (identities, overrides): half of them one user's, whose lists are long. */
const LIST_ROWS = 200_000;

/** Deterministic ids, so a test can name a row that exists without reading it back. */
const uid = (n: string) => `('00000000-0000-4000-8000-' || lpad(to_hex(${n}), 12, '0'))::uuid`;
const wid = (n: string) => `('10000000-0000-4000-8000-' || lpad(to_hex(${n}), 12, '0'))::uuid`;
const idOf = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

/** `<prefix>-0000-4000-8000-<i in hex>`: ascending ids, so the primary keys fill in order during the load. */
const seqId = (prefix: string) => `('${prefix}-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid`;

/**
 * One statement per table. Triggers and foreign-key checks are off for the load (session_replication_role):
 * the audit trigger would otherwise write a million audit rows, and the parents are generated to match anyway.
 */
const LOAD: Record<string, string> = {
  api_keys: `
    INSERT INTO public.api_keys (id, user_id, name, key_prefix, key_hash, scopes, expires_at)
    SELECT ${seqId("20000000")}, ${uid("i % 1000 + 1")}, 'key ' || i, 'vx_' || lpad(to_hex(i), 7, '0'),
      md5(i::text) || md5((-i)::text), '{*}', CASE WHEN i % 3 = 0 THEN now() + interval '90 days' END
    FROM generate_series(1, ${ROWS}) AS i`,
  webhook_logs: `
    INSERT INTO public.webhook_logs (id, webhook_id, event, status_code, attempt_number, delivered_at, created_at)
    SELECT ${seqId("30000000")}, ${wid(`i % ${WEBHOOKS} + 1`)}, 'call.started', 200, 1 + i % 3,
      now() - make_interval(secs => i), now() - make_interval(secs => i)
    FROM generate_series(1, ${ROWS}) AS i`,
  // A realistic queue: almost everything delivered long ago, 1 % pending or in flight.
  webhook_messages: `
    INSERT INTO public.webhook_messages
      (id, event_id, webhook_id, user_id, event, status, attempts, max_attempts, due_at, delivered_at, created_at)
    SELECT ${seqId("40000000")}, ${seqId("50000000")}, ${wid(`i % ${WEBHOOKS} + 1`)}, ${uid("i % 1000 + 1")},
      'call.started', CASE WHEN i % 100 = 0 THEN 'pending' WHEN i % 100 = 1 THEN 'sending' ELSE 'delivered' END,
      1, 8, now() - make_interval(secs => i % 7200),
      CASE WHEN i % 100 > 1 THEN now() - make_interval(secs => i) END, now() - make_interval(secs => i)
    FROM generate_series(1, ${ROWS}) AS i`,
  // 1 % of calls still live; the rest ended a minute after they started.
  ivr_sessions: `
    INSERT INTO public.ivr_sessions
      (id, session_id, user_id, menu_stack, status, end_reason, start_time, last_activity, ended_at, created_at)
    SELECT ${seqId("60000000")}, 'CA' || md5(i::text), ${uid("i % 1000 + 1")}, '[]',
      CASE WHEN i % 100 = 0 THEN 'active' ELSE 'completed' END, CASE WHEN i % 100 <> 0 THEN 'hangup' END,
      now() - make_interval(secs => i), now() - make_interval(secs => i - 60),
      CASE WHEN i % 100 <> 0 THEN now() - make_interval(secs => i - 60) END, now() - make_interval(secs => i)
    FROM generate_series(1, ${ROWS}) AS i`,
  // One identity per customer and an override per abusive IP: lists of them page on the owner's unique keys.
  // Half the rows are user 1's (a platform with 100,000 customers), the rest spread over the other users.
  api_key_identities: `
    INSERT INTO public.api_key_identities (id, user_id, external_id)
    SELECT ${seqId("70000000")}, ${uid("CASE WHEN i % 2 = 0 THEN 1 ELSE i % 1000 + 1 END")}, 'customer-' || i
    FROM generate_series(1, ${LIST_ROWS}) AS i`,
  ratelimit_overrides: `
    INSERT INTO public.ratelimit_overrides (id, user_id, namespace, identifier, "limit", duration_ms)
    SELECT ${seqId("80000000")}, ${uid("CASE WHEN i % 2 = 0 THEN 1 ELSE i % 1000 + 1 END")}, 'ns-' || (i % 7),
      '10.' || (i >> 16) || '.' || (i >> 8 & 255) || '.' || (i & 255), 5, 1000
    FROM generate_series(1, ${LIST_ROWS}) AS i`,
};

/**
 * Loads one table the fast way: its secondary indexes are dropped, the rows inserted, and the same indexes
 * rebuilt from their own definitions (pg_get_indexdef), so the plans below see exactly the migrations' indexes.
 * A UNIQUE constraint goes and comes back the same way (pg_get_constraintdef), unless a foreign key depends on it:
 * that one stays and is filled as the rows go in.
 */
async function load(url: string, table: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET session_replication_role = replica; SET maintenance_work_mem = '128MB'");
    const { rows } = await client.query<{ drop: string; create: string }>(
      `SELECT CASE WHEN c.oid IS NULL THEN 'DROP INDEX ' || i.indexrelid::regclass::text
                   ELSE format('ALTER TABLE %s DROP CONSTRAINT %I', $1::text, c.conname) END AS drop,
              CASE WHEN c.oid IS NULL THEN pg_get_indexdef(i.indexrelid)
                   ELSE format('ALTER TABLE %s ADD CONSTRAINT %I %s', $1::text, c.conname, pg_get_constraintdef(c.oid)) END
                AS create
         FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
        WHERE i.indrelid = $1::regclass AND NOT i.indisprimary
          AND NOT EXISTS (SELECT FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)`,
      [`public.${table}`],
    );
    for (const index of rows) await client.query(index.drop);
    await client.query(statement);
    // A partitioned table's index prints as ON ONLY (the parent alone): rebuilt on every partition instead.
    for (const index of rows) await client.query(index.create.replace(" ON ONLY ", " ON "));
  } finally {
    await client.end();
  }
}

const PARENTS = `
  INSERT INTO auth.users (id) SELECT ${uid("i")} FROM generate_series(1, ${USERS}) AS i;
  INSERT INTO public.webhooks (id, user_id, url, events, secret)
  SELECT ${wid("i")}, ${uid("i % 1000 + 1")}, 'https://example.com/hooks/' || i, '{call.started}', 'whsec_' || md5(i::text)
  FROM generate_series(1, ${WEBHOOKS}) AS i;
  INSERT INTO public.ivr_menus (user_id, name, prompt)
  SELECT ${uid("i % 1000 + 1")}, 'menu ' || i, 'Press 1' FROM generate_series(1, 10 * ${USERS}) AS i;`;

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

/** The body of the parenthesis that opens at the end of `marker` in `text` (balanced, so nested calls survive). */
function parenthesised(text: string, marker: string): string {
  const start = text.indexOf(marker);
  if (start < 0) throw new Error(`"${marker}" not found: the function changed, update this test with it`);
  let depth = 1;
  for (let i = start + marker.length; i < text.length; i++) {
    if (text[i] === "(") depth++;
    if (text[i] === ")" && --depth === 0) return text.slice(start + marker.length, i);
  }
  throw new Error(`unbalanced parentheses after "${marker}"`);
}

/** The migration's own SQL, so a change to the functions is what this test plans. */
async function functionQueries() {
  const read = (name: string) => readFile(join(migrationsDir(), name), "utf8");
  const verify = await read("015_api_key_limits_credits_identities.sql");
  const delivery = await read("005_create_webhook_delivery.sql");
  const claim = delivery.slice(delivery.indexOf("FUNCTION public.vx_webhook_claim"));
  // The verification's one read of the keys, whatever it selects into (the scan is what matters).
  const lookup = /FROM\s+public\.api_keys\s+(?:AS\s+)?(\w+)\s+WHERE\s+\1\.key_hash\s*=\s*ANY\s*\(p_hashes\)/.exec(
    verify.slice(verify.indexOf("FUNCTION public.vx_api_key_verify_batch")),
  );
  if (!lookup)
    throw new Error("vx_api_key_verify_batch no longer reads api_keys by key_hash = ANY (p_hashes): update this test");
  // The IVR adapters call these functions: plan their bodies, parameters as $n.
  const rpc = await read("010_supabase_rpc.sql");
  const body = (name: string) => {
    const start = rpc.indexOf(`FUNCTION public.${name}(`);
    if (start < 0) throw new Error(`${name} is no longer in migration 010: update this test`);
    const from = rpc.indexOf("$$", start) + 2;
    // PL/pgSQL bodies: the one statement of BEGIN RETURN [QUERY] …; END.
    return rpc
      .slice(from, rpc.indexOf("$$", from))
      .replace(/^\s*BEGIN\s+RETURN\s+(QUERY\s+)?/, "")
      .replace(/;\s*END\s*$/, "");
  };
  return {
    sessionContext: body("vx_ivr_session_context").replaceAll("p_session_id", "$1::text"),
    updateSession: body("vx_ivr_update_session")
      .replaceAll("p_session_id", "$1::text")
      .replaceAll("p_changes", "$2::jsonb")
      .replaceAll("p_expected_version", "$3::integer"),
    closeIdle: body("vx_ivr_close_idle_sessions")
      .replaceAll("p_now", "$1::timestamptz")
      .replaceAll("p_grace_ms", "$2::double precision"),
    verifyKeys: `SELECT ${lookup[1]}.* ${lookup[0].replace("p_hashes", "$1::text[]")}`,
    claimDue: parenthesised(claim, "WITH due AS (")
      .replaceAll("p_now", "$1::timestamptz")
      .replaceAll("p_limit", "$2::integer"),
  };
}

const title = "hot queries use their indexes on 1 M rows";
describe.skipIf(!testPostgresUrl())(
  testPostgresUrl() ? title : `${title} [SKIPPED: needs TEST_DATABASE_URL; PGlite plans are not Postgres plans]`,
  () => {
    let testDb: TestDatabase;
    let client: pg.Client;
    let queries: Awaited<ReturnType<typeof functionQueries>>;
    let prepared = 0;

    beforeAll(async () => {
      testDb = await createPostgresTestDatabase(testPostgresUrl()!);
      await testDb.db.query(`SET session_replication_role = replica; ${PARENTS}`);
      // One connection per table: the loads run side by side.
      await Promise.all(Object.entries(LOAD).map(([table, statement]) => load(testDb.db.url, table, statement)));
      await testDb.db.query(`ANALYZE auth.users, public.webhooks, public.ivr_menus, ${Object.keys(LOAD).join(", ")}`);
      client = new pg.Client({ connectionString: testDb.db.url });
      await client.connect();
      queries = await functionQueries();
    }, 120_000);

    afterAll(async () => {
      await client?.end();
      await testDb?.drop();
    }, 60_000);

    /** The plan's nodes for the statement with these literal values, custom or generic (PREPARE + EXECUTE). */
    async function plan(statement: string, values: unknown[], mode: "custom" | "generic"): Promise<PlanNode[]> {
      const name = `q${++prepared}`;
      await client.query(`SET plan_cache_mode = force_${mode}_plan`);
      await client.query(`PREPARE ${name} AS ${statement}`);
      const args = values.map((v) =>
        v === null ? "NULL" : client.escapeLiteral(Array.isArray(v) ? `{${v}}` : `${v}`),
      );
      const { rows } = await client.query(
        `EXPLAIN (FORMAT JSON) EXECUTE ${name}${args.length ? `(${args.join(", ")})` : ""}`,
      );
      await client.query(`DEALLOCATE ${name}`);
      return flatten((rows[0]["QUERY PLAN"] as { Plan: PlanNode }[])[0]!.Plan);
    }

    /**
     * Both plans read `table` through `index` and never scan it sequentially. For a partitioned table
     * (webhook_logs): through the index's partitions, and never sequentially a partition that holds rows (an
     * empty month's partition costs nothing to scan).
     */
    async function expectIndexUse(statement: string, values: unknown[], table: string, index: string) {
      // pg_partition_tree lists nothing for a table that is not partitioned: the name itself always counts.
      const names = async (sql: string, name: string) =>
        new Set([name, ...(await client.query<{ n: string }>(sql, [name])).rows.map((r) => r.n)]);
      const indexes = await names(
        "SELECT c.relname AS n FROM pg_partition_tree($1::regclass) p JOIN pg_class c ON c.oid = p.relid",
        index,
      );
      const tables = await names(
        `SELECT c.relname AS n FROM pg_partition_tree(('public.' || $1)::regclass) p JOIN pg_class c ON c.oid = p.relid
          WHERE p.level = 0 OR c.reltuples > 0`,
        table,
      );
      for (const mode of ["custom", "generic"] as const) {
        const nodes = await plan(statement, values, mode);
        const summary = nodes.map((n) => `${n["Node Type"]} ${n["Relation Name"] ?? ""} ${n["Index Name"] ?? ""}`);
        expect(
          nodes.some((n) => indexes.has(n["Index Name"] ?? "")),
          `${mode} plan uses ${index}: ${summary.join(" | ")}`,
        ).toBe(true);
        expect(
          nodes.filter((n) => n["Node Type"] === "Seq Scan" && tables.has(n["Relation Name"] ?? "")),
          `${mode} plan never reads ${table} sequentially: ${summary.join(" | ")}`,
        ).toEqual([]);
      }
    }

    /** A page in its index's order: read from where it starts until it is full, not all rows sorted first. */
    async function unsorted(statement: string, values: unknown[]) {
      for (const mode of ["custom", "generic"] as const) {
        const nodes = (await plan(statement, values, mode)).map((n) => n["Node Type"]);
        expect(nodes, `${mode} plan`).not.toContain("Sort");
      }
    }

    it("loaded a million rows into each hot table (200,000 into those only listed)", async () => {
      // Counted, not read from pg_stat_user_tables: ANALYZE's n_live_tup is an estimate from a sample of pages,
      // exact only while every page holds the same number of rows (api_keys' fillfactor of 70 made it 999,995).
      // A partitioned table (webhook_logs) counts the rows of its partitions.
      const counts: Record<string, number> = {};
      for (const table of Object.keys(LOAD)) {
        const { rows } = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.${table}`);
        counts[table] = Number(rows[0]!.n);
      }
      const listed = new Set(["api_key_identities", "ratelimit_overrides"]);
      expect(counts).toEqual(Object.fromEntries(Object.keys(LOAD).map((t) => [t, listed.has(t) ? LIST_ROWS : ROWS])));
    });

    it("verifies a batch of keys through the unique hash index (vx_api_key_verify_batch's lookup)", async () => {
      const hashes = (
        await client.query<{ h: string }>("SELECT md5(i::text) || md5((-i)::text) AS h FROM generate_series(1, 3) i")
      ).rows.map((r) => r.h);
      await expectIndexUse(queries.verifyKeys, [hashes], "api_keys", "idx_api_keys_key_hash");
      await expectIndexUse(keySql.selectKeyByHash, [hashes[0]], "api_keys", "idx_api_keys_key_hash");
    });

    it("claims due webhook messages through the partial due index (vx_webhook_claim's scan)", async () => {
      await expectIndexUse(
        queries.claimDue,
        [new Date().toISOString(), 50],
        "webhook_messages",
        "idx_webhook_messages_due",
      );
    });

    it("reads a webhook's logs newest first through its (webhook_id, created_at) index", async () => {
      const webhook = idOf("10000000", 42);
      const owner = idOf("00000000", (42 % USERS) + 1);
      await expectIndexUse(
        webhookSql.getWebhookLogs,
        [webhook, owner, 50, null, null, null],
        "webhook_logs",
        "idx_webhook_logs_webhook_id",
      );
      await expectIndexUse(
        webhookSql.getWebhookLogs,
        [webhook, null, 1000, null, null, null],
        "webhook_logs",
        "idx_webhook_logs_webhook_id",
      );
    });

    it("finds a call's session by its call id, for reads, steps and writes", async () => {
      const callId = (await client.query<{ id: string }>("SELECT 'CA' || md5('4242') AS id")).rows[0]!.id;
      for (const statement of [ivrSql.selectSession, queries.sessionContext]) {
        await expectIndexUse(statement, [callId], "ivr_sessions", "idx_ivr_sessions_session_id");
      }
      // No changes, then the version read.
      await expectIndexUse(queries.updateSession, [callId, "{}", 3], "ivr_sessions", "idx_ivr_sessions_session_id");
    });

    it("pages an owner's identities and overrides through their unique keys, late pages as early ones", async () => {
      const owner = idOf("00000000", 1); // 100,000 identities and overrides
      await unsorted(keySql.selectIdentitiesByUser, [owner, "customer-199042", 101]);
      await unsorted(selectOverrides, [owner, null, "ns-3", "10.9.1.2", 101]);
      await expectIndexUse(
        keySql.selectIdentitiesByUser,
        [owner, "customer-199042", 101],
        "api_key_identities",
        "api_key_identities_user_id_external_id_key",
      );
      await expectIndexUse(
        keySql.selectIdentityByExternalId,
        [owner, null, 1, "customer-42"],
        "api_key_identities",
        "api_key_identities_user_id_external_id_key",
      );
      for (const namespace of [null, "ns-3"]) {
        await expectIndexUse(
          selectOverrides,
          [owner, namespace, "ns-3", "10.9.1.2", 101],
          "ratelimit_overrides",
          "ratelimit_overrides_user_id_namespace_identifier_key",
        );
      }
    });

    it("pages an owner's keys newest first through (user_id, created_at, id), without sorting them", async () => {
      const owner = idOf("00000000", 7); // 1,000 keys
      const after = { created_at: "2031-06-01T12:00:00.000100Z", id: idOf("20000000", 5006) };
      for (const values of [
        [owner, null, null, null, 51],
        [owner, after.created_at, after.id, null, 51],
      ]) {
        await expectIndexUse(keySql.selectKeysPage, values, "api_keys", "idx_api_keys_user_id_created_at");
        await unsorted(keySql.selectKeysPage, values);
      }
    });

    it("sweeps idle calls through the partial index of live sessions", async () => {
      await expectIndexUse(
        queries.closeIdle,
        [new Date().toISOString(), 30_000],
        "ivr_sessions",
        "idx_ivr_sessions_live_last_activity",
      );
    });
  },
);
