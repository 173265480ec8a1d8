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

-- Whether granted scopes meet every required one: `*` meets all, `res:*` meets `res:<anything>`.
-- Mirrors scopesAllow() in @vx/api-keys.
CREATE FUNCTION public.vx_api_key_scopes_allow(granted text[], required text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT NOT EXISTS (
    SELECT 1 FROM unnest(required) AS r(scope)
    WHERE NOT EXISTS (
      SELECT 1 FROM unnest(granted) AS g(scope)
      WHERE g.scope = '*' OR g.scope = r.scope
         OR (right(g.scope, 2) = ':*' AND starts_with(r.scope, left(g.scope, -1)))
    )
  )
$$;

-- Verifies and counts a batch of requests in one statement. Request i is (p_hashes[i], p_scopes[i] as
-- space-separated required scopes, p_costs[i]). Keys are locked in id order (so concurrent batches never
-- deadlock), then each key's requests are decided in order against running counters with the checks in
-- the order DISABLED, EXPIRED, USAGE_EXCEEDED, RATE_LIMITED, INSUFFICIENT_SCOPE; only VALID ones count.
-- Each key's row and hour bucket are written once per batch. Returns one row per request, by ord.
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
  v_key public.api_keys;
  v_found text[] := '{}';
  v_used integer;
  v_window integer;
  v_window_before integer;
  v_counted boolean;
  v_code text;
  v_cost integer;
  v_required text[];
  i integer;
BEGIN
  IF cardinality(p_hashes) <> cardinality(p_scopes) OR cardinality(p_hashes) <> cardinality(p_costs) THEN
    RAISE EXCEPTION 'vx_verify_api_keys: p_hashes, p_scopes and p_costs must have the same length';
  END IF;

  FOR v_key IN
    SELECT * FROM public.api_keys AS a WHERE a.key_hash = ANY (p_hashes) ORDER BY a.id FOR UPDATE
  LOOP
    v_found := v_found || v_key.key_hash::text;
    -- A fresh snapshot per statement (READ COMMITTED): we hold the row lock, so this sees every commit before ours.
    SELECT b.request_count INTO v_window_before
      FROM public.api_key_usage_hourly AS b WHERE b.key_id = v_key.id AND b.hour = v_hour;
    v_window_before := coalesce(v_window_before, 0);
    v_window := v_window_before;
    v_used := v_key.usage_count;
    v_counted := false;

    FOR i IN
      SELECT t.n::integer FROM unnest(p_hashes) WITH ORDINALITY AS t(h, n) WHERE t.h = v_key.key_hash ORDER BY t.n
    LOOP
      v_cost := p_costs[i];
      v_required := coalesce(string_to_array(nullif(p_scopes[i], ''), ' '), '{}');
      v_code := CASE
        WHEN NOT v_key.enabled THEN 'DISABLED'
        WHEN v_key.expires_at IS NOT NULL AND v_key.expires_at <= p_now THEN 'EXPIRED'
        WHEN v_key.usage_quota IS NOT NULL AND v_used + v_cost > v_key.usage_quota THEN 'USAGE_EXCEEDED'
        WHEN v_key.rate_limit IS NOT NULL AND v_window + v_cost > v_key.rate_limit THEN 'RATE_LIMITED'
        WHEN NOT public.vx_api_key_scopes_allow(v_key.scopes, v_required) THEN 'INSUFFICIENT_SCOPE'
        ELSE 'VALID'
      END;
      IF v_code = 'VALID' THEN
        v_used := v_used + v_cost;
        v_window := v_window + v_cost;
        v_counted := true;
      END IF;

      ord := i;
      code := v_code;
      id := v_key.id;
      user_id := v_key.user_id;
      name := v_key.name;
      key_prefix := v_key.key_prefix;
      last_used_at := CASE WHEN v_counted THEN greatest(v_key.last_used_at, p_now) ELSE v_key.last_used_at END;
      expires_at := v_key.expires_at;
      rate_limit := v_key.rate_limit;
      usage_quota := v_key.usage_quota;
      usage_count := v_used;
      enabled := v_key.enabled;
      scopes := v_key.scopes;
      created_at := v_key.created_at;
      updated_at := v_key.updated_at;
      window_count := v_window;
      window_reset := v_hour + interval '1 hour';
      RETURN NEXT;
    END LOOP;

    IF v_counted THEN
      UPDATE public.api_keys AS a
        SET usage_count = v_used, last_used_at = greatest(a.last_used_at, p_now)
        WHERE a.id = v_key.id;
      IF v_window > v_window_before THEN
        INSERT INTO public.api_key_usage_hourly AS b (key_id, user_id, hour, request_count)
          VALUES (v_key.id, v_key.user_id, v_hour, v_window - v_window_before)
          ON CONFLICT (key_id, hour) DO UPDATE SET request_count = b.request_count + excluded.request_count;
      END IF;
    END IF;
  END LOOP;

  FOR i IN
    SELECT t.n::integer FROM unnest(p_hashes) WITH ORDINALITY AS t(h, n) WHERE NOT (t.h = ANY (v_found)) ORDER BY t.n
  LOOP
    ord := i;
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
    window_reset := v_hour + interval '1 hour';
    RETURN NEXT;
  END LOOP;
END
$$;

-- Counts usage without checking limits (the specification's updateApiKeyUsage): usage_count,
-- last_used_at and the hour bucket in one statement. Returns the key, or no row when it does not exist.
CREATE FUNCTION public.vx_record_api_key_usage(p_key_id uuid, p_cost integer, p_at timestamptz)
RETURNS SETOF public.api_keys
LANGUAGE sql VOLATILE AS $$
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
REVOKE ALL ON FUNCTION public.vx_verify_api_keys(text[], text[], integer[], timestamptz) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.vx_record_api_key_usage(uuid, integer, timestamptz) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.vx_verify_api_keys(text[], text[], integer[], timestamptz) TO service_role;
GRANT EXECUTE ON FUNCTION public.vx_record_api_key_usage(uuid, integer, timestamptz) TO service_role;
GRANT EXECUTE ON FUNCTION public.vx_api_key_scopes_allow(text[], text[]) TO anon, authenticated, service_role;

