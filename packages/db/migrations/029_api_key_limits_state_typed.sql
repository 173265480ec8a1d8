-- The GCRA state of named limits is typed: `ratelimit_state` (api_keys and api_key_identities) becomes numeric[][]:
-- one row per limit of `ratelimits`, in its order, [auto-applied (1 or 0), limit, duration_ms, capacity (limit ×
-- duration_ms), TAT × limit (NULL until the limit first counts a request)]. It was {name: [TAT × limit, limit]}, so
-- each limit a verification checked took some fifteen PL/pgSQL statements of jsonb lookups and text-to-numeric
-- conversions, and the key's new state was built as JSON text and merged back. Now the step reads and writes array
-- elements. Postgres time per 16-key batch of bench/api-keys.ts's keys with three limits and credits, one
-- connection looping (pgbench, 8 alternating runs): 1,347 → 1,097 µs median; hourly-limit keys about 1,000.
--
-- The settings stay in `ratelimits`, as written; the plan's settings are derived from it by a trigger whenever
-- `ratelimits` is written (insert, or an update that sets it). The trigger carries each limit's TAT by name into the
-- new plan, rescaled when its limit changed (as the verification did with the old pair); a limit removed loses its
-- state, a new or renamed one starts without. A CHECK keeps the plan one row per limit (checked before the CHECK
-- on `ratelimits` itself, by name order, so it leaves limits that are not an array to that one).

-- Up Migration
-- Settings and (old-format) TATs by name → the plan.
CREATE FUNCTION public.vx_ratelimit_plan(p_ratelimits jsonb, p_tats jsonb) RETURNS numeric[]
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
  SELECT coalesce(array_agg(ARRAY[
      CASE WHEN (e.l ->> 'auto_apply')::boolean THEN 1 ELSE 0 END, s.lim, s.dur, s.lim * s.dur,
      -- The TAT counted under the pair's limit, rescaled to this one (exact, and unchanged, when they are equal);
      -- NULL when the limit has no pair.
      ceil((s.pair ->> 0)::numeric * s.lim / (s.pair ->> 1)::numeric)
    ] ORDER BY e.ord), '{}')
  FROM jsonb_array_elements(p_ratelimits) WITH ORDINALITY AS e(l, ord)
  CROSS JOIN LATERAL (SELECT (e.l ->> 'limit')::numeric AS lim, (e.l ->> 'duration_ms')::numeric AS dur,
    p_tats -> (e.l ->> 'name') AS pair) AS s
$$;

-- A plan's TATs by name, in the old format: {name: [TAT × limit, limit]} for every limit that has counted.
CREATE FUNCTION public.vx_ratelimit_tats(p_ratelimits jsonb, p_plan numeric[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
  SELECT coalesce(jsonb_object_agg(e.l ->> 'name', jsonb_build_array(p_plan[e.ord][5], p_plan[e.ord][2]))
    FILTER (WHERE p_plan[e.ord][5] IS NOT NULL), '{}')
  FROM jsonb_array_elements(p_ratelimits) WITH ORDINALITY AS e(l, ord)
$$;

-- Runs only when a statement writes `ratelimits` (never in a verification, which writes only bookkeeping).
CREATE FUNCTION public.vx_ratelimit_plan_follows_settings() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  -- Limits that are not an array are left to the ratelimits CHECK, which names them.
  NEW.ratelimit_state := CASE WHEN jsonb_typeof(NEW.ratelimits) <> 'array' THEN '{}'
    ELSE public.vx_ratelimit_plan(NEW.ratelimits, CASE WHEN TG_OP = 'UPDATE'
      THEN public.vx_ratelimit_tats(OLD.ratelimits, OLD.ratelimit_state) ELSE '{}'::jsonb END) END;
  RETURN NEW;
END
$$;

-- The trigger runs as whoever writes `ratelimits`: owners do, through RLS (column grants of migration 015).
REVOKE ALL ON FUNCTION public.vx_ratelimit_plan(jsonb, jsonb) FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION public.vx_ratelimit_tats(jsonb, numeric[]) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.vx_ratelimit_plan(jsonb, jsonb) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.vx_ratelimit_tats(jsonb, numeric[]) TO authenticated, service_role;
REVOKE EXECUTE ON FUNCTION public.vx_ratelimit_plan_follows_settings() FROM PUBLIC, anon, authenticated;

ALTER TABLE public.api_keys
  DROP CONSTRAINT api_keys_ratelimit_state_check,
  ALTER COLUMN ratelimit_state DROP DEFAULT,
  ALTER COLUMN ratelimit_state TYPE numeric[] USING public.vx_ratelimit_plan(ratelimits, ratelimit_state),
  ALTER COLUMN ratelimit_state SET DEFAULT '{}',
  ADD CONSTRAINT api_keys_ratelimit_state_check
    CHECK (jsonb_typeof(ratelimits) <> 'array' OR cardinality(ratelimit_state) = 5 * jsonb_array_length(ratelimits));
ALTER TABLE public.api_key_identities
  DROP CONSTRAINT api_key_identities_ratelimit_state_check,
  ALTER COLUMN ratelimit_state DROP DEFAULT,
  ALTER COLUMN ratelimit_state TYPE numeric[] USING public.vx_ratelimit_plan(ratelimits, ratelimit_state),
  ALTER COLUMN ratelimit_state SET DEFAULT '{}',
  ADD CONSTRAINT api_key_identities_ratelimit_state_check
    CHECK (jsonb_typeof(ratelimits) <> 'array' OR cardinality(ratelimit_state) = 5 * jsonb_array_length(ratelimits));
CREATE TRIGGER api_keys_ratelimit_plan BEFORE INSERT OR UPDATE OF ratelimits ON public.api_keys
  FOR EACH ROW EXECUTE FUNCTION public.vx_ratelimit_plan_follows_settings();
CREATE TRIGGER api_key_identities_ratelimit_plan BEFORE INSERT OR UPDATE OF ratelimits ON public.api_key_identities
  FOR EACH ROW EXECUTE FUNCTION public.vx_ratelimit_plan_follows_settings();

-- Verifies and counts a batch in one statement, as migration 028's version did, reading and writing each limit's
-- row of the plan instead of the JSON state. Result, rules and locking order unchanged.
CREATE OR REPLACE FUNCTION public.vx_api_key_verify_batch(
  p_hashes text[], p_scopes text[], p_costs integer[], p_ratelimits text[], p_now timestamptz
)
RETURNS TABLE (
  ord integer,
  code text,
  id uuid,
  user_id uuid,
  name varchar,
  key_prefix varchar,
  last_used_at timestamptz,
  expires_at timestamptz,
  rate_limit integer,
  usage_quota integer,
  usage_count integer,
  enabled boolean,
  scopes text[],
  created_at timestamptz,
  updated_at timestamptz,
  meta jsonb,
  ratelimits jsonb,
  credits_remaining integer,
  credits_refill jsonb,
  identity_id uuid,
  identity jsonb,
  window_count integer,
  window_reset timestamptz,
  limits json
)
LANGUAGE plpgsql VOLATILE SET search_path = ''
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
  v_hour timestamptz := date_trunc('hour', p_now AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  v_now_ms numeric := floor(extract(epoch FROM p_now) * 1000);
  -- For the credits' refill moment (vx_credits_last_refill's arithmetic, inline below): today and this month in UTC.
  v_today integer := extract(day FROM p_now AT TIME ZONE 'UTC');
  v_month timestamp := date_trunc('month', p_now AT TIME ZONE 'UTC');
  v_month_days integer := extract(day FROM date_trunc('month', p_now AT TIME ZONE 'UTC') + interval '1 month - 1 day');
  v_last_month_days integer := extract(day FROM date_trunc('month', p_now AT TIME ZONE 'UTC') - interval '1 day');
  v_midnight timestamptz := date_trunc('day', p_now AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  v_keys public.api_keys[];
  v_key public.api_keys;
  v_hashes text[];
  v_ids uuid[];
  v_user_ids uuid[];
  v_used integer[];
  v_window integer[];
  v_spent integer[];
  v_counted boolean[];
  v_credits integer[];
  v_refill_at timestamptz[];
  v_n_valid integer[];
  v_n_rate integer[];
  v_n_usage integer[];
  v_n_disabled integer[];
  v_n_expired integer[];
  v_n_scope integer[];
  v_idns public.api_key_identities[] := ARRAY[]::public.api_key_identities[];
  v_idn public.api_key_identities;
  v_idn_ids uuid[] := ARRAY[]::uuid[];
  v_icredits integer[] := ARRAY[]::integer[];
  v_irefill_at timestamptz[] := ARRAY[]::timestamptz[];
  v_icounted boolean[] := ARRAY[]::boolean[];
  v_limited boolean;
  v_with_identity boolean;
  v_code text;
  v_cost integer;
  v_scope text;
  v_allowed boolean;
  v_requested jsonb;
  v_key_plan numeric[];
  v_idn_plan numeric[];
  v_named boolean;
  v_limits text;
  v_source text;
  -- One GCRA limit (see vx_gcra, migration 015): its settings and plan (ratelimit_state) and the quantities, all
  -- × its limit.
  v_config jsonb;
  v_plan numeric[];
  v_lcost integer;
  v_now numeric;
  v_tat numeric;
  v_next numeric;
  j integer;
  k integer;
BEGIN
  IF cardinality(p_hashes) <> cardinality(p_scopes) OR cardinality(p_hashes) <> cardinality(p_costs)
     OR cardinality(p_hashes) <> cardinality(p_ratelimits) THEN
    RAISE EXCEPTION 'vx_api_key_verify_batch: every array must have the same length';
  END IF;

  -- Locked (in id order) and read in one statement: a row locked FOR NO KEY UPDATE is returned as its newest
  -- version, so every count committed before the lock is seen.
  SELECT coalesce(array_agg(l.a), '{}'), coalesce(array_agg((l.a).key_hash::text), '{}'),
         coalesce(array_agg((l.a).id), '{}'), coalesce(array_agg((l.a).user_id), '{}'),
         coalesce(array_agg((l.a).usage_count), '{}'),
         coalesce(array_agg(CASE WHEN (l.a).credits_remaining IS NULL OR (l.a).credits_refill IS NULL
           THEN (l.a).credits_remaining
           WHEN (l.a).credits_refilled_at IS NULL OR (l.a).credits_refilled_at < l.refill_at
           THEN ((l.a).credits_refill ->> 'amount')::integer
           ELSE (l.a).credits_remaining END), '{}'),
         coalesce(array_agg(l.refill_at), '{}'),
         coalesce(bool_or((l.a).rate_limit IS NOT NULL), false), coalesce(bool_or((l.a).identity_id IS NOT NULL), false)
    INTO v_keys, v_hashes, v_ids, v_user_ids, v_used, v_credits, v_refill_at, v_limited, v_with_identity
    FROM (
      SELECT a, CASE WHEN a.credits_refill IS NULL THEN NULL
          WHEN a.credits_refill ->> 'interval' = 'daily' THEN v_midnight
          WHEN least(coalesce((a.credits_refill ->> 'refill_day')::integer, 1), v_month_days) <= v_today
          THEN (v_month + (least(coalesce((a.credits_refill ->> 'refill_day')::integer, 1), v_month_days) - 1)
                * interval '1 day') AT TIME ZONE 'UTC'
          ELSE (v_month - interval '1 month' + (least(coalesce((a.credits_refill ->> 'refill_day')::integer, 1),
                v_last_month_days) - 1) * interval '1 day') AT TIME ZONE 'UTC' END AS refill_at
      FROM public.api_keys AS a WHERE a.key_hash = ANY (p_hashes) ORDER BY a.id FOR NO KEY UPDATE
    ) AS l;
  IF v_with_identity THEN
    SELECT coalesce(array_agg(l.d), '{}'), coalesce(array_agg((l.d).id), '{}'),
           coalesce(array_agg(CASE WHEN (l.d).credits_remaining IS NULL OR (l.d).credits_refill IS NULL
             THEN (l.d).credits_remaining
             WHEN (l.d).credits_refilled_at IS NULL OR (l.d).credits_refilled_at < l.refill_at
             THEN ((l.d).credits_refill ->> 'amount')::integer
             ELSE (l.d).credits_remaining END), '{}'),
           coalesce(array_agg(l.refill_at), '{}')
      INTO v_idns, v_idn_ids, v_icredits, v_irefill_at
      FROM (
        SELECT d, CASE WHEN d.credits_refill IS NULL THEN NULL
          WHEN d.credits_refill ->> 'interval' = 'daily' THEN v_midnight
          WHEN least(coalesce((d.credits_refill ->> 'refill_day')::integer, 1), v_month_days) <= v_today
          THEN (v_month + (least(coalesce((d.credits_refill ->> 'refill_day')::integer, 1), v_month_days) - 1)
                * interval '1 day') AT TIME ZONE 'UTC'
          ELSE (v_month - interval '1 month' + (least(coalesce((d.credits_refill ->> 'refill_day')::integer, 1),
                v_last_month_days) - 1) * interval '1 day') AT TIME ZONE 'UTC' END AS refill_at
        FROM public.api_key_identities AS d WHERE d.id IN (SELECT u.identity_id FROM unnest(v_keys) AS u)
        ORDER BY d.id FOR NO KEY UPDATE
      ) AS l;
    v_icounted := array_fill(false, ARRAY[cardinality(v_idns)]);
  END IF;
  v_spent := array_fill(0, ARRAY[cardinality(v_keys)]);
  v_counted := array_fill(false, ARRAY[cardinality(v_keys)]);
  v_n_valid := v_spent;
  v_n_rate := v_spent;
  v_n_usage := v_spent;
  v_n_disabled := v_spent;
  v_n_expired := v_spent;
  v_n_scope := v_spent;
  v_window := array_fill(NULL::integer, ARRAY[cardinality(v_keys)]);
  IF v_limited THEN
    v_window := ARRAY(
      SELECT CASE WHEN u.rate_limit IS NULL THEN NULL ELSE coalesce(b.request_count, 0) END
      FROM unnest(v_keys) WITH ORDINALITY AS u
      LEFT JOIN public.api_key_usage_hourly AS b ON u.rate_limit IS NOT NULL AND b.key_id = u.id AND b.hour = v_hour
      ORDER BY u.ordinality
    );
  END IF;

  FOR i IN 1 .. cardinality(p_hashes) LOOP
    j := array_position(v_hashes, p_hashes[i]);
    ord := i;
    window_reset := v_hour + interval '1 hour';
    IF j IS NULL THEN
      code := 'NOT_FOUND';
      id := NULL; user_id := NULL; name := NULL; key_prefix := NULL; last_used_at := NULL; expires_at := NULL;
      rate_limit := NULL; usage_quota := NULL; usage_count := NULL; enabled := NULL; scopes := NULL;
      created_at := NULL; updated_at := NULL; meta := NULL; ratelimits := NULL; credits_remaining := NULL;
      credits_refill := NULL; identity_id := NULL; identity := NULL; window_count := NULL; limits := NULL;
      RETURN NEXT;
      CONTINUE;
    END IF;

    v_key := v_keys[j];
    v_cost := p_costs[i];
    k := CASE WHEN v_key.identity_id IS NULL THEN NULL ELSE array_position(v_idn_ids, v_key.identity_id) END;
    v_idn := CASE WHEN k IS NULL THEN NULL ELSE v_idns[k] END;
    v_limits := '';
    v_key_plan := NULL;
    v_idn_plan := NULL;
    v_code := CASE
      WHEN NOT v_key.enabled THEN 'DISABLED'
      WHEN v_key.expires_at IS NOT NULL AND v_key.expires_at <= p_now THEN 'EXPIRED'
      WHEN v_key.usage_quota IS NOT NULL AND v_used[j] + v_cost > v_key.usage_quota THEN 'USAGE_EXCEEDED'
      WHEN v_credits[j] IS NOT NULL AND v_credits[j] < v_cost THEN 'USAGE_EXCEEDED'
      WHEN k IS NOT NULL AND v_icredits[k] IS NOT NULL AND v_icredits[k] < v_cost THEN 'USAGE_EXCEEDED'
      WHEN v_key.rate_limit IS NOT NULL AND v_window[j] + v_cost > v_key.rate_limit THEN 'RATE_LIMITED'
      ELSE 'VALID'
    END;
    IF v_code = 'VALID' AND (v_key.ratelimits <> '[]' OR (k IS NOT NULL AND v_idn.ratelimits <> '[]')) THEN
      v_named := p_ratelimits[i] <> '';
      IF v_named THEN
        v_requested := (SELECT jsonb_object_agg(split_part(r, ':', 1), nullif(split_part(r, ':', 2), '')::integer)
          FROM unnest(string_to_array(p_ratelimits[i], ' ')) AS r);
      ELSE
        v_requested := '{}'::jsonb;
      END IF;
      v_allowed := true;
      -- The key's limits (source 1), then its identity's (source 2): every auto-applied one and every one the
      -- request names, each with its own cost (the named cost, else the request's). GCRA as in vx_gcra, on the
      -- limit's row of the plan: [auto-applied, limit, duration, capacity, TAT] (× limit where it is a time).
      FOR source IN 1 .. CASE WHEN k IS NULL THEN 1 ELSE 2 END LOOP
        IF source = 1 THEN
          v_config := v_key.ratelimits;
          v_plan := v_key.ratelimit_state;
          v_source := ',"';
        ELSE
          v_config := v_idn.ratelimits;
          v_plan := v_idn.ratelimit_state;
          v_source := ',"i';
        END IF;
        FOR m IN 1 .. jsonb_array_length(v_config) LOOP
          CONTINUE WHEN v_plan[m][1] = 0 AND NOT (v_requested ? (v_config -> (m - 1) ->> 'name'));
          v_lcost := CASE WHEN v_named THEN coalesce((v_requested ->> (v_config -> (m - 1) ->> 'name'))::integer, v_cost)
            ELSE v_cost END;
          v_now := v_now_ms * v_plan[m][2];
          v_tat := greatest(v_now, v_plan[m][5]);
          v_next := v_tat + v_lcost * v_plan[m][3];
          -- The limit's result is `<source><position>:<TAT>`, the TAT negated when this limit refuses; the
          -- adapters derive remaining, reset and retry_at from it with the limit's settings (limitResults()).
          IF v_next - v_now <= v_plan[m][4] THEN
            v_plan[m][5] := v_next;
            v_limits := v_limits || v_source || (m - 1)::text || ':' || v_next::text || '"';
          ELSE
            v_allowed := false;
            v_limits := v_limits || v_source || (m - 1)::text || ':-' || v_tat::text || '"';
          END IF;
        END LOOP;
        IF source = 1 THEN
          v_key_plan := v_plan;
        ELSE
          v_idn_plan := v_plan;
        END IF;
      END LOOP;
      IF NOT v_allowed THEN
        v_code := 'RATE_LIMITED';
      END IF;
    END IF;
    IF v_code = 'VALID' AND p_scopes[i] <> '' AND NOT ('*' = ANY (v_key.scopes)) THEN
      -- Each required `res:act` needs `res:act` or `res:*` (or `*`, above) among the key's scopes: scopesAllow().
      FOREACH v_scope IN ARRAY string_to_array(p_scopes[i], ' ') LOOP
        IF NOT (v_scope = ANY (v_key.scopes) OR split_part(v_scope, ':', 1) || ':*' = ANY (v_key.scopes)) THEN
          v_code := 'INSUFFICIENT_SCOPE';
          EXIT;
        END IF;
      END LOOP;
    END IF;
    IF v_code = 'VALID' THEN
      v_used[j] := v_used[j] + v_cost;
      v_window[j] := v_window[j] + v_cost;
      v_spent[j] := v_spent[j] + v_cost;
      v_counted[j] := true;
      v_credits[j] := v_credits[j] - v_cost;
      IF v_key_plan IS NOT NULL THEN
        v_key.ratelimit_state := v_key_plan;
        v_keys[j] := v_key;
      END IF;
      IF k IS NOT NULL THEN
        v_icredits[k] := v_icredits[k] - v_cost;
        IF v_idn_plan IS NOT NULL THEN
          v_idn.ratelimit_state := v_idn_plan;
          v_idns[k] := v_idn;
        END IF;
        v_icounted[k] := true;
      END IF;
      v_n_valid[j] := v_n_valid[j] + 1;
    ELSIF v_code = 'RATE_LIMITED' THEN
      v_n_rate[j] := v_n_rate[j] + 1;
    ELSIF v_code = 'USAGE_EXCEEDED' THEN
      v_n_usage[j] := v_n_usage[j] + 1;
    ELSIF v_code = 'DISABLED' THEN
      v_n_disabled[j] := v_n_disabled[j] + 1;
    ELSIF v_code = 'EXPIRED' THEN
      v_n_expired[j] := v_n_expired[j] + 1;
    ELSE
      v_n_scope[j] := v_n_scope[j] + 1;
    END IF;

    code := v_code;
    id := v_key.id;
    user_id := v_key.user_id;
    name := v_key.name;
    key_prefix := v_key.key_prefix;
    last_used_at := CASE WHEN v_counted[j] THEN greatest(v_key.last_used_at, p_now) ELSE v_key.last_used_at END;
    expires_at := v_key.expires_at;
    rate_limit := v_key.rate_limit;
    usage_quota := v_key.usage_quota;
    usage_count := v_used[j];
    enabled := v_key.enabled;
    scopes := v_key.scopes;
    created_at := v_key.created_at;
    updated_at := v_key.updated_at;
    meta := v_key.meta;
    ratelimits := v_key.ratelimits;
    credits_remaining := v_credits[j];
    credits_refill := v_key.credits_refill;
    identity_id := v_key.identity_id;
    identity := CASE WHEN k IS NULL THEN NULL ELSE jsonb_build_object('id', v_idn.id, 'external_id', v_idn.external_id,
      'meta', v_idn.meta, 'credits_remaining', v_icredits[k], 'credits_refill', v_idn.credits_refill,
      'ratelimits', v_idn.ratelimits) END;
    window_count := v_window[j];
    limits := ('[' || substr(v_limits, 2) || ']')::json;
    RETURN NEXT;
  END LOOP;

  -- Counted keys and identities are written whole under their row locks: credits (after any refill), GCRA state.
  UPDATE public.api_keys AS a
    SET usage_count = a.usage_count + s.spent, last_used_at = greatest(a.last_used_at, p_now),
        credits_remaining = s.credits, ratelimit_state = (v_keys[s.n]).ratelimit_state,
        credits_refilled_at = CASE WHEN s.refill_at IS NULL THEN a.credits_refilled_at
          ELSE greatest(a.credits_refilled_at, s.refill_at) END
    FROM unnest(v_ids, v_spent, v_counted, v_credits, v_refill_at) WITH ORDINALITY
      AS s(key_id, spent, counted, credits, refill_at, n)
    WHERE a.id = s.key_id AND s.counted;
  IF true = ANY (v_icounted) THEN
    UPDATE public.api_key_identities AS d
      SET credits_remaining = s.credits, ratelimit_state = (v_idns[s.n]).ratelimit_state,
          credits_refilled_at = CASE WHEN s.refill_at IS NULL THEN d.credits_refilled_at
            ELSE greatest(d.credits_refilled_at, s.refill_at) END
      FROM unnest(v_idn_ids, v_icredits, v_icounted, v_irefill_at) WITH ORDINALITY
        AS s(identity_id, credits, counted, refill_at, n)
      WHERE d.id = s.identity_id AND s.counted;
  END IF;
  INSERT INTO public.api_key_usage_hourly AS b (key_id, user_id, hour, request_count, valid_count, rate_limited_count,
      usage_exceeded_count, disabled_count, expired_count, insufficient_scope_count)
    SELECT s.key_id, s.owner_id, v_hour, s.spent, s.n_valid, s.n_rate, s.n_usage, s.n_disabled, s.n_expired, s.n_scope
    FROM unnest(v_ids, v_user_ids, v_spent, v_n_valid, v_n_rate, v_n_usage, v_n_disabled, v_n_expired, v_n_scope)
      AS s(key_id, owner_id, spent, n_valid, n_rate, n_usage, n_disabled, n_expired, n_scope)
    ON CONFLICT (key_id, hour) DO UPDATE SET
      request_count = b.request_count + excluded.request_count,
      valid_count = b.valid_count + excluded.valid_count,
      rate_limited_count = b.rate_limited_count + excluded.rate_limited_count,
      usage_exceeded_count = b.usage_exceeded_count + excluded.usage_exceeded_count,
      disabled_count = b.disabled_count + excluded.disabled_count,
      expired_count = b.expired_count + excluded.expired_count,
      insufficient_scope_count = b.insufficient_scope_count + excluded.insufficient_scope_count;
END
$$;


-- Down Migration
-- Migration 028's version, and the JSON state.
DROP TRIGGER api_keys_ratelimit_plan ON public.api_keys;
DROP TRIGGER api_key_identities_ratelimit_plan ON public.api_key_identities;
ALTER TABLE public.api_keys
  DROP CONSTRAINT api_keys_ratelimit_state_check,
  ALTER COLUMN ratelimit_state DROP DEFAULT,
  ALTER COLUMN ratelimit_state TYPE jsonb USING public.vx_ratelimit_tats(ratelimits, ratelimit_state),
  ALTER COLUMN ratelimit_state SET DEFAULT '{}',
  ADD CONSTRAINT api_keys_ratelimit_state_check CHECK (jsonb_typeof(ratelimit_state) = 'object');
ALTER TABLE public.api_key_identities
  DROP CONSTRAINT api_key_identities_ratelimit_state_check,
  ALTER COLUMN ratelimit_state DROP DEFAULT,
  ALTER COLUMN ratelimit_state TYPE jsonb USING public.vx_ratelimit_tats(ratelimits, ratelimit_state),
  ALTER COLUMN ratelimit_state SET DEFAULT '{}',
  ADD CONSTRAINT api_key_identities_ratelimit_state_check CHECK (jsonb_typeof(ratelimit_state) = 'object');
DROP FUNCTION public.vx_ratelimit_plan_follows_settings();
DROP FUNCTION public.vx_ratelimit_tats(jsonb, numeric[]);
DROP FUNCTION public.vx_ratelimit_plan(jsonb, jsonb);
CREATE OR REPLACE FUNCTION public.vx_api_key_verify_batch(
  p_hashes text[], p_scopes text[], p_costs integer[], p_ratelimits text[], p_now timestamptz
)
RETURNS TABLE (
  ord integer,
  code text,
  id uuid,
  user_id uuid,
  name varchar,
  key_prefix varchar,
  last_used_at timestamptz,
  expires_at timestamptz,
  rate_limit integer,
  usage_quota integer,
  usage_count integer,
  enabled boolean,
  scopes text[],
  created_at timestamptz,
  updated_at timestamptz,
  meta jsonb,
  ratelimits jsonb,
  credits_remaining integer,
  credits_refill jsonb,
  identity_id uuid,
  identity jsonb,
  window_count integer,
  window_reset timestamptz,
  limits json
)
LANGUAGE plpgsql VOLATILE SET search_path = ''
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
  v_hour timestamptz := date_trunc('hour', p_now AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  v_now_ms numeric := floor(extract(epoch FROM p_now) * 1000);
  -- For the credits' refill moment (vx_credits_last_refill's arithmetic, inline below): today and this month in UTC.
  v_today integer := extract(day FROM p_now AT TIME ZONE 'UTC');
  v_month timestamp := date_trunc('month', p_now AT TIME ZONE 'UTC');
  v_month_days integer := extract(day FROM date_trunc('month', p_now AT TIME ZONE 'UTC') + interval '1 month - 1 day');
  v_last_month_days integer := extract(day FROM date_trunc('month', p_now AT TIME ZONE 'UTC') - interval '1 day');
  v_midnight timestamptz := date_trunc('day', p_now AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  v_keys public.api_keys[];
  v_key public.api_keys;
  v_hashes text[];
  v_ids uuid[];
  v_user_ids uuid[];
  v_used integer[];
  v_window integer[];
  v_spent integer[];
  v_counted boolean[];
  v_credits integer[];
  v_refill_at timestamptz[];
  v_state jsonb[];
  v_n_valid integer[];
  v_n_rate integer[];
  v_n_usage integer[];
  v_n_disabled integer[];
  v_n_expired integer[];
  v_n_scope integer[];
  v_idns public.api_key_identities[] := ARRAY[]::public.api_key_identities[];
  v_idn public.api_key_identities;
  v_idn_ids uuid[] := ARRAY[]::uuid[];
  v_icredits integer[] := ARRAY[]::integer[];
  v_irefill_at timestamptz[] := ARRAY[]::timestamptz[];
  v_istate jsonb[] := ARRAY[]::jsonb[];
  v_icounted boolean[] := ARRAY[]::boolean[];
  v_limited boolean;
  v_with_identity boolean;
  v_code text;
  v_cost integer;
  v_scope text;
  v_allowed boolean;
  v_requested jsonb;
  v_key_state jsonb;
  v_idn_state jsonb;
  v_limits text;
  v_pairs text;
  v_qname text;
  v_source text;
  -- One GCRA limit (see vx_gcra, migration 015): its config, state pair and the quantities, all × its limit.
  v_config jsonb;
  v_st jsonb;
  v_one jsonb;
  v_pair jsonb;
  v_lname text;
  v_lcount integer;
  v_ldur bigint;
  v_now numeric;
  v_tat numeric;
  v_next numeric;
  j integer;
  k integer;
BEGIN
  IF cardinality(p_hashes) <> cardinality(p_scopes) OR cardinality(p_hashes) <> cardinality(p_costs)
     OR cardinality(p_hashes) <> cardinality(p_ratelimits) THEN
    RAISE EXCEPTION 'vx_api_key_verify_batch: every array must have the same length';
  END IF;

  -- Locked (in id order) and read in one statement: a row locked FOR NO KEY UPDATE is returned as its newest
  -- version, so every count committed before the lock is seen.
  SELECT coalesce(array_agg(l.a), '{}'), coalesce(array_agg((l.a).key_hash::text), '{}'),
         coalesce(array_agg((l.a).id), '{}'), coalesce(array_agg((l.a).user_id), '{}'),
         coalesce(array_agg((l.a).usage_count), '{}'),
         coalesce(array_agg(CASE WHEN (l.a).credits_remaining IS NULL OR (l.a).credits_refill IS NULL
           THEN (l.a).credits_remaining
           WHEN (l.a).credits_refilled_at IS NULL OR (l.a).credits_refilled_at < l.refill_at
           THEN ((l.a).credits_refill ->> 'amount')::integer
           ELSE (l.a).credits_remaining END), '{}'),
         coalesce(array_agg(l.refill_at), '{}'), coalesce(array_agg((l.a).ratelimit_state), '{}'),
         coalesce(bool_or((l.a).rate_limit IS NOT NULL), false), coalesce(bool_or((l.a).identity_id IS NOT NULL), false)
    INTO v_keys, v_hashes, v_ids, v_user_ids, v_used, v_credits, v_refill_at, v_state, v_limited, v_with_identity
    FROM (
      SELECT a, CASE WHEN a.credits_refill IS NULL THEN NULL
          WHEN a.credits_refill ->> 'interval' = 'daily' THEN v_midnight
          WHEN least(coalesce((a.credits_refill ->> 'refill_day')::integer, 1), v_month_days) <= v_today
          THEN (v_month + (least(coalesce((a.credits_refill ->> 'refill_day')::integer, 1), v_month_days) - 1)
                * interval '1 day') AT TIME ZONE 'UTC'
          ELSE (v_month - interval '1 month' + (least(coalesce((a.credits_refill ->> 'refill_day')::integer, 1),
                v_last_month_days) - 1) * interval '1 day') AT TIME ZONE 'UTC' END AS refill_at
      FROM public.api_keys AS a WHERE a.key_hash = ANY (p_hashes) ORDER BY a.id FOR NO KEY UPDATE
    ) AS l;
  IF v_with_identity THEN
    SELECT coalesce(array_agg(l.d), '{}'), coalesce(array_agg((l.d).id), '{}'),
           coalesce(array_agg(CASE WHEN (l.d).credits_remaining IS NULL OR (l.d).credits_refill IS NULL
             THEN (l.d).credits_remaining
             WHEN (l.d).credits_refilled_at IS NULL OR (l.d).credits_refilled_at < l.refill_at
             THEN ((l.d).credits_refill ->> 'amount')::integer
             ELSE (l.d).credits_remaining END), '{}'),
           coalesce(array_agg(l.refill_at), '{}'), coalesce(array_agg((l.d).ratelimit_state), '{}')
      INTO v_idns, v_idn_ids, v_icredits, v_irefill_at, v_istate
      FROM (
        SELECT d, CASE WHEN d.credits_refill IS NULL THEN NULL
          WHEN d.credits_refill ->> 'interval' = 'daily' THEN v_midnight
          WHEN least(coalesce((d.credits_refill ->> 'refill_day')::integer, 1), v_month_days) <= v_today
          THEN (v_month + (least(coalesce((d.credits_refill ->> 'refill_day')::integer, 1), v_month_days) - 1)
                * interval '1 day') AT TIME ZONE 'UTC'
          ELSE (v_month - interval '1 month' + (least(coalesce((d.credits_refill ->> 'refill_day')::integer, 1),
                v_last_month_days) - 1) * interval '1 day') AT TIME ZONE 'UTC' END AS refill_at
        FROM public.api_key_identities AS d WHERE d.id IN (SELECT u.identity_id FROM unnest(v_keys) AS u)
        ORDER BY d.id FOR NO KEY UPDATE
      ) AS l;
    v_icounted := array_fill(false, ARRAY[cardinality(v_idns)]);
  END IF;
  v_spent := array_fill(0, ARRAY[cardinality(v_keys)]);
  v_counted := array_fill(false, ARRAY[cardinality(v_keys)]);
  v_n_valid := v_spent;
  v_n_rate := v_spent;
  v_n_usage := v_spent;
  v_n_disabled := v_spent;
  v_n_expired := v_spent;
  v_n_scope := v_spent;
  v_window := array_fill(NULL::integer, ARRAY[cardinality(v_keys)]);
  IF v_limited THEN
    v_window := ARRAY(
      SELECT CASE WHEN u.rate_limit IS NULL THEN NULL ELSE coalesce(b.request_count, 0) END
      FROM unnest(v_keys) WITH ORDINALITY AS u
      LEFT JOIN public.api_key_usage_hourly AS b ON u.rate_limit IS NOT NULL AND b.key_id = u.id AND b.hour = v_hour
      ORDER BY u.ordinality
    );
  END IF;

  FOR i IN 1 .. cardinality(p_hashes) LOOP
    j := array_position(v_hashes, p_hashes[i]);
    ord := i;
    window_reset := v_hour + interval '1 hour';
    IF j IS NULL THEN
      code := 'NOT_FOUND';
      id := NULL; user_id := NULL; name := NULL; key_prefix := NULL; last_used_at := NULL; expires_at := NULL;
      rate_limit := NULL; usage_quota := NULL; usage_count := NULL; enabled := NULL; scopes := NULL;
      created_at := NULL; updated_at := NULL; meta := NULL; ratelimits := NULL; credits_remaining := NULL;
      credits_refill := NULL; identity_id := NULL; identity := NULL; window_count := NULL; limits := NULL;
      RETURN NEXT;
      CONTINUE;
    END IF;

    v_key := v_keys[j];
    v_cost := p_costs[i];
    k := CASE WHEN v_key.identity_id IS NULL THEN NULL ELSE array_position(v_idn_ids, v_key.identity_id) END;
    v_idn := CASE WHEN k IS NULL THEN NULL ELSE v_idns[k] END;
    v_limits := '';
    v_key_state := NULL;
    v_idn_state := NULL;
    v_code := CASE
      WHEN NOT v_key.enabled THEN 'DISABLED'
      WHEN v_key.expires_at IS NOT NULL AND v_key.expires_at <= p_now THEN 'EXPIRED'
      WHEN v_key.usage_quota IS NOT NULL AND v_used[j] + v_cost > v_key.usage_quota THEN 'USAGE_EXCEEDED'
      WHEN v_credits[j] IS NOT NULL AND v_credits[j] < v_cost THEN 'USAGE_EXCEEDED'
      WHEN k IS NOT NULL AND v_icredits[k] IS NOT NULL AND v_icredits[k] < v_cost THEN 'USAGE_EXCEEDED'
      WHEN v_key.rate_limit IS NOT NULL AND v_window[j] + v_cost > v_key.rate_limit THEN 'RATE_LIMITED'
      ELSE 'VALID'
    END;
    IF v_code = 'VALID' AND (v_key.ratelimits <> '[]' OR (k IS NOT NULL AND v_idn.ratelimits <> '[]')) THEN
      IF p_ratelimits[i] = '' THEN
        v_requested := '{}'::jsonb;
      ELSE
        v_requested := (SELECT jsonb_object_agg(split_part(r, ':', 1), nullif(split_part(r, ':', 2), '')::integer)
          FROM unnest(string_to_array(p_ratelimits[i], ' ')) AS r);
      END IF;
      v_allowed := true;
      -- The key's limits (source 1), then its identity's (source 2): every auto-applied one and every one the
      -- request names, each with its own cost (the named cost, else the request's). GCRA as in vx_gcra.
      FOR source IN 1 .. CASE WHEN k IS NULL THEN 1 ELSE 2 END LOOP
        v_config := CASE source WHEN 1 THEN v_key.ratelimits ELSE v_idn.ratelimits END;
        v_st := CASE source WHEN 1 THEN v_state[j] ELSE v_istate[k] END;
        v_pairs := '';
        v_source := CASE source WHEN 1 THEN ',"' ELSE ',"i' END;
        FOR m IN 0 .. jsonb_array_length(v_config) - 1 LOOP
          v_one := v_config -> m;
          v_lname := v_one ->> 'name';
          CONTINUE WHEN NOT ((v_one ->> 'auto_apply')::boolean OR v_requested ? v_lname);
          v_qname := (v_one -> 'name')::text;
          v_lcount := (v_one ->> 'limit')::integer;
          v_ldur := (v_one ->> 'duration_ms')::bigint;
          v_pair := v_st -> v_lname;
          v_now := v_now_ms * v_lcount;
          v_tat := greatest(v_now, CASE
            WHEN v_pair IS NULL THEN v_now
            WHEN (v_pair ->> 1)::integer = v_lcount THEN (v_pair ->> 0)::numeric
            ELSE ceil((v_pair ->> 0)::numeric * v_lcount / (v_pair ->> 1)::numeric)
          END);
          v_next := v_tat + coalesce((v_requested ->> v_lname)::integer, v_cost)::numeric * v_ldur;
          -- The limit's result is `<source><position>:<TAT>`, the TAT negated when this limit refuses; the
          -- adapters derive remaining, reset and retry_at from it with the limit's settings (limitResults()).
          IF v_next - v_now <= v_ldur::numeric * v_lcount THEN
            v_tat := v_next;
            v_limits := v_limits || v_source || m::text || ':' || v_tat::text || '"';
          ELSE
            v_allowed := false;
            v_limits := v_limits || v_source || m::text || ':-' || v_tat::text || '"';
          END IF;
          -- The new state pair as JSON text: one parse per key and source below costs less than jsonb_set.
          v_pairs := v_pairs || ',' || v_qname || ':[' || v_tat::text || ',' || v_lcount::text || ']';
        END LOOP;
        IF v_pairs <> '' THEN
          v_st := v_st || ('{' || substr(v_pairs, 2) || '}')::jsonb;
        END IF;
        IF source = 1 THEN
          v_key_state := v_st;
        ELSE
          v_idn_state := v_st;
        END IF;
      END LOOP;
      IF NOT v_allowed THEN
        v_code := 'RATE_LIMITED';
      END IF;
    END IF;
    IF v_code = 'VALID' AND p_scopes[i] <> '' AND NOT ('*' = ANY (v_key.scopes)) THEN
      -- Each required `res:act` needs `res:act` or `res:*` (or `*`, above) among the key's scopes: scopesAllow().
      FOREACH v_scope IN ARRAY string_to_array(p_scopes[i], ' ') LOOP
        IF NOT (v_scope = ANY (v_key.scopes) OR split_part(v_scope, ':', 1) || ':*' = ANY (v_key.scopes)) THEN
          v_code := 'INSUFFICIENT_SCOPE';
          EXIT;
        END IF;
      END LOOP;
    END IF;
    IF v_code = 'VALID' THEN
      v_used[j] := v_used[j] + v_cost;
      v_window[j] := v_window[j] + v_cost;
      v_spent[j] := v_spent[j] + v_cost;
      v_counted[j] := true;
      v_credits[j] := v_credits[j] - v_cost;
      v_state[j] := coalesce(v_key_state, v_state[j]);
      IF k IS NOT NULL THEN
        v_icredits[k] := v_icredits[k] - v_cost;
        v_istate[k] := coalesce(v_idn_state, v_istate[k]);
        v_icounted[k] := true;
      END IF;
      v_n_valid[j] := v_n_valid[j] + 1;
    ELSIF v_code = 'RATE_LIMITED' THEN
      v_n_rate[j] := v_n_rate[j] + 1;
    ELSIF v_code = 'USAGE_EXCEEDED' THEN
      v_n_usage[j] := v_n_usage[j] + 1;
    ELSIF v_code = 'DISABLED' THEN
      v_n_disabled[j] := v_n_disabled[j] + 1;
    ELSIF v_code = 'EXPIRED' THEN
      v_n_expired[j] := v_n_expired[j] + 1;
    ELSE
      v_n_scope[j] := v_n_scope[j] + 1;
    END IF;

    code := v_code;
    id := v_key.id;
    user_id := v_key.user_id;
    name := v_key.name;
    key_prefix := v_key.key_prefix;
    last_used_at := CASE WHEN v_counted[j] THEN greatest(v_key.last_used_at, p_now) ELSE v_key.last_used_at END;
    expires_at := v_key.expires_at;
    rate_limit := v_key.rate_limit;
    usage_quota := v_key.usage_quota;
    usage_count := v_used[j];
    enabled := v_key.enabled;
    scopes := v_key.scopes;
    created_at := v_key.created_at;
    updated_at := v_key.updated_at;
    meta := v_key.meta;
    ratelimits := v_key.ratelimits;
    credits_remaining := v_credits[j];
    credits_refill := v_key.credits_refill;
    identity_id := v_key.identity_id;
    identity := CASE WHEN k IS NULL THEN NULL ELSE jsonb_build_object('id', v_idn.id, 'external_id', v_idn.external_id,
      'meta', v_idn.meta, 'credits_remaining', v_icredits[k], 'credits_refill', v_idn.credits_refill,
      'ratelimits', v_idn.ratelimits) END;
    window_count := v_window[j];
    limits := ('[' || substr(v_limits, 2) || ']')::json;
    RETURN NEXT;
  END LOOP;

  -- Counted keys and identities are written whole under their row locks: credits (after any refill), GCRA state.
  UPDATE public.api_keys AS a
    SET usage_count = a.usage_count + s.spent, last_used_at = greatest(a.last_used_at, p_now),
        credits_remaining = s.credits, ratelimit_state = s.state,
        credits_refilled_at = CASE WHEN s.refill_at IS NULL THEN a.credits_refilled_at
          ELSE greatest(a.credits_refilled_at, s.refill_at) END
    FROM unnest(v_ids, v_spent, v_counted, v_credits, v_state, v_refill_at)
      AS s(key_id, spent, counted, credits, state, refill_at)
    WHERE a.id = s.key_id AND s.counted;
  IF true = ANY (v_icounted) THEN
    UPDATE public.api_key_identities AS d
      SET credits_remaining = s.credits, ratelimit_state = s.state,
          credits_refilled_at = CASE WHEN s.refill_at IS NULL THEN d.credits_refilled_at
            ELSE greatest(d.credits_refilled_at, s.refill_at) END
      FROM unnest(v_idn_ids, v_icredits, v_istate, v_icounted, v_irefill_at)
        AS s(identity_id, credits, state, counted, refill_at)
      WHERE d.id = s.identity_id AND s.counted;
  END IF;
  INSERT INTO public.api_key_usage_hourly AS b (key_id, user_id, hour, request_count, valid_count, rate_limited_count,
      usage_exceeded_count, disabled_count, expired_count, insufficient_scope_count)
    SELECT s.key_id, s.owner_id, v_hour, s.spent, s.n_valid, s.n_rate, s.n_usage, s.n_disabled, s.n_expired, s.n_scope
    FROM unnest(v_ids, v_user_ids, v_spent, v_n_valid, v_n_rate, v_n_usage, v_n_disabled, v_n_expired, v_n_scope)
      AS s(key_id, owner_id, spent, n_valid, n_rate, n_usage, n_disabled, n_expired, n_scope)
    ON CONFLICT (key_id, hour) DO UPDATE SET
      request_count = b.request_count + excluded.request_count,
      valid_count = b.valid_count + excluded.valid_count,
      rate_limited_count = b.rate_limited_count + excluded.rate_limited_count,
      usage_exceeded_count = b.usage_exceeded_count + excluded.usage_exceeded_count,
      disabled_count = b.disabled_count + excluded.disabled_count,
      expired_count = b.expired_count + excluded.expired_count,
      insufficient_scope_count = b.insufficient_scope_count + excluded.insufficient_scope_count;
END
$$;
