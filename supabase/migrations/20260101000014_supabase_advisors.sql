-- Generated from packages/db/migrations/014_supabase_advisors.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- What Supabase's own checks (`supabase db advisors`, `supabase db lint`) asked for, so a project that pushes these
-- migrations starts with a clean Advisors page. scripts/supabase-cli-check.sh runs both in CI and lists the few
-- findings left on purpose, each with its reason.
--
-- A fixed search_path on the functions created before migrations had one (advisor function_search_path_mutable):
-- a caller's search_path can no longer redirect their names. All of them are PL/pgSQL or multi-statement SQL, so a
-- SET changes no plan; vx_webhook_logs keeps none on purpose, because a SET would stop Postgres inlining it into the
-- calling query, and the logs page reads the (webhook_id, created_at) index only when inlined (explain.test.ts).
--
-- Indexes that cover the composite foreign keys of the configuration tables (advisor unindexed_foreign_keys): a
-- webhook's agent and a submenu's parent are (id, user_id) pairs, so that a row can reference only its owner's
-- parent. The specification's single-column indexes stay; these serve the cascades on the whole key. ivr_sessions'
-- (current_menu_id, user_id) gets none: every IVR step rewrites current_menu_id, and idx_ivr_sessions_current_menu_id
-- already finds a menu's sessions for ON DELETE SET NULL.
--
-- Explicit service-only policies on the two bookkeeping tables that had RLS on and no policy (advisor
-- rls_enabled_no_policy): the behaviour is unchanged (users still read nothing there), the intent is now visible.
--
-- vx_export_user_data's array variables start as typed empty arrays (plpgsql_check: text assigned to text[]).

ALTER FUNCTION public.vx_set_updated_at() SET search_path = public, pg_temp;
ALTER FUNCTION public.vx_lock_api_key_hashes(text[]) SET search_path = public, pg_temp;
ALTER FUNCTION public.vx_verify_api_keys(text[], text[], integer[], timestamptz) SET search_path = public, pg_temp;
ALTER FUNCTION public.vx_verify_api_key(text, text[], integer, timestamptz) SET search_path = public, pg_temp;
ALTER FUNCTION public.vx_record_api_key_usage(uuid, integer, timestamptz) SET search_path = public, pg_temp;

CREATE INDEX idx_webhooks_agent_id_user_id ON public.webhooks (agent_id, user_id);
CREATE INDEX idx_ivr_menus_parent_menu_id_user_id ON public.ivr_menus (parent_menu_id, user_id);

CREATE POLICY "System can manage previous webhook secrets" ON public.webhook_previous_secrets
  FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "System can manage webhook failure streaks" ON public.webhook_failure_streaks
  FOR ALL TO service_role USING (true) WITH CHECK (true);

CREATE OR REPLACE FUNCTION public.vx_export_user_data(p_user_id uuid) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
  v_user uuid := auth.uid();
  v_parts text[] := ARRAY[]::text[];
  v_pairs text[] := ARRAY[]::text[];
  v_table record;
  v_result jsonb;
BEGIN
  IF v_user IS NULL OR v_user IS DISTINCT FROM p_user_id THEN
    RAISE EXCEPTION 'vx_export_user_data: the request''s JWT is not this user''s' USING ERRCODE = '42501';
  END IF;
  FOR v_table IN SELECT * FROM public.vx_user_tables() WHERE readable ORDER BY table_name COLLATE "C" LOOP
    -- jsonb_build_object takes at most 100 arguments: 40 tables per call, concatenated.
    IF cardinality(v_pairs) = 40 THEN
      v_parts := v_parts || format('jsonb_build_object(%s)', array_to_string(v_pairs, ', '));
      v_pairs := ARRAY[]::text[];
    END IF;
    v_pairs := v_pairs || format('%L, (SELECT coalesce(jsonb_agg(%s%s), ''[]''::jsonb) FROM public.%I t WHERE %s)',
      v_table.table_name,
      CASE WHEN cardinality(v_table.sensitive) > 0 THEN format('to_jsonb(t) - %L::text[]', v_table.sensitive)
           ELSE 'to_jsonb(t)' END,
      CASE WHEN v_table.has_created_at THEN ' ORDER BY t.created_at' ELSE '' END,
      v_table.table_name, v_table.owner_condition);
  END LOOP;
  IF cardinality(v_pairs) > 0 THEN
    v_parts := v_parts || format('jsonb_build_object(%s)', array_to_string(v_pairs, ', '));
  END IF;
  IF cardinality(v_parts) = 0 THEN
    RETURN '{}'::jsonb;
  END IF;
  EXECUTE 'SELECT ' || array_to_string(v_parts, ' || ') INTO v_result USING v_user;
  RETURN v_result;
END
$$;

