-- What Supabase's advisors check, as catalog queries, so every test run enforces it on PGlite and Postgres too (CI
-- also runs the real `supabase db advisors`: scripts/supabase-cli-check.sh). The exceptions are the ones that
-- script allow-lists, for the reasons given there.
BEGIN;
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA extensions;
SET LOCAL search_path = public, extensions;

SELECT plan(3);

-- function_search_path_mutable (vx_webhook_logs must stay inlinable into its caller's query).
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
  WHERE p.pronamespace = 'public'::regnamespace
    AND p.proname <> 'vx_webhook_logs'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) AS c(setting) WHERE c.setting LIKE 'search\_path=%')
$$, 'every function in public has a fixed search_path');

-- rls_enabled_no_policy: intent stays visible, even where it is "only the system".
SELECT is_empty($$
  SELECT c.relname::text FROM pg_class c
  WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relrowsecurity
    AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
$$, 'every table with row level security has a policy');

-- unindexed_foreign_keys: an index whose leading columns are the key's (ivr_sessions' menu key: every IVR step
-- rewrites current_menu_id, and idx_ivr_sessions_current_menu_id serves the key's lookups).
SELECT is_empty($$
  SELECT c.conrelid::regclass::text || ' ' || c.conname FROM pg_constraint c
  WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
    AND c.conname <> 'ivr_sessions_current_menu_id_fkey'
    AND NOT EXISTS (
      SELECT 1 FROM pg_index i
      WHERE i.indrelid = c.conrelid AND i.indpred IS NULL
        AND (SELECT array_agg(k ORDER BY k)
               FROM unnest((string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)]) AS k)
          = (SELECT array_agg(k ORDER BY k) FROM unnest(c.conkey) AS k)
    )
$$, 'every foreign key has an index that covers it');

SELECT * FROM finish();
ROLLBACK;
