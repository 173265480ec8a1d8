// The migrated catalog holds every column, index, foreign key and policy the specification lists.
import { describeDatabases } from "@vx/db/testing";
import { expect, it } from "vitest";

const TS = "timestamp with time zone";
const VARCHAR = "character varying";

const columns: Record<string, Record<string, string>> = {
  api_keys: {
    id: "uuid",
    user_id: "uuid",
    name: VARCHAR,
    key_prefix: VARCHAR,
    key_hash: VARCHAR,
    last_used_at: TS,
    expires_at: TS,
    rate_limit: "integer",
    usage_quota: "integer",
    usage_count: "integer",
    enabled: "boolean",
    scopes: "ARRAY",
    created_at: TS,
    updated_at: TS,
  },
  webhooks: {
    id: "uuid",
    user_id: "uuid",
    agent_id: "uuid",
    url: "text",
    events: "ARRAY",
    secret: VARCHAR,
    enabled: "boolean",
    retry_count: "integer",
    last_triggered_at: TS,
    last_status: "integer",
    last_error: "text",
    created_at: TS,
    updated_at: TS,
  },
  webhook_logs: {
    id: "uuid",
    webhook_id: "uuid",
    event: VARCHAR,
    payload: "jsonb",
    status_code: "integer",
    response_body: "text",
    error: "text",
    attempt_number: "integer",
    delivered_at: TS,
    created_at: TS,
  },
  ivr_menus: {
    id: "uuid",
    user_id: "uuid",
    name: VARCHAR,
    prompt: "text",
    items: "jsonb",
    timeout: "integer",
    max_retries: "integer",
    invalid_prompt: "text",
    timeout_prompt: "text",
    parent_menu_id: "uuid",
    created_at: TS,
    updated_at: TS,
  },
  ivr_sessions: {
    id: "uuid",
    session_id: VARCHAR,
    user_id: "uuid",
    current_menu_id: "uuid",
    menu_stack: "jsonb",
    retry_count: "integer",
    start_time: TS,
    last_activity: TS,
    ended_at: TS,
    created_at: TS,
  },
  agents: { id: "uuid", user_id: "uuid", name: VARCHAR, created_at: TS, updated_at: TS },
};

// index name → [table, leading column]
const indexes: Record<string, [string, string]> = {
  idx_api_keys_user_id: ["api_keys", "user_id"],
  idx_api_keys_key_hash: ["api_keys", "key_hash"],
  idx_api_keys_enabled: ["api_keys", "enabled"],
  idx_api_keys_expires_at: ["api_keys", "expires_at"],
  idx_webhooks_user_id: ["webhooks", "user_id"],
  idx_webhooks_agent_id: ["webhooks", "agent_id"],
  idx_webhooks_enabled: ["webhooks", "enabled"],
  idx_webhook_logs_webhook_id: ["webhook_logs", "webhook_id"],
  idx_webhook_logs_event: ["webhook_logs", "event"],
  idx_webhook_logs_created_at: ["webhook_logs", "created_at"],
  idx_ivr_menus_user_id: ["ivr_menus", "user_id"],
  idx_ivr_menus_parent_menu_id: ["ivr_menus", "parent_menu_id"],
  idx_ivr_sessions_session_id: ["ivr_sessions", "session_id"],
  idx_ivr_sessions_user_id: ["ivr_sessions", "user_id"],
  idx_ivr_sessions_current_menu_id: ["ivr_sessions", "current_menu_id"],
  idx_ivr_sessions_last_activity: ["ivr_sessions", "last_activity"],
};

// "table.column" → [referenced "schema.table.column", ON DELETE rule]
const foreignKeys: Record<string, [string, string]> = {
  "api_keys.user_id": ["auth.users.id", "CASCADE"],
  "webhooks.user_id": ["auth.users.id", "CASCADE"],
  "webhooks.agent_id": ["public.agents.id", "CASCADE"],
  "webhook_logs.webhook_id": ["public.webhooks.id", "CASCADE"],
  "ivr_menus.user_id": ["auth.users.id", "CASCADE"],
  "ivr_menus.parent_menu_id": ["public.ivr_menus.id", "RESTRICT"],
  "ivr_sessions.user_id": ["auth.users.id", "CASCADE"],
  "ivr_sessions.current_menu_id": ["public.ivr_menus.id", "SET NULL"],
  "agents.user_id": ["auth.users.id", "CASCADE"],
};

// [table, policy name, command, role]
const policies: [string, string, string, string][] = [
  ...crud("api_keys", "API keys"),
  ...crud("webhooks", "webhooks"),
  ["webhook_logs", "Users can view logs for their webhooks", "SELECT", "authenticated"],
  ...crud("ivr_menus", "IVR menus"),
  ["ivr_sessions", "Users can view their own IVR sessions", "SELECT", "authenticated"],
  ["ivr_sessions", "System can manage IVR sessions", "ALL", "service_role"],
  ...crud("agents", "agents"),
];

function crud(table: string, noun: string): [string, string, string, string][] {
  return [
    [table, `Users can view their own ${noun}`, "SELECT", "authenticated"],
    [table, `Users can create their own ${noun}`, "INSERT", "authenticated"],
    [table, `Users can update their own ${noun}`, "UPDATE", "authenticated"],
    [table, `Users can delete their own ${noun}`, "DELETE", "authenticated"],
  ];
}

describeDatabases("schema catalog", ({ db }) => {
  it.each(Object.keys(columns))("table %s has every specified column with its type", async (table) => {
    const { rows } = await db().query<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
      [table],
    );
    const actual = Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
    expect(actual).toMatchObject(columns[table]!);
  });

  it("has all sixteen named indexes on the right columns, the key hash unique", async () => {
    const { rows } = await db().query<{ name: string; table: string; column: string; unique: boolean }>(
      `SELECT i.relname AS name, t.relname AS table, a.attname AS column, ix.indisunique AS unique
         FROM pg_index ix
         JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ix.indkey[0]`,
    );
    const byName = new Map(rows.map((r) => [r.name, r]));
    for (const [name, [table, column]] of Object.entries(indexes)) {
      expect(byName.get(name), name).toMatchObject({ table, column });
    }
    expect(Object.keys(indexes)).toHaveLength(16);
    expect(byName.get("idx_api_keys_key_hash")?.unique).toBe(true);
  });

  it("has every foreign key with its ON DELETE behaviour", async () => {
    const { rows } = await db().query<{ src: string; target: string; on_delete: string }>(
      `SELECT t.relname || '.' || a.attname AS src,
              rn.nspname || '.' || rt.relname || '.' || ra.attname AS target,
              CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL'
                WHEN 'a' THEN 'NO ACTION' ELSE 'SET DEFAULT' END AS on_delete
         FROM pg_constraint c
         JOIN pg_class t ON t.oid = c.conrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
         JOIN pg_class rt ON rt.oid = c.confrelid
         JOIN pg_namespace rn ON rn.oid = rt.relnamespace
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = c.conkey[1]
         JOIN pg_attribute ra ON ra.attrelid = rt.oid AND ra.attnum = c.confkey[1]
        WHERE c.contype = 'f'`,
    );
    const actual = new Map(rows.map((r) => [r.src, [r.target, r.on_delete]]));
    for (const [src, expected] of Object.entries(foreignKeys)) {
      expect(actual.get(src), src).toEqual(expected);
    }
  });

  it("enables row level security on every table", async () => {
    const { rows } = await db().query<{ relname: string; relrowsecurity: boolean }>(
      `SELECT relname, relrowsecurity FROM pg_class
        WHERE relnamespace = 'public'::regnamespace AND relname = ANY($1)`,
      [Object.keys(columns)],
    );
    expect(rows).toHaveLength(Object.keys(columns).length);
    for (const row of rows) expect(row.relrowsecurity, row.relname).toBe(true);
  });

  it("has one policy per listed operation, for the listed role", async () => {
    const { rows } = await db().query<{ tablename: string; policyname: string; cmd: string; roles: string[] }>(
      "SELECT tablename, policyname, cmd, roles::text[] AS roles FROM pg_policies WHERE schemaname = 'public'",
    );
    for (const [table, name, cmd, role] of policies) {
      const policy = rows.find((r) => r.tablename === table && r.policyname === name);
      expect(policy, `${table}: ${name}`).toMatchObject({ cmd, roles: [role] });
    }
  });

  it("gives Supabase's roles: service_role bypasses RLS, authenticated does not", async () => {
    const { rows } = await db().query<{ rolname: string; rolbypassrls: boolean }>(
      "SELECT rolname, rolbypassrls FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role') ORDER BY 1",
    );
    expect(rows).toEqual([
      { rolname: "anon", rolbypassrls: false },
      { rolname: "authenticated", rolbypassrls: false },
      { rolname: "service_role", rolbypassrls: true },
    ]);
  });
});
