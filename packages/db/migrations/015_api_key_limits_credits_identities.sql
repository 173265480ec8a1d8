-- API keys, part 4: named rate limits of any window (GCRA), refilling credits, metadata, identities shared by many
-- keys, verification outcomes per hour, and a standalone rate limiter for anything that is not a key. Verification
-- stays one statement per batch: the new checks run inside it, on rows it already locks.

-- Up Migration

-- One customer, many keys: an identity's rate limits and credits are shared by every key that belongs to it.
CREATE TABLE public.api_key_identities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 255),
  -- The service limits meta to 4096 bytes of JSON; jsonb's text form spaces it out, hence the wider backstop.
  meta jsonb CHECK (meta IS NULL OR (jsonb_typeof(meta) = 'object' AND octet_length(meta::text) <= 8192)),
  ratelimits jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(ratelimits) = 'array'),
  ratelimit_state jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(ratelimit_state) = 'object'),
  credits_remaining integer CHECK (credits_remaining >= 0),
  credits_refill jsonb CHECK (credits_refill IS NULL OR jsonb_typeof(credits_refill) = 'object'),
  credits_refilled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Also the covering index of the user_id foreign key.
  UNIQUE (user_id, external_id),
  -- The target of api_keys' (identity_id, user_id) foreign key: a key can only join its owner's identity.
  UNIQUE (id, user_id)
);

ALTER TABLE public.api_key_identities ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view their own identities" ON public.api_key_identities
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can create their own identities" ON public.api_key_identities
  FOR INSERT TO authenticated WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can update their own identities" ON public.api_key_identities
  FOR UPDATE TO authenticated USING ((SELECT auth.uid()) = user_id) WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can delete their own identities" ON public.api_key_identities
  FOR DELETE TO authenticated USING ((SELECT auth.uid()) = user_id);
REVOKE ALL ON public.api_key_identities FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, DELETE ON public.api_key_identities TO authenticated;
GRANT UPDATE (external_id, meta, ratelimits, credits_remaining, credits_refill, credits_refilled_at)
  ON public.api_key_identities TO authenticated;
GRANT ALL ON public.api_key_identities TO service_role;
CREATE TRIGGER api_key_identities_set_updated_at BEFORE UPDATE ON public.api_key_identities
  FOR EACH ROW
  WHEN ((OLD.external_id, OLD.meta, OLD.ratelimits, OLD.credits_refill)
        IS DISTINCT FROM (NEW.external_id, NEW.meta, NEW.ratelimits, NEW.credits_refill))
  EXECUTE FUNCTION public.vx_set_updated_at();

-- ratelimits: [{name, limit, duration_ms, auto_apply}]; ratelimit_state: {name: [tat × limit, limit]} (see vx_gcra).
ALTER TABLE public.api_keys
  ADD COLUMN meta jsonb CHECK (meta IS NULL OR (jsonb_typeof(meta) = 'object' AND octet_length(meta::text) <= 8192)),
  ADD COLUMN ratelimits jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(ratelimits) = 'array'),
  ADD COLUMN ratelimit_state jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(ratelimit_state) = 'object'),
  ADD COLUMN credits_remaining integer CHECK (credits_remaining >= 0),
  ADD COLUMN credits_refill jsonb CHECK (credits_refill IS NULL OR jsonb_typeof(credits_refill) = 'object'),
  ADD COLUMN credits_refilled_at timestamptz,
  ADD COLUMN identity_id uuid,
  ADD CONSTRAINT api_keys_identity_fkey FOREIGN KEY (identity_id, user_id)
    REFERENCES public.api_key_identities (id, user_id) ON DELETE SET NULL (identity_id);
CREATE INDEX idx_api_keys_identity_id ON public.api_keys (identity_id, user_id);
GRANT UPDATE (meta, ratelimits, credits_remaining, credits_refill, credits_refilled_at, identity_id)
  ON public.api_keys TO authenticated;

DROP TRIGGER api_keys_set_updated_at ON public.api_keys;
CREATE TRIGGER api_keys_set_updated_at BEFORE UPDATE ON public.api_keys
  FOR EACH ROW
  WHEN ((OLD.user_id, OLD.name, OLD.key_prefix, OLD.key_hash, OLD.expires_at, OLD.rate_limit, OLD.usage_quota,
         OLD.enabled, OLD.scopes, OLD.meta, OLD.ratelimits, OLD.credits_refill, OLD.identity_id)
        IS DISTINCT FROM
        (NEW.user_id, NEW.name, NEW.key_prefix, NEW.key_hash, NEW.expires_at, NEW.rate_limit, NEW.usage_quota,
         NEW.enabled, NEW.scopes, NEW.meta, NEW.ratelimits, NEW.credits_refill, NEW.identity_id))
  EXECUTE FUNCTION public.vx_set_updated_at();

-- Verifications per hour by outcome, counted by the verification statement in the same upsert as request_count.
ALTER TABLE public.api_key_usage_hourly
  ADD COLUMN valid_count integer NOT NULL DEFAULT 0,
  ADD COLUMN rate_limited_count integer NOT NULL DEFAULT 0,
  ADD COLUMN usage_exceeded_count integer NOT NULL DEFAULT 0,
  ADD COLUMN disabled_count integer NOT NULL DEFAULT 0,
  ADD COLUMN expired_count integer NOT NULL DEFAULT 0,
  ADD COLUMN insufficient_scope_count integer NOT NULL DEFAULT 0;

-- GCRA (the generic cell rate algorithm): `limit` units per `duration_ms`, a burst of at most `limit`. A limit
-- keeps one number, its theoretical arrival time TAT; a request of cost c at `now` passes iff
-- max(TAT, now) + c × duration_ms / limit − now ≤ duration_ms, and then moves TAT there. So in any interval of
-- length t at most limit + t × limit / duration_ms units pass (a full bucket plus what drips in). Exact: TAT is
-- kept multiplied by the limit, [tat × limit, limit], so every quantity is an integer (numeric, no rounding).
-- p_state is that pair or null (never used); a pair stored under another limit is rescaled, rounding up.
-- remaining: how many more cost-1 requests would pass now; reset_ms: when the limit is full again; retry_ms, on a
-- refusal: the earliest moment this request would pass.
CREATE FUNCTION public.vx_gcra(
  p_state jsonb, p_limit integer, p_duration_ms bigint, p_cost integer, p_now_ms numeric,
  OUT allowed boolean, OUT state jsonb, OUT remaining integer, OUT reset_ms bigint, OUT retry_ms bigint
)
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
DECLARE
  v_now numeric := p_now_ms * p_limit;
  v_cap numeric := p_duration_ms::numeric * p_limit;
  v_tat numeric;
  v_next numeric;
BEGIN
  v_tat := CASE
    WHEN p_state IS NULL THEN v_now
    WHEN (p_state ->> 1)::integer = p_limit THEN (p_state ->> 0)::numeric
    ELSE ceil((p_state ->> 0)::numeric * p_limit / (p_state ->> 1)::numeric)
  END;
  v_tat := greatest(v_tat, v_now);
  v_next := v_tat + p_cost::numeric * p_duration_ms;
  allowed := v_next - v_now <= v_cap;
  IF allowed THEN
    v_tat := v_next;
  ELSE
    retry_ms := ceil((v_next - v_cap) / p_limit);
  END IF;
  state := jsonb_build_array(v_tat, p_limit);
  remaining := greatest(0, floor((v_cap - (v_tat - v_now)) / p_duration_ms));
  reset_ms := ceil(v_tat / p_limit);
END
$$;

-- The latest refill moment at or before p_now (UTC): daily at midnight; monthly at midnight of refill_day (default
-- 1, the month's last day when the month is shorter).
CREATE FUNCTION public.vx_credits_last_refill(p_refill jsonb, p_now timestamptz) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
DECLARE
  v_local timestamp := p_now AT TIME ZONE 'UTC';
  v_day integer := coalesce((p_refill ->> 'refill_day')::integer, 1);
  v_month timestamp := date_trunc('month', v_local);
  v_at timestamp;
BEGIN
  IF p_refill ->> 'interval' = 'daily' THEN
    RETURN date_trunc('day', v_local) AT TIME ZONE 'UTC';
  END IF;
  v_at := v_month + make_interval(days => least(v_day, extract(day FROM v_month + interval '1 month - 1 day')::integer) - 1);
  IF v_at > v_local THEN
    v_month := v_month - interval '1 month';
    v_at := v_month + make_interval(days => least(v_day, extract(day FROM v_month + interval '1 month - 1 day')::integer) - 1);
  END IF;
  RETURN v_at AT TIME ZONE 'UTC';
END
$$;

-- Credits after a refill that is due (lazily: no cron), or as they are.
CREATE FUNCTION public.vx_credits_now(p_remaining integer, p_refill jsonb, p_refilled_at timestamptz, p_now timestamptz)
RETURNS integer
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
  SELECT CASE
    WHEN p_remaining IS NULL OR p_refill IS NULL THEN p_remaining
    WHEN p_refilled_at IS NULL OR p_refilled_at < public.vx_credits_last_refill(p_refill, p_now)
      THEN (p_refill ->> 'amount')::integer
    ELSE p_remaining
  END
$$;

-- The rate limits of a key or identity that apply to one request, checked (not yet counted): every auto-applied
-- limit and every one the request names, each with its own cost (the named cost, else the request's). Returns
-- whether all pass, the state to store if the request counts, and one result per limit.
CREATE FUNCTION public.vx_check_ratelimits(
  p_config jsonb, p_state jsonb, p_requested jsonb, p_cost integer, p_now_ms numeric, p_source text,
  OUT allowed boolean, OUT state jsonb, OUT results jsonb
)
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
DECLARE
  v_limit jsonb;
  v_name text;
  g record;
BEGIN
  allowed := true;
  state := p_state;
  results := '[]';
  FOR i IN 0 .. jsonb_array_length(p_config) - 1 LOOP
    v_limit := p_config -> i;
    v_name := v_limit ->> 'name';
    CONTINUE WHEN NOT ((v_limit ->> 'auto_apply')::boolean OR p_requested ? v_name);
    g := public.vx_gcra(p_state -> v_name, (v_limit ->> 'limit')::integer, (v_limit ->> 'duration_ms')::bigint,
      coalesce((p_requested ->> v_name)::integer, p_cost), p_now_ms);
    allowed := allowed AND g.allowed;
    state := jsonb_set(state, ARRAY[v_name], g.state);
    results := results || jsonb_build_object('name', v_name, 'source', p_source, 'limit', (v_limit ->> 'limit')::integer,
      'duration_ms', (v_limit ->> 'duration_ms')::bigint, 'remaining', g.remaining, 'reset', g.reset_ms,
      'exceeded', NOT g.allowed, 'retry_at', g.retry_ms);
  END LOOP;
END
$$;

-- Verifies and counts a batch in one statement, as vx_verify_api_keys (migration 004) did, plus: credits of the
-- key and of its identity (refilled lazily, USAGE_EXCEEDED when short), named GCRA limits of both (RATE_LIMITED
-- after the hourly rate_limit), meta, and one outcome count per verification in the hour bucket. p_ratelimits[i]
-- names request i's extra limits, space-separated `name:cost` (cost may be empty). The key rows are locked in id
-- order, then their identities in id order: one global order, no deadlock. Only a VALID request spends anything;
-- every limit and credit it needs is checked first, so a refusal spends nothing anywhere.
CREATE FUNCTION public.vx_api_key_verify_batch(
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
  limits jsonb
)
LANGUAGE plpgsql VOLATILE SET search_path = ''
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $$
#variable_conflict use_column
DECLARE
  v_hour timestamptz := date_trunc('hour', p_now AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  v_now_ms numeric := floor(extract(epoch FROM p_now) * 1000);
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
  v_state jsonb[];
  v_n_valid integer[];
  v_n_rate integer[];
  v_n_usage integer[];
  v_n_disabled integer[];
  v_n_expired integer[];
  v_n_scope integer[];
  v_idns public.api_key_identities[];
  v_idn public.api_key_identities;
  v_idn_ids uuid[];
  v_icredits integer[];
  v_istate jsonb[];
  v_icounted boolean[];
  v_limited boolean;
  v_code text;
  v_cost integer;
  v_scope text;
  v_allowed boolean;
  v_requested jsonb;
  v_check record;
  v_key_state jsonb;
  v_idn_state jsonb;
  v_limits jsonb;
  i integer;
  j integer;
  k integer;
BEGIN
  IF cardinality(p_hashes) <> cardinality(p_scopes) OR cardinality(p_hashes) <> cardinality(p_costs)
     OR cardinality(p_hashes) <> cardinality(p_ratelimits) THEN
    RAISE EXCEPTION 'vx_api_key_verify_batch: every array must have the same length';
  END IF;
  PERFORM public.vx_lock_api_key_hashes(p_hashes);
  PERFORM FROM public.api_key_identities AS d
    WHERE d.id IN (SELECT a.identity_id FROM public.api_keys AS a WHERE a.key_hash = ANY (p_hashes))
    ORDER BY d.id FOR NO KEY UPDATE;

  SELECT coalesce(array_agg(a), '{}'), coalesce(array_agg(a.key_hash::text), '{}'), coalesce(array_agg(a.id), '{}'),
         coalesce(array_agg(a.user_id), '{}'), coalesce(array_agg(a.usage_count), '{}'),
         coalesce(array_agg(public.vx_credits_now(a.credits_remaining, a.credits_refill, a.credits_refilled_at, p_now)), '{}'),
         coalesce(array_agg(a.ratelimit_state), '{}'),
         coalesce(bool_or(a.rate_limit IS NOT NULL), false)
    INTO v_keys, v_hashes, v_ids, v_user_ids, v_used, v_credits, v_state, v_limited
    FROM public.api_keys AS a WHERE a.key_hash = ANY (p_hashes);
  SELECT coalesce(array_agg(d), '{}'), coalesce(array_agg(d.id), '{}'),
         coalesce(array_agg(public.vx_credits_now(d.credits_remaining, d.credits_refill, d.credits_refilled_at, p_now)), '{}'),
         coalesce(array_agg(d.ratelimit_state), '{}')
    INTO v_idns, v_idn_ids, v_icredits, v_istate
    FROM public.api_key_identities AS d WHERE d.id IN (SELECT u.identity_id FROM unnest(v_keys) AS u);
  v_spent := array_fill(0, ARRAY[cardinality(v_keys)]);
  v_counted := array_fill(false, ARRAY[cardinality(v_keys)]);
  v_n_valid := v_spent;
  v_n_rate := v_spent;
  v_n_usage := v_spent;
  v_n_disabled := v_spent;
  v_n_expired := v_spent;
  v_n_scope := v_spent;
  v_icounted := array_fill(false, ARRAY[cardinality(v_idns)]);
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
    k := array_position(v_idn_ids, v_key.identity_id);
    v_idn := CASE WHEN k IS NULL THEN NULL ELSE v_idns[k] END;
    v_limits := '[]';
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
      v_requested := CASE WHEN p_ratelimits[i] = '' THEN '{}'::jsonb ELSE (
        SELECT jsonb_object_agg(split_part(r, ':', 1), nullif(split_part(r, ':', 2), '')::integer)
        FROM unnest(string_to_array(p_ratelimits[i], ' ')) AS r) END;
      v_check := public.vx_check_ratelimits(v_key.ratelimits, v_state[j], v_requested, v_cost, v_now_ms, 'key');
      v_limits := v_check.results;
      v_allowed := v_check.allowed;
      v_key_state := v_check.state;
      IF k IS NOT NULL THEN
        v_check := public.vx_check_ratelimits(v_idn.ratelimits, v_istate[k], v_requested, v_cost, v_now_ms,
          'identity');
        v_limits := v_limits || v_check.results;
        v_allowed := v_allowed AND v_check.allowed;
        v_idn_state := v_check.state;
      END IF;
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
    limits := v_limits;
    RETURN NEXT;
  END LOOP;

  -- Counted keys and identities are written whole under their row locks: credits (after any refill), GCRA state.
  UPDATE public.api_keys AS a
    SET usage_count = a.usage_count + s.spent, last_used_at = greatest(a.last_used_at, p_now),
        credits_remaining = s.credits, ratelimit_state = s.state,
        credits_refilled_at = CASE WHEN a.credits_refill IS NULL THEN a.credits_refilled_at
          ELSE greatest(a.credits_refilled_at, public.vx_credits_last_refill(a.credits_refill, p_now)) END
    FROM unnest(v_ids, v_spent, v_counted, v_credits, v_state) AS s(key_id, spent, counted, credits, state)
    WHERE a.id = s.key_id AND s.counted;
  UPDATE public.api_key_identities AS d
    SET credits_remaining = s.credits, ratelimit_state = s.state,
        credits_refilled_at = CASE WHEN d.credits_refill IS NULL THEN d.credits_refilled_at
          ELSE greatest(d.credits_refilled_at, public.vx_credits_last_refill(d.credits_refill, p_now)) END
    FROM unnest(v_idn_ids, v_icredits, v_istate, v_icounted) AS s(identity_id, credits, state, counted)
    WHERE d.id = s.identity_id AND s.counted;
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

-- One request, with the batch function's rules and rows (ord = 1). A key with nothing to read under its lock (no
-- hourly rate limit, no named limits, no credits, no identity) that passes every check, the common case, is
-- counted by one UPDATE … RETURNING whose WHERE holds all the checks, plus the hour bucket's upsert; anything else
-- is decided by vx_api_key_verify_batch, which also names the code.
CREATE FUNCTION public.vx_api_key_verify(
  p_hash text, p_scopes text[], p_cost integer, p_ratelimits text, p_now timestamptz
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
  limits jsonb
)
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
  v_hour timestamptz := date_trunc('hour', p_now AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
BEGIN
  RETURN QUERY WITH counted AS (
    UPDATE public.api_keys AS a
      SET usage_count = a.usage_count + p_cost, last_used_at = greatest(a.last_used_at, p_now)
      WHERE a.key_hash = p_hash AND a.rate_limit IS NULL AND a.ratelimits = '[]' AND a.credits_remaining IS NULL
        AND a.identity_id IS NULL AND a.enabled
        AND (a.expires_at IS NULL OR a.expires_at > p_now)
        AND (a.usage_quota IS NULL OR a.usage_count + p_cost <= a.usage_quota)
        AND ('*' = ANY (a.scopes) OR NOT EXISTS (
          SELECT FROM unnest(p_scopes) AS s(scope)
          WHERE NOT (s.scope = ANY (a.scopes) OR split_part(s.scope, ':', 1) || ':*' = ANY (a.scopes))
        ))
      RETURNING a.*
  ), bucket AS (
    INSERT INTO public.api_key_usage_hourly AS b (key_id, user_id, hour, request_count, valid_count)
      SELECT c.id, c.user_id, v_hour, p_cost, 1 FROM counted AS c
      ON CONFLICT (key_id, hour) DO UPDATE
        SET request_count = b.request_count + excluded.request_count, valid_count = b.valid_count + 1
  )
  SELECT 1, 'VALID'::text, c.id, c.user_id, c.name, c.key_prefix, c.last_used_at, c.expires_at, c.rate_limit,
    c.usage_quota, c.usage_count, c.enabled, c.scopes, c.created_at, c.updated_at, c.meta, c.ratelimits,
    c.credits_remaining, c.credits_refill, c.identity_id, NULL::jsonb, NULL::integer, v_hour + interval '1 hour',
    '[]'::jsonb
  FROM counted AS c;
  IF NOT FOUND THEN
    RETURN QUERY SELECT * FROM public.vx_api_key_verify_batch(
      ARRAY[p_hash], ARRAY[array_to_string(p_scopes, ' ')], ARRAY[p_cost], ARRAY[p_ratelimits], p_now
    );
  END IF;
END
$$;

-- Owners set, add to or take from credits: the due refill first, then the change (never below 0), under the
-- row's lock like verification. p_target is 'key' or 'identity'; NULL p_user_id is the system.
CREATE FUNCTION public.vx_api_key_credits(
  p_target text, p_id uuid, p_user_id uuid, p_op text, p_amount integer, p_now timestamptz
) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
  v_result integer;
BEGIN
  IF p_target = 'key' THEN
    UPDATE public.api_keys AS a SET
      credits_remaining = greatest(0, CASE p_op WHEN 'set' THEN p_amount
        WHEN 'increment' THEN coalesce(public.vx_credits_now(a.credits_remaining, a.credits_refill, a.credits_refilled_at, p_now), 0) + p_amount
        ELSE coalesce(public.vx_credits_now(a.credits_remaining, a.credits_refill, a.credits_refilled_at, p_now), 0) - p_amount END),
      credits_refilled_at = CASE WHEN a.credits_refill IS NULL THEN a.credits_refilled_at
        ELSE greatest(a.credits_refilled_at, public.vx_credits_last_refill(a.credits_refill, p_now)) END
    WHERE a.id = p_id AND (p_user_id IS NULL OR a.user_id = p_user_id)
    RETURNING a.credits_remaining INTO v_result;
  ELSE
    UPDATE public.api_key_identities AS d SET
      credits_remaining = greatest(0, CASE p_op WHEN 'set' THEN p_amount
        WHEN 'increment' THEN coalesce(public.vx_credits_now(d.credits_remaining, d.credits_refill, d.credits_refilled_at, p_now), 0) + p_amount
        ELSE coalesce(public.vx_credits_now(d.credits_remaining, d.credits_refill, d.credits_refilled_at, p_now), 0) - p_amount END),
      credits_refilled_at = CASE WHEN d.credits_refill IS NULL THEN d.credits_refilled_at
        ELSE greatest(d.credits_refilled_at, public.vx_credits_last_refill(d.credits_refill, p_now)) END
    WHERE d.id = p_id AND (p_user_id IS NULL OR d.user_id = p_user_id)
    RETURNING d.credits_remaining INTO v_result;
  END IF;
  RETURN v_result;
END
$$;

-- Rotation copies the new settings too (meta, limits, credits, identity); otherwise as in migration 010.
CREATE OR REPLACE FUNCTION public.vx_rotate_api_key(
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
      (user_id, name, key_prefix, key_hash, expires_at, rate_limit, usage_quota, scopes, created_at, updated_at,
       meta, ratelimits, credits_remaining, credits_refill, credits_refilled_at, identity_id)
    SELECT prev.user_id, prev.name, p_key_prefix, p_key_hash, p_now + (prev.expires_at - prev.created_at),
      prev.rate_limit, prev.usage_quota, prev.scopes, p_now, p_now,
      prev.meta, prev.ratelimits, prev.credits_remaining, prev.credits_refill, prev.credits_refilled_at, prev.identity_id
    FROM prev
    RETURNING *
  )
  SELECT * FROM retired
  UNION ALL
  SELECT * FROM issued
$$;

-- The standalone rate limiter: GCRA state per (owner, namespace, identifier), created on first use.
CREATE TABLE public.ratelimit_states (
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  namespace text NOT NULL CHECK (length(namespace) BETWEEN 1 AND 255),
  identifier text NOT NULL CHECK (length(identifier) BETWEEN 1 AND 255),
  state jsonb,
  PRIMARY KEY (user_id, namespace, identifier)
);
ALTER TABLE public.ratelimit_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view their own rate limit states" ON public.ratelimit_states
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);
REVOKE ALL ON public.ratelimit_states FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.ratelimit_states TO authenticated;
GRANT ALL ON public.ratelimit_states TO service_role;

-- Per-identifier overrides of the limit a caller asks for.
CREATE TABLE public.ratelimit_overrides (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  namespace text NOT NULL CHECK (length(namespace) BETWEEN 1 AND 255),
  identifier text NOT NULL CHECK (length(identifier) BETWEEN 1 AND 255),
  "limit" integer NOT NULL CHECK ("limit" > 0),
  duration_ms bigint NOT NULL CHECK (duration_ms BETWEEN 1000 AND 2592000000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, namespace, identifier)
);
ALTER TABLE public.ratelimit_overrides ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view their own rate limit overrides" ON public.ratelimit_overrides
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can create their own rate limit overrides" ON public.ratelimit_overrides
  FOR INSERT TO authenticated WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can update their own rate limit overrides" ON public.ratelimit_overrides
  FOR UPDATE TO authenticated USING ((SELECT auth.uid()) = user_id) WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can delete their own rate limit overrides" ON public.ratelimit_overrides
  FOR DELETE TO authenticated USING ((SELECT auth.uid()) = user_id);
REVOKE ALL ON public.ratelimit_overrides FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.ratelimit_overrides TO authenticated;
GRANT ALL ON public.ratelimit_overrides TO service_role;
CREATE TRIGGER ratelimit_overrides_set_updated_at BEFORE UPDATE ON public.ratelimit_overrides
  FOR EACH ROW EXECUTE FUNCTION public.vx_set_updated_at();

-- Limits a batch in one statement: request i is (owner, namespace, identifier, limit, duration_ms, cost), an
-- override of that identifier replacing limit and duration. The state rows are created if missing and locked in
-- key order (no deadlock), then the requests are decided in order with GCRA, as for keys.
CREATE FUNCTION public.vx_ratelimit_batch(
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

-- Verification and limiting are the system's job, like migration 004's functions.
REVOKE ALL ON FUNCTION public.vx_gcra(jsonb, integer, bigint, integer, numeric) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.vx_check_ratelimits(jsonb, jsonb, jsonb, integer, numeric, text)
  FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.vx_api_key_verify_batch(text[], text[], integer[], text[], timestamptz)
  FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.vx_api_key_verify(text, text[], integer, text, timestamptz)
  FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.vx_ratelimit_batch(uuid[], text[], text[], integer[], bigint[], integer[], timestamptz)
  FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.vx_gcra(jsonb, integer, bigint, integer, numeric) TO service_role;
GRANT EXECUTE ON FUNCTION public.vx_check_ratelimits(jsonb, jsonb, jsonb, integer, numeric, text) TO service_role;
GRANT EXECUTE ON FUNCTION public.vx_api_key_verify_batch(text[], text[], integer[], text[], timestamptz)
  TO service_role;
GRANT EXECUTE ON FUNCTION public.vx_api_key_verify(text, text[], integer, text, timestamptz) TO service_role;
GRANT EXECUTE ON FUNCTION public.vx_ratelimit_batch(uuid[], text[], text[], integer[], bigint[], integer[], timestamptz)
  TO service_role;
-- Owners change their own credits (p_user_id filters, RLS too); the refill helpers are pure.
REVOKE ALL ON FUNCTION public.vx_api_key_credits(text, uuid, uuid, text, integer, timestamptz) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.vx_api_key_credits(text, uuid, uuid, text, integer, timestamptz)
  TO authenticated, service_role;

-- Down Migration
DROP FUNCTION public.vx_ratelimit_batch(uuid[], text[], text[], integer[], bigint[], integer[], timestamptz);
DROP TABLE public.ratelimit_overrides;
DROP TABLE public.ratelimit_states;
DROP FUNCTION public.vx_api_key_credits(text, uuid, uuid, text, integer, timestamptz);
DROP FUNCTION public.vx_api_key_verify(text, text[], integer, text, timestamptz);
DROP FUNCTION public.vx_api_key_verify_batch(text[], text[], integer[], text[], timestamptz);
DROP FUNCTION public.vx_check_ratelimits(jsonb, jsonb, jsonb, integer, numeric, text);
DROP FUNCTION public.vx_credits_now(integer, jsonb, timestamptz, timestamptz);
DROP FUNCTION public.vx_credits_last_refill(jsonb, timestamptz);
DROP FUNCTION public.vx_gcra(jsonb, integer, bigint, integer, numeric);
ALTER TABLE public.api_key_usage_hourly
  DROP COLUMN valid_count, DROP COLUMN rate_limited_count, DROP COLUMN usage_exceeded_count,
  DROP COLUMN disabled_count, DROP COLUMN expired_count, DROP COLUMN insufficient_scope_count;
DROP TRIGGER api_keys_set_updated_at ON public.api_keys;
CREATE TRIGGER api_keys_set_updated_at BEFORE UPDATE ON public.api_keys
  FOR EACH ROW
  WHEN ((OLD.user_id, OLD.name, OLD.key_prefix, OLD.key_hash, OLD.expires_at, OLD.rate_limit, OLD.usage_quota,
         OLD.enabled, OLD.scopes)
        IS DISTINCT FROM
        (NEW.user_id, NEW.name, NEW.key_prefix, NEW.key_hash, NEW.expires_at, NEW.rate_limit, NEW.usage_quota,
         NEW.enabled, NEW.scopes))
  EXECUTE FUNCTION public.vx_set_updated_at();
-- The rotation of migration 010 names its columns, so it outlives the dropped ones unchanged in meaning.
CREATE OR REPLACE FUNCTION public.vx_rotate_api_key(
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
ALTER TABLE public.api_keys
  DROP COLUMN identity_id, DROP COLUMN credits_refilled_at, DROP COLUMN credits_refill, DROP COLUMN credits_remaining,
  DROP COLUMN ratelimit_state, DROP COLUMN ratelimits, DROP COLUMN meta;
DROP TABLE public.api_key_identities;
