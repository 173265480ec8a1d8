-- Generated from packages/db/migrations/008_api_key_verify_row_lock.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- API keys, part 3: the key's row lock serialises every counter (it was an advisory lock), so that one request can
-- be verified and counted by one UPDATE … RETURNING, the shape of the one-round-trip ceiling.

-- Everyone who counts a key's usage holds its row lock until commit: the batch function and
-- vx_record_api_key_usage take it here, vx_verify_api_key by updating the row. A reader holding it sees every
-- count committed before it. (The advisory lock this replaces had to be taken before the statement that reads
-- the counters, so a lone request held it through a whole statement; a row lock taken by the UPDATE itself is
-- held only for that row's update, after Postgres re-checks the WHERE on the newest row version.)
CREATE OR REPLACE FUNCTION public.vx_lock_api_key_hashes(p_hashes text[]) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  -- In id order, so that concurrent batches take their locks in one global order and cannot deadlock. FOR NO KEY
  -- UPDATE is the lock an UPDATE of the counters takes: it conflicts with itself and with key changes.
  PERFORM FROM public.api_keys AS a WHERE a.key_hash = ANY (p_hashes) ORDER BY a.id FOR NO KEY UPDATE;
END
$$;

-- Verifies and counts one request, with the batch function's rules and result rows (ord = 1). A key without a
-- rate limit that passes every check (the common case) is counted by one UPDATE … RETURNING whose WHERE holds
-- all the checks, plus the hour bucket's upsert in the same statement: under a lock wait Postgres re-evaluates
-- the WHERE on the newest row, so the quota stays exact. Anything else (an unknown key, a refusal, a rate limit,
-- which needs this hour's count read under the lock) is decided by vx_verify_api_keys, which also names the code.
CREATE FUNCTION public.vx_verify_api_key(p_hash text, p_scopes text[], p_cost integer, p_now timestamptz)
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
BEGIN
  RETURN QUERY WITH counted AS (
    UPDATE public.api_keys AS a
      SET usage_count = a.usage_count + p_cost, last_used_at = greatest(a.last_used_at, p_now)
      WHERE a.key_hash = p_hash AND a.rate_limit IS NULL AND a.enabled
        AND (a.expires_at IS NULL OR a.expires_at > p_now)
        AND (a.usage_quota IS NULL OR a.usage_count + p_cost <= a.usage_quota)
        -- Each required `res:act` needs `res:act`, `res:*` or `*`: scopesAllow() in @vx/api-keys.
        AND ('*' = ANY (a.scopes) OR NOT EXISTS (
          SELECT FROM unnest(p_scopes) AS s(scope)
          WHERE NOT (s.scope = ANY (a.scopes) OR split_part(s.scope, ':', 1) || ':*' = ANY (a.scopes))
        ))
      RETURNING a.*
  ), bucket AS (
    INSERT INTO public.api_key_usage_hourly AS b (key_id, user_id, hour, request_count)
      SELECT c.id, c.user_id, date_trunc('hour', p_now AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', p_cost
      FROM counted AS c WHERE p_cost > 0
      ON CONFLICT (key_id, hour) DO UPDATE SET request_count = b.request_count + excluded.request_count
  )
  SELECT 1, 'VALID', c.id, c.user_id, c.name, c.key_prefix, c.last_used_at, c.expires_at, c.rate_limit,
    c.usage_quota, c.usage_count, c.enabled, c.scopes, c.created_at, c.updated_at, NULL::integer,
    date_trunc('hour', p_now AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 hour'
  FROM counted AS c;
  IF NOT FOUND THEN
    RETURN QUERY SELECT * FROM public.vx_verify_api_keys(
      ARRAY[p_hash], ARRAY[array_to_string(p_scopes, ' ')], ARRAY[p_cost], p_now
    );
  END IF;
END
$$;

-- Verification is the system's job: a key holder is not yet a user, and this function bypasses ownership.
REVOKE ALL ON FUNCTION public.vx_verify_api_key(text, text[], integer, timestamptz) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.vx_verify_api_key(text, text[], integer, timestamptz) TO service_role;

