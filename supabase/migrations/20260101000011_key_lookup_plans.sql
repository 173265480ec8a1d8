-- Generated from packages/db/migrations/011_key_lookup_plans.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- The hot functions, webhook delivery (message ids, event ids, a user's webhooks, the due index) and API-key
-- verification (key hashes, a key's hour bucket), find rows by key only, so they run with sequential scans, hash
-- joins and merge joins off. PL/pgSQL caches a generic plan per connection: one made
-- while a table was empty or never analyzed (a fresh install, a pool opened before traffic, a truncated queue) costs
-- a full scan as cheaper than a few index lookups, and would then read the whole table on every claim, record,
-- enqueue or verification until the next autoanalyze invalidated it. With these off the same plans stay index lookups
-- at any size; no statement in these functions wants anything else. Not needed where a plan cannot go stale this way:
-- vx_verify_api_key's fast path finds one row by a unique key (any plan uses the index), and LANGUAGE sql functions
-- are planned afresh on every call.

-- The delivery engine's three busiest functions (enqueue, claim, record) also run their generic plans always
-- (plan_cache_mode): PL/pgSQL otherwise kept planning their statements afresh on every call, because a custom plan
-- for the given array lengths looked cheaper than the generic one, and planning was most of a small call's time
-- (a record of nothing took 0.7 ms instead of 0.2). The claim becomes PL/pgSQL for the same reason: Postgres 15
-- plans the statements of a LANGUAGE sql function on every call. With the switches above, generic plans are the
-- index lookups a custom plan would choose anyway.

ALTER FUNCTION public.vx_webhook_enqueue(uuid, uuid, text, text, text, timestamptz)
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
  SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION public.vx_webhook_enqueue_batch(uuid[], uuid[], text[], text[], text[], timestamptz[])
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
  SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION public.vx_webhook_record(text, timestamptz, bigint, uuid[], integer[], integer[], text[], text[],
  text[], timestamptz[], text[])
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
  SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION public.vx_webhook_replay(uuid, uuid, timestamptz)
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION public.vx_webhook_message_attempts(uuid, uuid)
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION public.vx_lock_api_key_hashes(text[])
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION public.vx_verify_api_keys(text[], text[], integer[], timestamptz)
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;

CREATE OR REPLACE FUNCTION public.vx_webhook_claim(p_worker text, p_limit integer, p_now timestamptz, p_lease_ms integer)
RETURNS TABLE (
  id uuid, event_id uuid, webhook_id uuid, event text, body text, attempt_number integer,
  max_attempts integer, url text, secrets text[], enabled boolean
)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
    WITH due AS (
      SELECT m.id, m.status, m.attempts
      FROM public.webhook_messages m
      WHERE m.status IN ('pending', 'sending') AND m.due_at <= p_now
      ORDER BY m.due_at
      LIMIT p_limit
      FOR UPDATE SKIP LOCKED
    ),
    abandoned AS (
      INSERT INTO public.webhook_logs (id, webhook_id, event, payload, error, attempt_number, created_at)
      SELECT public.vx_webhook_attempt_id(m.id, due.attempts), m.webhook_id, m.event, e.payload,
        'outcome unknown: the worker''s lease expired before it recorded this attempt', due.attempts, p_now
      FROM due
      JOIN public.webhook_messages m ON m.id = due.id
      JOIN public.webhook_events e ON e.id = m.event_id
      WHERE due.status = 'sending' AND due.attempts > 0
      ON CONFLICT (id) DO NOTHING
    ),
    claimed AS (
      UPDATE public.webhook_messages m
      SET status = 'sending', attempts = m.attempts + 1, locked_by = p_worker,
        due_at = p_now + make_interval(secs => p_lease_ms / 1000.0), updated_at = p_now
      FROM due
      WHERE m.id = due.id
      RETURNING m.id, m.event_id, m.webhook_id, m.event, m.attempts, m.max_attempts
    )
    SELECT c.id, c.event_id, c.webhook_id, c.event::text, e.body, c.attempts, c.max_attempts, w.url,
      CASE WHEN ps.expires_at > p_now THEN ARRAY[w.secret::text, ps.secret::text] ELSE ARRAY[w.secret::text] END,
      w.enabled
    FROM claimed c
    JOIN public.webhooks w ON w.id = c.webhook_id
    JOIN public.webhook_events e ON e.id = c.event_id
    LEFT JOIN public.webhook_previous_secrets ps ON ps.webhook_id = c.webhook_id;
END
$$;

