-- Generated from packages/db/migrations/007_audit_logs_and_consents.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- Compliance: the audit log (written by triggers, so every change is recorded in its own transaction whoever
-- made it: our adapters, PostgREST or plain SQL), consent records, and an index for IVR session retention.
--
-- Naming an action more precisely than created/updated/deleted: before the change, in the same transaction,
--   SELECT set_config('vx.audit_action', 'api_key.rotated', true);
-- The name applies only to rows of its own resource type (the part before the dot); e.g. 'api_key.rotated',
-- 'webhook.secret_rotated', 'webhook.auto_disabled'.

CREATE TABLE public.audit_logs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Whose data the entry is about; NULL for entries about no live user (an erasure).
  user_id uuid REFERENCES auth.users (id) ON DELETE CASCADE,
  -- Who made the change: auth.uid() of the request, NULL for system work (service role, jobs, SQL).
  -- No foreign key: an entry must never make the change it records fail.
  actor_id uuid,
  action varchar(100) NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$'),
  resource_type varchar(50) NOT NULL CHECK (length(resource_type) > 0),
  resource_id uuid,
  metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now()
);
-- "A user's entries, newest first" (the list and its cursor) and "older than the retention cutoff".
CREATE INDEX idx_audit_logs_user_id ON public.audit_logs (user_id, created_at DESC, id DESC);
CREATE INDEX idx_audit_logs_created_at ON public.audit_logs (created_at);

ALTER TABLE public.audit_logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view their own audit logs" ON public.audit_logs
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);

-- Users read their trail and nothing else: only the triggers and system work write it.
REVOKE ALL ON public.audit_logs FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.audit_logs TO authenticated;
GRANT ALL ON public.audit_logs TO service_role;

CREATE TABLE public.consents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  purpose varchar(64) NOT NULL CHECK (purpose ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
  granted boolean NOT NULL,
  -- When last granted; kept after a withdrawal.
  granted_at timestamptz,
  -- When withdrawn (or declined without ever granting); cleared by a new grant.
  withdrawn_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT consents_user_id_purpose_key UNIQUE (user_id, purpose),
  CONSTRAINT consents_state CHECK (
    CASE WHEN granted THEN granted_at IS NOT NULL AND withdrawn_at IS NULL ELSE withdrawn_at IS NOT NULL END
  )
);

ALTER TABLE public.consents ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view their own consents" ON public.consents
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can create their own consents" ON public.consents
  FOR INSERT TO authenticated WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can update their own consents" ON public.consents
  FOR UPDATE TO authenticated USING ((SELECT auth.uid()) = user_id) WITH CHECK ((SELECT auth.uid()) = user_id);

-- A consent is withdrawn, never deleted: the record of having asked is the point.
REVOKE ALL ON public.consents FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT ON public.consents TO authenticated;
GRANT UPDATE (granted, granted_at, withdrawn_at, updated_at) ON public.consents TO authenticated;
GRANT ALL ON public.consents TO service_role;

-- Retention deletes sessions that ended before a cutoff; active sessions (ended_at NULL) are never touched.
CREATE INDEX idx_ivr_sessions_ended_at ON public.ivr_sessions (ended_at) WHERE ended_at IS NOT NULL;

-- The audit trigger. Arguments: resource type, then space-separated column lists:
--   TG_ARGV[1] columns copied into metadata (labels such as a name; never secrets or hashes),
--   TG_ARGV[2] columns whose change alone is bookkeeping, not an auditable change (usage counters).
-- SECURITY DEFINER: users may not write audit_logs themselves, and must not be able to skip the entry.
CREATE FUNCTION public.vx_audit_row_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_type text := TG_ARGV[0];
  v_labels text[] := string_to_array(coalesce(TG_ARGV[1], ''), ' ');
  v_ignored text[] := string_to_array(coalesce(TG_ARGV[2], ''), ' ');
  v_new jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
  v_old jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
  v_row jsonb := coalesce(v_new, v_old);
  v_user uuid := (v_row ->> 'user_id')::uuid;
  v_named text := nullif(current_setting('vx.audit_action', true), '');
  v_changed text[];
  v_action text;
  v_metadata jsonb;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') INTO v_changed
      FROM jsonb_each(v_new) AS n JOIN jsonb_each(v_old) AS o USING (key)
     WHERE n.value IS DISTINCT FROM o.value AND NOT n.key = ANY (v_ignored);
    IF cardinality(v_changed) = 0 THEN
      RETURN NULL;
    END IF;
  END IF;

  -- Deleting a user from auth.users cascades to their rows: nobody is left to own an entry, and inserting
  -- one would break the user's deletion.
  IF NOT EXISTS (SELECT 1 FROM auth.users WHERE id = v_user) THEN
    RETURN NULL;
  END IF;

  v_action := v_type || '.' || CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'DELETE' THEN 'deleted' ELSE 'updated' END;
  IF v_type = 'api_key' AND TG_OP = 'UPDATE'
     AND (v_old ->> 'enabled')::boolean AND NOT (v_new ->> 'enabled')::boolean THEN
    v_action := 'api_key.revoked';
  ELSIF v_type = 'consent' AND TG_OP <> 'DELETE'
     AND (TG_OP = 'INSERT' OR 'granted' = ANY (v_changed)) THEN
    v_action := 'consent.' || CASE WHEN (v_new ->> 'granted')::boolean THEN 'granted' ELSE 'withdrawn' END;
  END IF;
  IF v_named IS NOT NULL AND split_part(v_named, '.', 1) = v_type THEN
    v_action := v_named;
  END IF;

  SELECT coalesce(jsonb_object_agg(key, value), '{}') INTO v_metadata
    FROM jsonb_each(v_row) WHERE key = ANY (v_labels);
  IF TG_OP = 'UPDATE' THEN
    v_metadata := v_metadata || jsonb_build_object('changed', to_jsonb(v_changed));
  END IF;

  INSERT INTO public.audit_logs (user_id, actor_id, action, resource_type, resource_id, metadata)
  VALUES (v_user, auth.uid(), v_action, v_type, (v_row ->> 'id')::uuid, v_metadata);
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION public.vx_audit_row_change() FROM PUBLIC, anon, authenticated;

CREATE TRIGGER api_keys_audit AFTER INSERT OR UPDATE OR DELETE ON public.api_keys
  FOR EACH ROW EXECUTE FUNCTION public.vx_audit_row_change('api_key', 'name key_prefix', 'last_used_at usage_count updated_at');
-- No labels for webhooks: a URL may carry a token in its path or query.
CREATE TRIGGER webhooks_audit AFTER INSERT OR UPDATE OR DELETE ON public.webhooks
  FOR EACH ROW EXECUTE FUNCTION public.vx_audit_row_change('webhook', '', 'last_triggered_at last_status last_error updated_at');
CREATE TRIGGER ivr_menus_audit AFTER INSERT OR UPDATE OR DELETE ON public.ivr_menus
  FOR EACH ROW EXECUTE FUNCTION public.vx_audit_row_change('ivr_menu', 'name', 'updated_at');
CREATE TRIGGER agents_audit AFTER INSERT OR UPDATE OR DELETE ON public.agents
  FOR EACH ROW EXECUTE FUNCTION public.vx_audit_row_change('agent', 'name', 'updated_at');
CREATE TRIGGER consents_audit AFTER INSERT OR UPDATE OR DELETE ON public.consents
  FOR EACH ROW EXECUTE FUNCTION public.vx_audit_row_change('consent', 'purpose', 'granted_at withdrawn_at updated_at');

