-- Generated from packages/db/migrations/010_supabase_rpc.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- SQL functions for the supabase-js adapter (@vx/db/supabase): every operation that is atomic, touches several
-- tables or reads the catalog, callable through PostgREST's /rpc with named arguments. Each one is the same
-- statement the pg adapter runs, so the two adapters cannot drift. SECURITY INVOKER throughout: row level
-- security and grants decide as for any request; the role each is granted to says who may call it.

-- Rotation in one statement (the pg adapter's rotateKey): lock the old key, shorten its life to the grace end
-- (never lengthen it), insert the replacement with its settings and as long a lifetime. Returns both rows;
-- the one whose id is p_key_id is the previous key. No row when the key is not the caller's.
CREATE FUNCTION public.vx_rotate_api_key(
  p_key_id uuid, p_user_id uuid, p_key_prefix text, p_key_hash text, p_now timestamptz, p_retire_at timestamptz
) RETURNS SETOF public.api_keys
LANGUAGE sql VOLATILE SET search_path = '' AS $$
  WITH prev AS (
    SELECT * FROM public.api_keys a
    WHERE a.id = p_key_id AND (p_user_id IS NULL OR a.user_id = p_user_id)
    FOR UPDATE
  ), retired AS (
    UPDATE public.api_keys AS a SET expires_at = least(prev.expires_at, p_retire_at)
    FROM prev WHERE a.id = prev.id
    RETURNING a.*
  ), issued AS (
    INSERT INTO public.api_keys
      (user_id, name, key_prefix, key_hash, expires_at, rate_limit, usage_quota, scopes, created_at, updated_at)
    SELECT prev.user_id, prev.name, p_key_prefix, p_key_hash, p_now + (prev.expires_at - prev.created_at),
      prev.rate_limit, prev.usage_quota, prev.scopes, p_now, p_now
    FROM prev
    RETURNING *
  )
  SELECT * FROM retired
  UNION ALL
  SELECT * FROM issued
$$;

-- One delivery attempt logged and the webhook's last_* columns brought up to date (the pg createWebhookLog).
CREATE FUNCTION public.vx_webhook_create_log(
  p_webhook_id uuid, p_event text, p_payload jsonb, p_status_code integer, p_response_body text, p_error text,
  p_attempt_number integer, p_delivered_at timestamptz, p_created_at timestamptz
) RETURNS SETOF public.webhook_logs
LANGUAGE sql VOLATILE SET search_path = '' AS $$
  WITH log AS (
    INSERT INTO public.webhook_logs
      (webhook_id, event, payload, status_code, response_body, error, attempt_number, delivered_at, created_at)
    VALUES (p_webhook_id, p_event, coalesce(p_payload, '{}'), p_status_code, p_response_body, p_error,
      coalesce(p_attempt_number, 1), p_delivered_at, coalesce(p_created_at, now()))
    RETURNING *
  ), touched AS (
    UPDATE public.webhooks w
    SET last_triggered_at = log.created_at, last_status = log.status_code,
      last_error = CASE WHEN log.delivered_at IS NULL THEN log.error END
    FROM log WHERE w.id = log.webhook_id
  )
  SELECT * FROM log
$$;

-- Retention of finished events (the pg purgeEvents): bounded, SKIP LOCKED, never waits on live deliveries.
CREATE FUNCTION public.vx_webhook_purge_events(p_before timestamptz, p_limit integer) RETURNS integer
LANGUAGE sql VOLATILE SET search_path = '' AS $$
  WITH doomed AS (
    SELECT e.id FROM public.webhook_events e
    WHERE e.created_at < p_before
      AND NOT EXISTS (
        SELECT 1 FROM public.webhook_messages m WHERE m.event_id = e.id AND m.status IN ('pending', 'sending')
      )
    ORDER BY e.created_at
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  ), gone AS (
    DELETE FROM public.webhook_events e USING doomed WHERE e.id = doomed.id RETURNING 1
  )
  SELECT count(*)::integer FROM gone
$$;

-- The logged attempts of one message, in attempt order (the pg getMessageAttempts): each attempt's log row has
-- the id vx_webhook_attempt_id(message, attempt). PL/pgSQL, so creating it does not depend on that function.
CREATE FUNCTION public.vx_webhook_message_attempts(p_message_id uuid, p_user_id uuid)
RETURNS SETOF public.webhook_logs
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
BEGIN
  RETURN QUERY
  SELECT l.* FROM public.webhook_messages m
  CROSS JOIN LATERAL generate_series(1, m.attempts) AS n (attempt)
  JOIN public.webhook_logs l ON l.id = public.vx_webhook_attempt_id(m.id, n.attempt)
  WHERE m.id = p_message_id AND (p_user_id IS NULL OR m.user_id = p_user_id)
  ORDER BY l.attempt_number;
END
$$;

-- The IVR functions below are PL/pgSQL, not LANGUAGE sql, for speed: before Postgres 18 a non-inlined SQL
-- function plans its body on every call, while PL/pgSQL keeps the plan for the session (the pg pool's
-- connections), so a call costs less than the same statement sent inline (about 2x for the step's read).

-- A menu first, then the same user's menus its submenu items name (one round trip to start a session).
CREATE FUNCTION public.vx_ivr_menu_with_submenus(p_menu_id uuid) RETURNS SETOF public.ivr_menus
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
BEGIN
  RETURN QUERY
  WITH entry AS (SELECT id, user_id, items FROM public.ivr_menus WHERE id = p_menu_id)
  SELECT m.* FROM public.ivr_menus m, entry
   WHERE m.id = entry.id
      OR (m.user_id = entry.user_id
          AND m.id::text IN (SELECT i ->> 'target' FROM jsonb_array_elements(entry.items) i WHERE i ->> 'action' = 'submenu'))
   ORDER BY m.id <> entry.id;
END
$$;

-- A step's one read: {"session": …, "menus": [the stack's menus and the current menu's submenus]}, or NULL.
CREATE FUNCTION public.vx_ivr_session_context(p_session_id text) RETURNS json
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
BEGIN
  RETURN (
  SELECT json_build_object('session', to_json(s), 'menus',
    (SELECT coalesce(json_agg(m), '[]'::json)
       FROM public.ivr_menus m
      WHERE m.user_id = s.user_id
        AND (s.menu_stack ? m.id::text
             OR m.id::text IN (SELECT i ->> 'target'
                                 FROM public.ivr_menus c, jsonb_array_elements(c.items) i
                                WHERE c.id = s.current_menu_id AND i ->> 'action' = 'submenu'))))
  FROM public.ivr_sessions s
  WHERE s.session_id = p_session_id
  );
END
$$;

-- A step's one write (the pg updateSession): only the keys present in p_changes are set, version is bumped,
-- and with p_expected_version it is a compare-and-set. A current menu deleted since the read becomes NULL.
CREATE FUNCTION public.vx_ivr_update_session(p_session_id text, p_changes jsonb, p_expected_version integer)
RETURNS SETOF public.ivr_sessions
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
BEGIN
  RETURN QUERY
  UPDATE public.ivr_sessions AS s SET
    current_menu_id = CASE WHEN p_changes ? 'current_menu_id' THEN
      (SELECT m.id FROM public.ivr_menus m
        WHERE m.id = (p_changes ->> 'current_menu_id')::uuid AND m.user_id = s.user_id)
      ELSE s.current_menu_id END,
    menu_stack = CASE WHEN p_changes ? 'menu_stack' THEN p_changes -> 'menu_stack' ELSE s.menu_stack END,
    retry_count = CASE WHEN p_changes ? 'retry_count' THEN (p_changes ->> 'retry_count')::integer ELSE s.retry_count END,
    status = CASE WHEN p_changes ? 'status' THEN p_changes ->> 'status' ELSE s.status END,
    end_reason = CASE WHEN p_changes ? 'end_reason' THEN p_changes ->> 'end_reason' ELSE s.end_reason END,
    state = CASE WHEN p_changes ? 'state' THEN p_changes -> 'state' ELSE s.state END,
    last_activity = CASE WHEN p_changes ? 'last_activity'
      THEN (p_changes ->> 'last_activity')::timestamptz ELSE s.last_activity END,
    ended_at = CASE WHEN p_changes ? 'ended_at' THEN (p_changes ->> 'ended_at')::timestamptz ELSE s.ended_at END,
    version = s.version + 1
  WHERE s.session_id = p_session_id AND (p_expected_version IS NULL OR s.version = p_expected_version)
  RETURNING s.*;
END
$$;

-- Ends live sessions silent past their current menu's timeout plus the grace (the pg closeIdleIVRSessions).
CREATE FUNCTION public.vx_ivr_close_idle_sessions(p_now timestamptz, p_grace_ms double precision)
RETURNS SETOF public.ivr_sessions
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
BEGIN
  RETURN QUERY
  UPDATE public.ivr_sessions AS s
     SET status = 'timeout', end_reason = 'idle', ended_at = p_now, version = s.version + 1
    FROM (SELECT i.id
            FROM public.ivr_sessions i
            LEFT JOIN public.ivr_menus m ON m.id = i.current_menu_id
           WHERE i.ended_at IS NULL
             AND i.last_activity < p_now - make_interval(secs => p_grace_ms / 1000)
             AND i.last_activity < p_now - make_interval(secs => (coalesce(m.timeout, 0) + p_grace_ms) / 1000)
           FOR UPDATE OF i SKIP LOCKED) idle
   WHERE s.id = idle.id
  RETURNING s.*;
END
$$;

-- A page of the user's audit trail, newest first, strictly after the position (p_after_*: NULL for the first
-- page). created_at as exact UTC text with microseconds: the form cursors carry. A first page is "after"
-- (infinity, the largest uuid), so the one row comparison is always an index condition: a function's plan is
-- generic, and an "IS NULL OR" would leave it a filter that reads every newer entry of the user.
CREATE FUNCTION public.vx_audit_page(p_user_id uuid, p_limit integer, p_after_created_at timestamptz, p_after_id uuid)
RETURNS TABLE (
  id uuid, user_id uuid, actor_id uuid, action text, resource_type text, resource_id uuid, metadata jsonb,
  created_at text
)
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT a.id, a.user_id, a.actor_id, a.action::text, a.resource_type::text, a.resource_id, a.metadata,
         to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    FROM public.audit_logs a
   WHERE a.user_id = p_user_id
     AND (a.created_at, a.id) < (coalesce(p_after_created_at, 'infinity'),
                                 coalesce(p_after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
   ORDER BY a.created_at DESC, a.id DESC
   LIMIT p_limit
$$;

-- One bounded retention batch of a target (the pg PgRetentionRepository): at most p_limit expired rows, oldest
-- first, skipping rows other transactions hold. Returns how many were deleted.
CREATE FUNCTION public.vx_delete_expired_batch(p_target text, p_cutoff timestamptz, p_limit integer) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
  v_column text := CASE p_target
    WHEN 'audit_logs' THEN 'created_at' WHEN 'webhook_logs' THEN 'created_at' WHEN 'ivr_sessions' THEN 'ended_at' END;
  v_count integer;
BEGIN
  IF v_column IS NULL THEN
    RAISE EXCEPTION 'unknown retention target: %', p_target USING ERRCODE = '22023';
  END IF;
  EXECUTE format(
    'DELETE FROM public.%1$I WHERE id IN (SELECT id FROM public.%1$I WHERE %2$I < $1 ORDER BY %2$I LIMIT $2 FOR UPDATE SKIP LOCKED)',
    p_target, v_column) USING p_cutoff, p_limit;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END
$$;

-- Consent changes in one statement (the pg upsertConsents): a grant sets granted_at and clears withdrawn_at; a
-- withdrawal sets withdrawn_at and keeps granted_at; a purpose already in the asked state is left alone.
-- Returns how many records changed.
CREATE FUNCTION public.vx_apply_consents(p_user_id uuid, p_purposes text[], p_granted boolean[], p_at timestamptz)
RETURNS integer
LANGUAGE sql VOLATILE SET search_path = '' AS $$
  WITH changed AS (
    INSERT INTO public.consents AS c (user_id, purpose, granted, granted_at, withdrawn_at, updated_at)
    SELECT p_user_id, p.purpose, p.granted,
           CASE WHEN p.granted THEN p_at END,
           CASE WHEN NOT p.granted THEN p_at END,
           p_at
      FROM unnest(p_purposes, p_granted) AS p (purpose, granted)
    ON CONFLICT (user_id, purpose) DO UPDATE SET
      granted = excluded.granted,
      granted_at = CASE WHEN excluded.granted THEN excluded.updated_at ELSE c.granted_at END,
      withdrawn_at = CASE WHEN excluded.granted THEN NULL ELSE excluded.updated_at END,
      updated_at = excluded.updated_at
    WHERE c.granted IS DISTINCT FROM excluded.granted
    RETURNING 1
  )
  SELECT count(*)::integer FROM changed
$$;

-- The tables holding a user's rows, found in the catalog as the pg adapter's discoverUserTables does: tables
-- with a user_id, and tables that belong to one through single-column foreign keys (webhook_logs → webhooks),
-- transitively; in deletion order (a table before every table it references; ties by name). owner_condition
-- selects the user's rows of alias t, with $1 the user id.
CREATE FUNCTION public.vx_user_tables()
RETURNS TABLE (table_name text, owner_condition text, sensitive text[], readable boolean, has_created_at boolean)
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
DECLARE
  v_via jsonb;
  v_keys jsonb;
  v_key record;
  v_grew boolean := true;
  v_remaining text[];
  v_free text[];
  v_name text;
  v_table text;
  v_alias text;
  v_depth integer;
  v_open text;
  v_close text;
BEGIN
  SELECT coalesce(jsonb_object_agg(c.relname, 'null'::jsonb), '{}') INTO v_via
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p');

  SELECT coalesce(jsonb_agg(jsonb_build_object('child', child.relname, 'col', ca.attname, 'parent', parent.relname,
           'parent_col', pa.attname, 'single', cardinality(k.conkey) = 1)
           ORDER BY child.relname COLLATE "C", ca.attname COLLATE "C"), '[]')
    INTO v_keys
    FROM pg_catalog.pg_constraint k
    JOIN pg_catalog.pg_class child ON child.oid = k.conrelid AND child.relnamespace = 'public'::regnamespace
    JOIN pg_catalog.pg_class parent ON parent.oid = k.confrelid AND parent.relnamespace = 'public'::regnamespace
    JOIN pg_catalog.pg_attribute ca ON ca.attrelid = child.oid AND ca.attnum = k.conkey[1]
    JOIN pg_catalog.pg_attribute pa ON pa.attrelid = parent.oid AND pa.attnum = k.confkey[1]
   WHERE k.contype = 'f';

  -- Rows without a user_id belong to the user when their parent row does; repeat for chains.
  WHILE v_grew LOOP
    v_grew := false;
    FOR v_key IN SELECT value FROM jsonb_array_elements(v_keys) LOOP
      IF (v_key.value ->> 'single')::boolean AND NOT v_via ? (v_key.value ->> 'child')
         AND v_via ? (v_key.value ->> 'parent') THEN
        v_via := v_via || jsonb_build_object(v_key.value ->> 'child', v_key.value);
        v_grew := true;
      END IF;
    END LOOP;
  END LOOP;

  -- Kahn's order: each round takes the tables no remaining table references, by name.
  SELECT array_agg(k ORDER BY k COLLATE "C") INTO v_remaining FROM jsonb_object_keys(v_via) AS k;
  WHILE cardinality(v_remaining) > 0 LOOP
    SELECT array_agg(r ORDER BY r COLLATE "C") INTO v_free FROM unnest(v_remaining) AS r
     WHERE NOT EXISTS (
       SELECT 1 FROM jsonb_array_elements(v_keys) f
        WHERE f.value ->> 'parent' = r AND f.value ->> 'child' <> f.value ->> 'parent'
          AND f.value ->> 'child' = ANY (v_remaining));
    IF v_free IS NULL THEN
      v_free := v_remaining[1:1];
    END IF;
    FOREACH v_name IN ARRAY v_free LOOP
      -- The owner condition: alias t, up the foreign-key chain to the table with the user_id.
      v_table := v_name;
      v_alias := 't';
      v_depth := 1;
      v_open := '';
      v_close := '';
      WHILE jsonb_typeof(v_via -> v_table) = 'object' LOOP
        v_open := v_open || format('%s.%I IN (SELECT %s.%I FROM public.%I %s WHERE ',
          v_alias, v_via -> v_table ->> 'col', 'p' || v_depth, v_via -> v_table ->> 'parent_col',
          v_via -> v_table ->> 'parent', 'p' || v_depth);
        v_close := v_close || ')';
        v_alias := 'p' || v_depth;
        v_table := v_via -> v_table ->> 'parent';
        v_depth := v_depth + 1;
      END LOOP;
      table_name := v_name;
      owner_condition := v_open || v_alias || '.user_id = $1' || v_close;
      SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (
               WHERE a.attname ~ '(secret|password|token|(^|_)hash$)'), '{}'),
             bool_or(a.attname = 'created_at'),
             has_table_privilege('authenticated', c.oid, 'SELECT')
        INTO sensitive, has_created_at, readable
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       WHERE c.relnamespace = 'public'::regnamespace AND c.relname = v_name
       GROUP BY c.oid;
      RETURN NEXT;
    END LOOP;
    v_remaining := ARRAY(SELECT r FROM unnest(v_remaining) AS r WHERE NOT r = ANY (v_free) ORDER BY r COLLATE "C");
  END LOOP;
END
$$;

-- GDPR export of the caller: every row the caller may read in every user table, secrets and hashes left out,
-- as {table: rows[]}. One statement, so one snapshot; row level security guarantees only the caller's own rows
-- can come back. p_user_id must be the caller (auth.uid()): a mismatched token is refused, not answered.
CREATE FUNCTION public.vx_export_user_data(p_user_id uuid) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
  v_user uuid := auth.uid();
  v_parts text[] := '{}';
  v_pairs text[] := '{}';
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
      v_pairs := '{}';
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

-- GDPR erasure (system work): every row stored about the user, in this one transaction, with an audit entry
-- that names nobody. The trail goes first so its count is the user's entries; the audit triggers then write
-- entries for the rows erased next, which the second delete of the trail removes again. Returns rows deleted
-- per table.
CREATE FUNCTION public.vx_erase_user_data(p_user_id uuid, p_subject_sha256 text, p_at timestamptz) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
  v_deleted jsonb;
  v_table record;
  v_count integer;
BEGIN
  DELETE FROM public.audit_logs WHERE user_id = p_user_id;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  v_deleted := jsonb_build_object('audit_logs', v_count);
  FOR v_table IN SELECT * FROM public.vx_user_tables() WHERE table_name <> 'audit_logs' LOOP
    EXECUTE format('DELETE FROM public.%I t WHERE %s', v_table.table_name, v_table.owner_condition) USING p_user_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    v_deleted := v_deleted || jsonb_build_object(v_table.table_name, v_count);
  END LOOP;
  DELETE FROM public.audit_logs WHERE user_id = p_user_id;
  INSERT INTO public.audit_logs (user_id, actor_id, action, resource_type, resource_id, metadata, created_at)
  VALUES (NULL, NULL, 'user_data.erased', 'user', NULL,
    jsonb_build_object('subject_sha256', p_subject_sha256, 'deleted', v_deleted), p_at);
  RETURN v_deleted;
END
$$;

-- Supabase grants EXECUTE on new functions to anon and authenticated by default: revoke, then grant by need.
REVOKE ALL ON FUNCTION
  public.vx_rotate_api_key(uuid, uuid, text, text, timestamptz, timestamptz),
  public.vx_webhook_create_log(uuid, text, jsonb, integer, text, text, integer, timestamptz, timestamptz),
  public.vx_webhook_purge_events(timestamptz, integer),
  public.vx_webhook_message_attempts(uuid, uuid),
  public.vx_ivr_menu_with_submenus(uuid),
  public.vx_ivr_session_context(text),
  public.vx_ivr_update_session(text, jsonb, integer),
  public.vx_ivr_close_idle_sessions(timestamptz, double precision),
  public.vx_audit_page(uuid, integer, timestamptz, uuid),
  public.vx_apply_consents(uuid, text[], boolean[], timestamptz),
  public.vx_delete_expired_batch(text, timestamptz, integer),
  public.vx_user_tables(),
  public.vx_export_user_data(uuid),
  public.vx_erase_user_data(uuid, text, timestamptz)
  FROM PUBLIC, anon, authenticated;
-- Users act on their own rows through these (RLS decides what they reach) …
GRANT EXECUTE ON FUNCTION
  public.vx_rotate_api_key(uuid, uuid, text, text, timestamptz, timestamptz),
  public.vx_webhook_message_attempts(uuid, uuid),
  public.vx_ivr_menu_with_submenus(uuid),
  public.vx_ivr_session_context(text),
  public.vx_audit_page(uuid, integer, timestamptz, uuid),
  public.vx_apply_consents(uuid, text[], boolean[], timestamptz),
  public.vx_user_tables(),
  public.vx_export_user_data(uuid)
  TO authenticated, service_role;
-- … and the rest is the system's work (delivery logs, sessions, retention, erasure).
GRANT EXECUTE ON FUNCTION
  public.vx_webhook_create_log(uuid, text, jsonb, integer, text, text, integer, timestamptz, timestamptz),
  public.vx_webhook_purge_events(timestamptz, integer),
  public.vx_ivr_update_session(text, jsonb, integer),
  public.vx_ivr_close_idle_sessions(timestamptz, double precision),
  public.vx_delete_expired_batch(text, timestamptz, integer),
  public.vx_erase_user_data(uuid, text, timestamptz)
  TO service_role;

