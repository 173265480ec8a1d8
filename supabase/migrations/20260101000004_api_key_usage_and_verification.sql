-- Generated from packages/db/migrations/004_api_key_usage_and_verification.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- API keys, part 2: hourly usage buckets (kept forever) and the one-statement, exact verification function.

-- One row per key and UTC clock hour with at least one counted request. The rate-limit window is the same
-- row: a fixed clock hour, so counting, limiting and statistics are one upsert. Rows outlive their key
-- (usage history is kept indefinitely, as the specification's retention says) and go with their user.
CREATE TABLE public.api_key_usage_hourly (
  key_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  hour timestamptz NOT NULL CHECK (date_trunc('hour', hour AT TIME ZONE 'UTC') = hour AT TIME ZONE 'UTC'),
  request_count integer NOT NULL DEFAULT 0 CHECK (request_count >= 0),
  PRIMARY KEY (key_id, hour)
);

CREATE INDEX idx_api_key_usage_hourly_user_id ON public.api_key_usage_hourly (user_id);

ALTER TABLE public.api_key_usage_hourly ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view their own API key usage" ON public.api_key_usage_hourly
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);

-- Supabase grants new tables to anon and authenticated by default: only the system writes usage.
REVOKE ALL ON public.api_key_usage_hourly FROM PUBLIC, anon, authenticated;
GRANT SELECT ON public.api_key_usage_hourly TO authenticated;
GRANT ALL ON public.api_key_usage_hourly TO service_role;

-- updated_at means "settings last changed": counting a use must not move it (nor pay for the trigger).
DROP TRIGGER api_keys_set_updated_at ON public.api_keys;
CREATE TRIGGER api_keys_set_updated_at BEFORE UPDATE ON public.api_keys
  FOR EACH ROW
  WHEN ((OLD.user_id, OLD.name, OLD.key_prefix, OLD.key_hash, OLD.expires_at, OLD.rate_limit, OLD.usage_quota,
         OLD.enabled, OLD.scopes)
        IS DISTINCT FROM
        (NEW.user_id, NEW.name, NEW.key_prefix, NEW.key_hash, NEW.expires_at, NEW.rate_limit, NEW.usage_quota,
         NEW.enabled, NEW.scopes))
  EXECUTE FUNCTION public.vx_set_updated_at();

-- Serialises everything that counts a key's usage: a transaction-scoped advisory lock per key (namespace
-- 7204961, "vx_keys"), in memory and unlogged, unlike a row lock, which writes the tuple and WAL. Everyone who
-- counts takes it, so a reader holding it sees every count committed before it.
CREATE FUNCTION public.vx_lock_api_key_hashes(p_hashes text[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  -- Sorted by lock id so that concurrent batches take their locks in one global order and cannot deadlock.
  PERFORM pg_advisory_xact_lock(7204961, l.lock_id)
  FROM (SELECT DISTINCT hashtext(u.h) AS lock_id FROM unnest(p_hashes) AS u(h) ORDER BY 1) AS l;
END
$$;

-- Verifies and counts a batch of requests in one statement. Request i is (p_hashes[i], p_scopes[i] as
-- space-separated required scopes, '' for none, p_costs[i]). After locking the keys, the requests are decided in
-- order against running per-key counters with the checks in the order DISABLED, EXPIRED, USAGE_EXCEEDED,
-- RATE_LIMITED, INSUFFICIENT_SCOPE; only VALID ones count. The work per batch is a fixed handful of statements
-- (read keys, read buckets, update keys, upsert buckets) however many requests and keys it holds. Returns one
-- row per request (by ord) with the key as it is after that request; window_count is the hour's count after it
-- when the key has a rate limit, else null.
CREATE FUNCTION public.vx_verify_api_keys(p_hashes text[], p_scopes text[], p_costs integer[], p_now timestamptz)
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
  window_count integer,
  window_reset timestamptz
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  v_hour timestamptz := date_trunc('hour', p_now AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  v_keys public.api_keys[];
  v_key public.api_keys;
  v_hashes text[];
  v_ids uuid[];
  v_user_ids uuid[];
  v_used integer[];
  v_window integer[];
  v_spent integer[];
  v_counted boolean[];
  v_limited boolean;
  v_code text;
  v_cost integer;
  v_scope text;
  v_allowed boolean;
  i integer;
  j integer;
BEGIN
  IF cardinality(p_hashes) <> cardinality(p_scopes) OR cardinality(p_hashes) <> cardinality(p_costs) THEN
    RAISE EXCEPTION 'vx_verify_api_keys: p_hashes, p_scopes and p_costs must have the same length';
  END IF;
  PERFORM public.vx_lock_api_key_hashes(p_hashes);

  -- READ COMMITTED gives each statement below a fresh snapshot, taken after the locks: the counts are current.
  -- One query fills the per-key arrays (aggregates of one query see the rows in the same order).
  SELECT coalesce(array_agg(a), '{}'), coalesce(array_agg(a.key_hash::text), '{}'), coalesce(array_agg(a.id), '{}'),
         coalesce(array_agg(a.user_id), '{}'), coalesce(array_agg(a.usage_count), '{}'),
         coalesce(bool_or(a.rate_limit IS NOT NULL), false)
    INTO v_keys, v_hashes, v_ids, v_user_ids, v_used, v_limited
    FROM public.api_keys AS a WHERE a.key_hash = ANY (p_hashes);
  v_spent := array_fill(0, ARRAY[cardinality(v_keys)]);
  v_counted := array_fill(false, ARRAY[cardinality(v_keys)]);
  v_window := array_fill(NULL::integer, ARRAY[cardinality(v_keys)]);
  IF v_limited THEN
    -- This hour's counts, for the keys that have a rate limit (the others need no window).
    v_window := ARRAY(
      SELECT CASE WHEN k.rate_limit IS NULL THEN NULL ELSE coalesce(b.request_count, 0) END
      FROM unnest(v_keys) WITH ORDINALITY AS k
      LEFT JOIN public.api_key_usage_hourly AS b ON k.rate_limit IS NOT NULL AND b.key_id = k.id AND b.hour = v_hour
      ORDER BY k.ordinality
    );
  END IF;

  FOR i IN 1 .. cardinality(p_hashes) LOOP
    j := array_position(v_hashes, p_hashes[i]);
    ord := i;
    window_reset := v_hour + interval '1 hour';
    IF j IS NULL THEN
      code := 'NOT_FOUND';
      id := NULL;
      user_id := NULL;
      name := NULL;
      key_prefix := NULL;
      last_used_at := NULL;
      expires_at := NULL;
      rate_limit := NULL;
      usage_quota := NULL;
      usage_count := NULL;
      enabled := NULL;
      scopes := NULL;
      created_at := NULL;
      updated_at := NULL;
      window_count := NULL;
      RETURN NEXT;
      CONTINUE;
    END IF;

    v_key := v_keys[j];
    v_cost := p_costs[i];
    v_code := CASE
      WHEN NOT v_key.enabled THEN 'DISABLED'
      WHEN v_key.expires_at IS NOT NULL AND v_key.expires_at <= p_now THEN 'EXPIRED'
      WHEN v_key.usage_quota IS NOT NULL AND v_used[j] + v_cost > v_key.usage_quota THEN 'USAGE_EXCEEDED'
      WHEN v_key.rate_limit IS NOT NULL AND v_window[j] + v_cost > v_key.rate_limit THEN 'RATE_LIMITED'
      ELSE 'VALID'
    END;
    IF v_code = 'VALID' AND p_scopes[i] <> '' AND NOT ('*' = ANY (v_key.scopes)) THEN
      -- Each required `res:act` needs `res:act` or `res:*` (or `*`, above) among the key's scopes: scopesAllow()
      -- in @vx/api-keys, as plain PL/pgSQL expressions because this runs for every request.
      v_allowed := true;
      FOREACH v_scope IN ARRAY string_to_array(p_scopes[i], ' ') LOOP
        IF NOT (v_scope = ANY (v_key.scopes) OR split_part(v_scope, ':', 1) || ':*' = ANY (v_key.scopes)) THEN
          v_allowed := false;
          EXIT;
        END IF;
      END LOOP;
      IF NOT v_allowed THEN
        v_code := 'INSUFFICIENT_SCOPE';
      END IF;
    END IF;
    IF v_code = 'VALID' THEN
      v_used[j] := v_used[j] + v_cost;
      v_window[j] := v_window[j] + v_cost;
      v_spent[j] := v_spent[j] + v_cost;
      v_counted[j] := true;
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
    window_count := v_window[j];
    RETURN NEXT;
  END LOOP;

  -- One write per counted key, relative so that a concurrent settings change (no advisory lock) loses nothing.
  UPDATE public.api_keys AS a
    SET usage_count = a.usage_count + s.spent, last_used_at = greatest(a.last_used_at, p_now)
    FROM unnest(v_ids, v_spent, v_counted) AS s(key_id, spent, counted)
    WHERE a.id = s.key_id AND s.counted;
  INSERT INTO public.api_key_usage_hourly AS b (key_id, user_id, hour, request_count)
    SELECT s.key_id, s.owner_id, v_hour, s.spent
    FROM unnest(v_ids, v_user_ids, v_spent) AS s(key_id, owner_id, spent)
    WHERE s.spent > 0
    ON CONFLICT (key_id, hour) DO UPDATE SET request_count = b.request_count + excluded.request_count;
END
$$;

-- Counts usage without checking limits (the specification's updateApiKeyUsage): usage_count,
-- last_used_at and the hour bucket, under the key's lock. Returns the key, or no row when it does not exist.
CREATE FUNCTION public.vx_record_api_key_usage(p_key_id uuid, p_cost integer, p_at timestamptz)
RETURNS SETOF public.api_keys
LANGUAGE sql VOLATILE AS $$
  SELECT public.vx_lock_api_key_hashes(array_agg(a.key_hash)) FROM public.api_keys AS a WHERE a.id = p_key_id;
  WITH counted AS (
    UPDATE public.api_keys AS a
      SET usage_count = a.usage_count + p_cost, last_used_at = greatest(a.last_used_at, p_at)
      WHERE a.id = p_key_id
      RETURNING a.*
  ), bucket AS (
    INSERT INTO public.api_key_usage_hourly AS b (key_id, user_id, hour, request_count)
      SELECT c.id, c.user_id, date_trunc('hour', p_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', p_cost
      FROM counted AS c WHERE p_cost > 0
      ON CONFLICT (key_id, hour) DO UPDATE SET request_count = b.request_count + excluded.request_count
  )
  SELECT * FROM counted
$$;

-- Verification is the system's job: a key holder is not yet a user, and these functions bypass ownership.
REVOKE ALL ON FUNCTION public.vx_lock_api_key_hashes(text[]) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.vx_verify_api_keys(text[], text[], integer[], timestamptz) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.vx_record_api_key_usage(uuid, integer, timestamptz) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.vx_lock_api_key_hashes(text[]) TO service_role;
GRANT EXECUTE ON FUNCTION public.vx_verify_api_keys(text[], text[], integer[], timestamptz) TO service_role;
GRANT EXECUTE ON FUNCTION public.vx_record_api_key_usage(uuid, integer, timestamptz) TO service_role;

