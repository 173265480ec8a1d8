-- The standalone rate limiter's state rows can be pruned. Migration 015 keeps one row per (owner, namespace,
-- identifier) ever limited, so a limiter keyed by IP address or phone number grows its table without bound. A row
-- whose window has fully passed restricts nothing: GCRA treats a theoretical arrival time (TAT) in the past exactly
-- as no state at all, so deleting it changes no decision. vx_ratelimit_prune deletes such rows in bounded batches;
-- the API's hourly retention pass runs it (`vx cleanup` by hand).
--
-- vx_ratelimit_batch is re-created so a row pruned while a batch runs cannot lose that batch's counts: it used to
-- insert missing rows (ON CONFLICT DO NOTHING) and lock them in a second statement, so a row deleted between the two
-- was neither locked nor written back. Now one INSERT … ON CONFLICT DO UPDATE … WHERE false creates the missing rows
-- and locks the existing ones (Postgres locks a conflicting row before it evaluates the WHERE), and a row being
-- deleted is waited for and then created again. The rules, the key order of the locks and the results are the same.

-- Up Migration
CREATE FUNCTION public.vx_ratelimit_prune(p_idle_before timestamptz, p_limit integer) RETURNS integer
LANGUAGE sql VOLATILE SET search_path = '' AS $$
  -- state is [TAT × limit, limit] (vx_gcra): idle once TAT ≤ p_idle_before. A row never counted has no state.
  WITH idle AS (
    SELECT s.user_id, s.namespace, s.identifier FROM public.ratelimit_states AS s
    WHERE s.state IS NULL
       OR (s.state ->> 0)::numeric <= floor(extract(epoch FROM p_idle_before) * 1000) * (s.state ->> 1)::numeric
    LIMIT greatest(p_limit, 0)
    FOR UPDATE SKIP LOCKED
  ), pruned AS (
    DELETE FROM public.ratelimit_states AS s USING idle
    WHERE (s.user_id, s.namespace, s.identifier) = (idle.user_id, idle.namespace, idle.identifier)
    RETURNING 1
  )
  SELECT count(*)::integer FROM pruned
$$;
REVOKE ALL ON FUNCTION public.vx_ratelimit_prune(timestamptz, integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.vx_ratelimit_prune(timestamptz, integer) TO service_role;

CREATE OR REPLACE FUNCTION public.vx_ratelimit_batch(
  p_user_ids uuid[], p_namespaces text[], p_identifiers text[], p_limits integer[], p_durations bigint[],
  p_costs integer[], p_now timestamptz
)
RETURNS TABLE (ord integer, success boolean, "limit" integer, duration_ms bigint, remaining integer, reset bigint,
  retry_at bigint, overridden boolean)
LANGUAGE plpgsql VOLATILE SET search_path = ''
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $$
#variable_conflict use_column
DECLARE
  v_now_ms numeric := floor(extract(epoch FROM p_now) * 1000);
  v_keys text[];
  v_uids uuid[];
  v_nss text[];
  v_idents text[];
  v_states jsonb[];
  v_key text;
  v_limit integer;
  v_duration bigint;
  v_override record;
  g record;
  j integer;
BEGIN
  -- Creates each missing row and locks every row, in key order, in one statement: ON CONFLICT DO UPDATE locks the
  -- existing row before its WHERE (false: nothing is written). A row pruned meanwhile is waited for, then created.
  INSERT INTO public.ratelimit_states AS s (user_id, namespace, identifier)
    SELECT DISTINCT r.u, r.n, r.i FROM unnest(p_user_ids, p_namespaces, p_identifiers) AS r(u, n, i)
    ORDER BY 1, 2, 3
    ON CONFLICT (user_id, namespace, identifier) DO UPDATE SET state = s.state WHERE false;
  SELECT coalesce(array_agg(s.user_id::text || ' ' || s.namespace || ' ' || s.identifier), '{}'),
         coalesce(array_agg(s.user_id), '{}'), coalesce(array_agg(s.namespace), '{}'),
         coalesce(array_agg(s.identifier), '{}'), coalesce(array_agg(s.state), '{}')
    INTO v_keys, v_uids, v_nss, v_idents, v_states
    FROM public.ratelimit_states AS s
    WHERE (s.user_id, s.namespace, s.identifier) IN
      (SELECT r.u, r.n, r.i FROM unnest(p_user_ids, p_namespaces, p_identifiers) AS r(u, n, i));

  FOR i IN 1 .. cardinality(p_user_ids) LOOP
    v_key := p_user_ids[i]::text || ' ' || p_namespaces[i] || ' ' || p_identifiers[i];
    j := array_position(v_keys, v_key);
    SELECT o."limit", o.duration_ms INTO v_override FROM public.ratelimit_overrides AS o
      WHERE o.user_id = p_user_ids[i] AND o.namespace = p_namespaces[i] AND o.identifier = p_identifiers[i];
    v_limit := coalesce(v_override."limit", p_limits[i]);
    v_duration := coalesce(v_override.duration_ms, p_durations[i]);
    g := public.vx_gcra(v_states[j], v_limit, v_duration, p_costs[i], v_now_ms);
    IF g.allowed THEN
      v_states[j] := g.state;
    END IF;
    ord := i;
    success := g.allowed;
    "limit" := v_limit;
    duration_ms := v_duration;
    remaining := g.remaining;
    reset := g.reset_ms;
    retry_at := g.retry_ms;
    overridden := v_override."limit" IS NOT NULL;
    RETURN NEXT;
  END LOOP;

  UPDATE public.ratelimit_states AS s SET state = r.state
    FROM unnest(v_uids, v_nss, v_idents, v_states) AS r(u, n, i, state)
    WHERE s.user_id = r.u AND s.namespace = r.n AND s.identifier = r.i AND s.state IS DISTINCT FROM r.state;
END
$$;

-- Down Migration
DROP FUNCTION public.vx_ratelimit_prune(timestamptz, integer);
CREATE OR REPLACE FUNCTION public.vx_ratelimit_batch(
  p_user_ids uuid[], p_namespaces text[], p_identifiers text[], p_limits integer[], p_durations bigint[],
  p_costs integer[], p_now timestamptz
)
RETURNS TABLE (ord integer, success boolean, "limit" integer, duration_ms bigint, remaining integer, reset bigint,
  retry_at bigint, overridden boolean)
LANGUAGE plpgsql VOLATILE SET search_path = ''
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $$
#variable_conflict use_column
DECLARE
  v_now_ms numeric := floor(extract(epoch FROM p_now) * 1000);
  v_keys text[];
  v_uids uuid[];
  v_nss text[];
  v_idents text[];
  v_states jsonb[];
  v_key text;
  v_limit integer;
  v_duration bigint;
  v_override record;
  g record;
  j integer;
BEGIN
  INSERT INTO public.ratelimit_states AS s (user_id, namespace, identifier)
    SELECT DISTINCT r.u, r.n, r.i FROM unnest(p_user_ids, p_namespaces, p_identifiers) AS r(u, n, i)
    ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING;
  PERFORM FROM public.ratelimit_states AS s
    WHERE (s.user_id, s.namespace, s.identifier) IN
      (SELECT r.u, r.n, r.i FROM unnest(p_user_ids, p_namespaces, p_identifiers) AS r(u, n, i))
    ORDER BY s.user_id, s.namespace, s.identifier FOR NO KEY UPDATE;
  SELECT coalesce(array_agg(s.user_id::text || ' ' || s.namespace || ' ' || s.identifier), '{}'),
         coalesce(array_agg(s.user_id), '{}'), coalesce(array_agg(s.namespace), '{}'),
         coalesce(array_agg(s.identifier), '{}'), coalesce(array_agg(s.state), '{}')
    INTO v_keys, v_uids, v_nss, v_idents, v_states
    FROM public.ratelimit_states AS s
    WHERE (s.user_id, s.namespace, s.identifier) IN
      (SELECT r.u, r.n, r.i FROM unnest(p_user_ids, p_namespaces, p_identifiers) AS r(u, n, i));

  FOR i IN 1 .. cardinality(p_user_ids) LOOP
    v_key := p_user_ids[i]::text || ' ' || p_namespaces[i] || ' ' || p_identifiers[i];
    j := array_position(v_keys, v_key);
    SELECT o."limit", o.duration_ms INTO v_override FROM public.ratelimit_overrides AS o
      WHERE o.user_id = p_user_ids[i] AND o.namespace = p_namespaces[i] AND o.identifier = p_identifiers[i];
    v_limit := coalesce(v_override."limit", p_limits[i]);
    v_duration := coalesce(v_override.duration_ms, p_durations[i]);
    g := public.vx_gcra(v_states[j], v_limit, v_duration, p_costs[i], v_now_ms);
    IF g.allowed THEN
      v_states[j] := g.state;
    END IF;
    ord := i;
    success := g.allowed;
    "limit" := v_limit;
    duration_ms := v_duration;
    remaining := g.remaining;
    reset := g.reset_ms;
    retry_at := g.retry_ms;
    overridden := v_override."limit" IS NOT NULL;
    RETURN NEXT;
  END LOOP;

  UPDATE public.ratelimit_states AS s SET state = r.state
    FROM unnest(v_uids, v_nss, v_idents, v_states) AS r(u, n, i, state)
    WHERE s.user_id = r.u AND s.namespace = r.n AND s.identifier = r.i AND s.state IS DISTINCT FROM r.state;
END
$$;
