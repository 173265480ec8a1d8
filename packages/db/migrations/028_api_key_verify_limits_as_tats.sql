-- API-key verification returns each checked named limit as its TAT, not as a JSON object, and the adapters derive
-- the object. Building `{"name":…,"remaining":…,"reset":…,…}` as text in PL/pgSQL (some twenty concatenations, four
-- numeric divisions) and parsing it again as json was a third of the work a key with three named limits added to a
-- batch: Postgres CPU per 16-key batch of bench/api-keys.ts's b-limits keys, one connection looping, fell from
-- about 1,010 to about 900 µs (hourly-limit keys: about 650).
--
-- `limits` is now a JSON array of strings, one per limit checked, in the order checked (the key's, then its
-- identity's): `<position>:<TAT>` for the key's limit at that position of its `ratelimits`, `i<position>:<TAT>` for
-- the identity's, the TAT (time × limit, an integer, as in vx_gcra) as the request left it, negated when that limit
-- refused the request. `identity` carries the identity's `ratelimits`, so the adapters have both settings.
-- packages/db/src/api-keys/rows.ts (limitResults) turns each into the RateLimitResult the old object held, with
-- the same integer arithmetic as gcra() in @vx/api-keys. The function is the service role's only (migration 019):
-- its result is the adapters' contract, not a public one. Signature, result type and grants are kept.
--
-- The step also checks the limit with one comparison and no intermediate v_cap / v_ok assignments.

-- Up Migration
-- Verifies and counts a batch in one statement, as migration 021's version did (with `limits` and `identity` as
-- above): the rules of migration 015's version (credits of the key and of its identity refilled lazily,
-- USAGE_EXCEEDED when short; named GCRA limits of both, RATE_LIMITED after the hourly rate_limit; meta; one outcome
-- count per verification in the hour bucket). p_ratelimits[i] names request i's extra limits, space-separated
-- `name:cost` (cost may be empty). The key rows are locked in id order, then their identities in id order: one
-- global order, no deadlock. Only a VALID request spends anything; every limit and credit it needs is checked
-- first, so a refusal spends nothing anywhere.
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


-- Down Migration
-- Migration 021's version.
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
  -- One GCRA limit (see vx_gcra, migration 015): its config, state pair and the quantities, all × its limit.
  v_config jsonb;
  v_st jsonb;
  v_one jsonb;
  v_pair jsonb;
  v_lname text;
  v_lcount integer;
  v_ldur bigint;
  v_now numeric;
  v_cap numeric;
  v_tat numeric;
  v_next numeric;
  v_ok boolean;
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
        FOR m IN 0 .. jsonb_array_length(v_config) - 1 LOOP
          v_one := v_config -> m;
          v_lname := v_one ->> 'name';
          CONTINUE WHEN NOT ((v_one ->> 'auto_apply')::boolean OR v_requested ? v_lname);
          v_qname := (v_one -> 'name')::text;
          v_lcount := (v_one ->> 'limit')::integer;
          v_ldur := (v_one ->> 'duration_ms')::bigint;
          v_pair := v_st -> v_lname;
          v_now := v_now_ms * v_lcount;
          v_cap := v_ldur::numeric * v_lcount;
          v_tat := greatest(v_now, CASE
            WHEN v_pair IS NULL THEN v_now
            WHEN (v_pair ->> 1)::integer = v_lcount THEN (v_pair ->> 0)::numeric
            ELSE ceil((v_pair ->> 0)::numeric * v_lcount / (v_pair ->> 1)::numeric)
          END);
          v_next := v_tat + coalesce((v_requested ->> v_lname)::integer, v_cost)::numeric * v_ldur;
          v_ok := v_next - v_now <= v_cap;
          v_tat := CASE WHEN v_ok THEN v_next ELSE v_tat END;
          v_allowed := v_allowed AND v_ok;
          -- The new state pair and the limit's result, written as JSON text: one parse per key and source below
          -- costs less than building each value with jsonb_set and json_build_object.
          v_pairs := v_pairs || ',' || v_qname || ':[' || v_tat::text || ',' || v_lcount::text || ']';
          v_limits := v_limits || ',{"name":' || v_qname || ',"source":'
            || CASE source WHEN 1 THEN '"key"' ELSE '"identity"' END || ',"limit":' || v_lcount::text
            || ',"duration_ms":' || v_ldur::text
            || ',"remaining":' || greatest(0, floor((v_cap - (v_tat - v_now)) / v_ldur))::text
            || ',"reset":' || ceil(v_tat / v_lcount)::text || ',"exceeded":' || (NOT v_ok)::text
            || ',"retry_at":' || CASE WHEN v_ok THEN 'null' ELSE ceil((v_next - v_cap) / v_lcount)::text END || '}';
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
      'meta', v_idn.meta, 'credits_remaining', v_icredits[k], 'credits_refill', v_idn.credits_refill) END;
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
